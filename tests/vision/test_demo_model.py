"""The shipped demo model finds cooks and their chef hats in synthetic kitchens, and no hat where none is."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from ingest.vision.classes import CLASSES
from ingest.vision.demo_model import DEMO_MODEL_IMGSZ, DEMO_MODEL_ONNX, DEMO_MODEL_PT
from ingest.vision.synth import Cook, Scene, render_scene
from ingest.vision.training import model_sha256

pytest.importorskip("ultralytics", reason="needs the vision extra")

CARD = DEMO_MODEL_ONNX.parent / "MODEL_CARD.md"
SEEDS = (101, 102, 103)

Detections = dict[str, list[tuple[float, float, float, float]]]


def detect(scene: Scene) -> Detections:
    """The demo ONNX model's boxes by class name on the rendered scene, as a camera would see it (BGR)."""
    from ultralytics.models import YOLO

    image, _ = render_scene(scene)
    frame = np.ascontiguousarray(np.asarray(image)[:, :, ::-1])
    [result] = YOLO(str(DEMO_MODEL_ONNX), task="detect").predict(frame, conf=0.4, verbose=False)
    found: Detections = {}
    for cls, box in zip(result.boxes.cls.tolist(), result.boxes.xyxy.tolist(), strict=True):
        found.setdefault(CLASSES[int(cls)], []).append(tuple(box))
    return found


def iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h
    return w * h / union


def test_demo_model_onnx_input_and_outputs(vision_data_dir: Path) -> None:
    import onnxruntime

    session = onnxruntime.InferenceSession(str(DEMO_MODEL_ONNX), providers=["CPUExecutionProvider"])
    [model_input] = session.get_inputs()
    height, width = DEMO_MODEL_IMGSZ
    assert model_input.shape == [1, 3, height, width]
    [output] = session.run(None, {model_input.name: np.zeros((1, 3, height, width), np.float32)})
    assert output.shape[:2] == (1, 4 + len(CLASSES))
    names = ast.literal_eval(session.get_modelmeta().custom_metadata_map["names"])
    assert names == dict(enumerate(CLASSES))


@pytest.mark.parametrize("seed", SEEDS)
def test_demo_model_finds_cook_and_chef_hat(vision_data_dir: Path, seed: int) -> None:
    scene = Scene(cooks=(Cook(0.5, 0.6, hat=True, mask=True),), seed=seed)
    truth = {cls: box for cls, *box in render_scene(scene)[1]}
    found = detect(scene)
    [cook] = found["cook"]
    [hat] = found["chef_hat"]
    assert iou(cook, tuple(truth[CLASSES.index("cook")])) > 0.7
    assert iou(hat, tuple(truth[CLASSES.index("chef_hat")])) > 0.5
    assert hat[1] < cook[1] < hat[3]  # on the head


@pytest.mark.parametrize("seed", SEEDS)
def test_demo_model_finds_no_chef_hat_on_a_hatless_cook(vision_data_dir: Path, seed: int) -> None:
    found = detect(Scene(cooks=(Cook(0.5, 0.6, hat=False, mask=True),), seed=seed))
    assert len(found["cook"]) == 1
    assert "chef_hat" not in found


def test_model_card_states_the_shipped_hashes() -> None:
    card = CARD.read_text()
    assert model_sha256(DEMO_MODEL_ONNX) in card
    assert model_sha256(DEMO_MODEL_PT) in card
    assert "Trained on synthetic data only" in card
