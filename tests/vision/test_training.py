"""Training and export: a short run reports every class, the ONNX has the cameras' input size,
and ``suyuan vision train`` prints the per-class table."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ingest.vision.classes import CLASSES
from ingest.vision.cli import parse_imgsz, vision_app
from ingest.vision.demo_model import DEMO_MODEL_PT
from ingest.vision.offline import VisionError
from ingest.vision.synth import write_dataset
from ingest.vision.training import TrainResult, export_onnx, model_sha256, train

pytest.importorskip("ultralytics", reason="needs the vision extra")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dataset(tmp_path_factory.mktemp("tiny"), 16, 8, seed=11, imgsz=(180, 320))


@pytest.fixture(scope="module")
def trained(vision_data_dir: Path, dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> TrainResult:
    progress: list[tuple[int, int]] = []
    run = tmp_path_factory.mktemp("run") / "scratch"
    result = train(dataset, run, epochs=1, imgsz=160, batch=8, progress=lambda d, n: progress.append((d, n)))
    assert progress[-1] == (1, 1)
    return result


def test_train_from_scratch_reports_every_class(trained: TrainResult) -> None:
    assert trained.best.is_file()
    assert trained.best.name == "best.pt"
    assert list(trained.per_class) == list(CLASSES)
    for m in (*trained.per_class.values(), trained.overall):
        values = (m.precision, m.recall, m.map50, m.map50_95)
        assert all(0.0 <= v <= 1.0 and not math.isnan(v) for v in values)
    assert trained.overall.instances == sum(m.instances for m in trained.per_class.values()) > 0


def test_export_onnx_has_the_requested_input(trained: TrainResult, tmp_path: Path) -> None:
    import onnxruntime

    onnx_path = export_onnx(trained.best, tmp_path / "kitchen.onnx", (96, 160))
    session = onnxruntime.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    [model_input] = session.get_inputs()
    assert model_input.shape == [1, 3, 96, 160]
    assert len(model_sha256(onnx_path)) == 64


def test_export_onnx_rejects_size_not_multiple_of_32(vision_data_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(VisionError, match="multiples of 32"):
        export_onnx(DEMO_MODEL_PT, tmp_path / "x.onnx", (360, 640))


def test_train_rejects_missing_dataset(vision_data_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(VisionError, match="no dataset description"):
        train(tmp_path / "missing.yaml", tmp_path / "run", epochs=1)


def test_cli_train_prints_per_class_table(dataset: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    env = {**os.environ, "SUYUAN_DATA_DIR": str(tmp_path / "data")}
    args = ["vision", "train", str(dataset), "--epochs", "1", "--imgsz", "160", "--out", str(run)]
    command = [sys.executable, "-m", "suyuan", *args, "--weights", str(DEMO_MODEL_PT), "--batch", "8"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = {line.split("│")[1].strip(): line for line in done.stdout.splitlines() if line.count("│") >= 7}
    assert set(CLASSES) | {"all"} <= set(rows)
    assert "mAP50-95" in done.stdout
    metrics = json.loads((run / "weights" / "metrics.json").read_text())
    assert set(metrics["per_class"]) == set(CLASSES)
    assert metrics["sha256"] == model_sha256(run / "weights" / "best.pt")
    assert (tmp_path / "data" / "vision" / "ultralytics" / "Ultralytics" / "settings.json").is_file()


def test_cli_train_fails_in_one_line_without_data_yaml(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        vision_app, ["train", str(tmp_path / "nope.yaml"), "--epochs", "1", "--out", "r"]
    )
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"error: no dataset description at {tmp_path / 'nope.yaml'}"
    ]


@pytest.mark.parametrize("text", ["360,640", "abc", "0,640", "384,640,3"])
def test_cli_export_rejects_bad_imgsz(text: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        vision_app, ["export", str(DEMO_MODEL_PT), "--out", "m.onnx", "--imgsz", text]
    )
    assert result.exit_code == 1
    assert "--imgsz must be HEIGHT,WIDTH in multiples of 32" in result.output


def test_parse_imgsz_accepts_pairs_and_squares() -> None:
    assert parse_imgsz("384,640") == (384, 640)
    assert parse_imgsz("192x320") == (192, 320)
    assert parse_imgsz("320") == (320, 320)
