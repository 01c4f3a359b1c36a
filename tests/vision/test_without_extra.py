"""Without the ``vision`` extra the command line still works, and vision commands say what is missing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BLOCKED = ["numpy", "cv2", "torch", "torchvision", "ultralytics", "onnxruntime", "onnx", "lap", "matplotlib"]
RUN_CLI_WITHOUT_EXTRA = f"""
import importlib.abc, importlib.util, sys
BLOCKED = {BLOCKED!r}
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}}")
sys.meta_path.insert(0, Block())
find_spec = importlib.util.find_spec
importlib.util.find_spec = lambda name, package=None: (
    None if name.split(".")[0] in BLOCKED else find_spec(name, package)
)
from suyuan.cli import main
main()
"""


def run_without_extra(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", RUN_CLI_WITHOUT_EXTRA, *args],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_cli_without_vision_extra_lists_every_command(cli_env: dict[str, str], tmp_path: Path) -> None:
    result = run_without_extra("--help", env=cli_env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for command in ("ingest", "device", "vision", "bench"):
        assert command in result.stdout


def test_vision_synth_without_extra_still_writes_a_dataset(cli_env: dict[str, str], tmp_path: Path) -> None:
    result = run_without_extra(
        "vision", "synth", "ds", "--train", "2", "--val", "1", env=cli_env, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "ds" / "data.yaml").is_file()
    assert len(list((tmp_path / "ds" / "images" / "train").iterdir())) == 2


def test_vision_train_without_extra_names_the_extra(cli_env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "data.yaml").write_text("path: .\n")
    args = ("vision", "train", "data.yaml", "--epochs", "1", "--out", "run")
    result = run_without_extra(*args, env=cli_env, cwd=tmp_path)
    assert result.returncode == 1
    (line,) = [line for line in result.stdout.splitlines() + result.stderr.splitlines() if line.strip()]
    assert line.startswith("error: ")
    assert "pip install 'suyuan[vision]'" in line
