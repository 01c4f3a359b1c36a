"""Without the extras the command line still works, and vision commands say which extra is missing;
without the training extra (no torch, no Ultralytics) the cameras and ``suyuan up`` run on ONNX."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ingest.vision.demo_model import DEMO_MODEL_PT

TRAINING = ["torch", "torchvision", "ultralytics", "onnx", "onnxslim", "lap", "matplotlib", "polars"]
BLOCKED = ["numpy", "cv2", "onnxruntime", *TRAINING]
HOOK = """
import importlib.abc, importlib.util, sys
BLOCKED = {blocked!r}
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}}")
sys.meta_path.insert(0, Block())
find_spec = importlib.util.find_spec
importlib.util.find_spec = lambda name, package=None: (
    None if name.split(".")[0] in BLOCKED else find_spec(name, package)
)
"""
RUN_CLI = """
from suyuan.cli import main
main()
"""
# Everything `suyuan up --demo` imports, then the kitchen feed's detector on a generated frame.
UP_PATH_WITHOUT_TRAINING = """
import tempfile
from pathlib import Path
import numpy as np
import suyuan.cli, suyuan.up, suyuan.demo.kitchen, suyuan.demo.network
import ingest.vision.camera_cli, ingest.vision.pipeline
from ingest.vision import DEMO_MODEL_ONNX, require_vision
from ingest.vision.detector import Detector
from ingest.vision.synth import Cook, Scene, render_scene
require_vision()
image, _ = render_scene(Scene(cooks=(Cook(0.5, 0.6, hat=False),), seed=3))
frame = np.ascontiguousarray(np.asarray(image)[:, :, ::-1])
detector = Detector(DEMO_MODEL_ONNX, data_dir=Path(tempfile.mkdtemp()))
print(detector.model_version)
print(sorted({d.class_name for d in detector.detect(frame)}))
loaded = sorted({m.split(".")[0] for m in sys.modules} & set(BLOCKED))
print("loaded:", loaded)
"""


def run_without(
    blocked: list[str], code: str, *args: str, env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", HOOK.format(blocked=blocked) + code, *args],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def run_without_extra(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_without(BLOCKED, RUN_CLI, *args, env=env, cwd=cwd)


def only_line(result: subprocess.CompletedProcess[str]) -> str:
    (line,) = [line for line in result.stdout.splitlines() + result.stderr.splitlines() if line.strip()]
    return line


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
    line = only_line(result)
    assert line.startswith("error: ")
    assert "pip install 'suyuan[vision]'" in line


@pytest.mark.parametrize(
    "args",
    [
        ("vision", "train", "data.yaml", "--epochs", "1", "--out", "run"),
        ("vision", "export", "weights.pt", "--out", "model.onnx"),
    ],
    ids=["train", "export"],
)
def test_training_commands_without_training_extra_name_it(
    cli_env: dict[str, str], tmp_path: Path, args: tuple[str, ...]
) -> None:
    (tmp_path / "data.yaml").write_text("path: .\n")
    (tmp_path / "weights.pt").write_bytes(b"weights")
    result = run_without(TRAINING, RUN_CLI, *args, env=cli_env, cwd=tmp_path)
    assert result.returncode == 1
    assert only_line(result) == "error: the training extra is not installed: pip install 'suyuan[training]'"


def test_up_path_and_onnx_cameras_import_no_torch(cli_env: dict[str, str], tmp_path: Path) -> None:
    result = run_without(TRAINING, UP_PATH_WITHOUT_TRAINING, env=cli_env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    version, classes, loaded = result.stdout.strip().splitlines()[-3:]
    assert version.startswith("kitchen-yolo11n.onnx sha256:")
    assert " onnxruntime " in version
    assert classes == "['cook', 'mask']"  # a hatless cook: no chef_hat found
    assert loaded == "loaded: []"


def test_camera_with_pt_weights_without_training_extra_says_so_in_one_line(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    code = f"""
from ingest.vision.detector import Detector, ModelError
from pathlib import Path
try:
    Detector(Path({str(DEMO_MODEL_PT)!r}), data_dir=Path("."))
except ModelError as exc:
    print(exc)
"""
    result = run_without(TRAINING, code, env=cli_env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert only_line(result) == (
        f"model {DEMO_MODEL_PT}: .pt weights need the training extra (pip install 'suyuan[training]'); "
        "cameras run .onnx exports without it"
    )
