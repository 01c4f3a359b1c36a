"""The cameras' onnxruntime detector gives Ultralytics' own answer on the same ONNX model and frames.

The shipped demo model judges generated kitchen frames (every violation, several cooks, frames
of other sizes and aspect ratios, so that the letterbox pads either way) through
:class:`~ingest.vision.detector.Detector` (onnxruntime, numpy, OpenCV) and through
``YOLO(...).predict`` (the training extra, which ``make test`` installs).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ingest.vision.classes import CLASSES
from ingest.vision.demo_model import DEMO_MODEL_IMGSZ, DEMO_MODEL_ONNX
from ingest.vision.detector import Detection, Detector, ModelError
from ingest.vision.onnx_yolo import Letterbox, class_nms, letterbox, unletterbox
from ingest.vision.synth import Cook, Scene, render_scene
from suyuan.bench.vision import bench_scenes

# Boxes within a pixel of the frame, scores within 0.01: what a different float path may change.
BOX_TOLERANCE_PX = 1.0
CONFIDENCE_TOLERANCE = 0.01
CONFIDENCE = 0.25


def frames() -> list[tuple[str, np.ndarray]]:
    """BGR frames as OpenCV decodes them: the bench's kitchens at 640×360, and others resized."""
    import cv2

    found: list[tuple[str, np.ndarray]] = []
    for i, scene in enumerate(bench_scenes()):
        image, _ = render_scene(scene)
        found.append((f"bench-{i}", np.ascontiguousarray(np.asarray(image)[:, :, ::-1])))
    crowded = Scene(cooks=(Cook(0.2, 0.6, hat=False), Cook(0.5, 0.6, phone=True), Cook(0.8, 0.6)), seed=7)
    image, _ = render_scene(crowded)
    bgr = np.ascontiguousarray(np.asarray(image)[:, :, ::-1])
    found.append(("crowded", bgr))
    for width, height in ((1280, 720), (500, 500), (333, 517), (1920, 1080)):
        found.append((f"{width}x{height}", cv2.resize(bgr, (width, height), interpolation=cv2.INTER_AREA)))
    return found


FRAMES = frames()


@pytest.fixture(scope="module")
def detector(vision_data_dir: Path) -> Detector:
    return Detector(DEMO_MODEL_ONNX, data_dir=vision_data_dir, confidence=CONFIDENCE)


@pytest.fixture(scope="module")
def ultralytics_model(vision_data_dir: Path) -> object:
    from ultralytics.models import YOLO

    return YOLO(str(DEMO_MODEL_ONNX), task="detect")


def ultralytics_detections(model: object, frame: np.ndarray) -> list[Detection]:
    [result] = model.predict(frame, imgsz=DEMO_MODEL_IMGSZ, conf=CONFIDENCE, verbose=False)  # type: ignore[attr-defined]
    return [
        Detection(CLASSES[int(c)], float(p), (b[0], b[1], b[2], b[3]))
        for c, p, b in zip(
            result.boxes.cls.tolist(), result.boxes.conf.tolist(), result.boxes.xyxy.tolist(), strict=True
        )
    ]


@pytest.mark.parametrize(("name", "frame"), FRAMES, ids=[name for name, _ in FRAMES])
def test_onnxruntime_detector_matches_ultralytics_predict(
    detector: Detector, ultralytics_model: object, name: str, frame: np.ndarray
) -> None:
    ours = detector.detect(frame)
    theirs = ultralytics_detections(ultralytics_model, frame)
    assert theirs, f"the demo model finds nothing in {name}: the comparison would prove nothing"
    assert [d.class_name for d in ours] == [d.class_name for d in theirs]
    for mine, reference in zip(ours, theirs, strict=True):
        assert mine.confidence == pytest.approx(reference.confidence, abs=CONFIDENCE_TOLERANCE)
        offsets = [abs(a - b) for a, b in zip(mine.box, reference.box, strict=True)]
        assert max(offsets) <= BOX_TOLERANCE_PX, (mine, reference)


def test_onnxruntime_detector_reads_names_and_size_from_the_export(detector: Detector) -> None:
    assert detector.class_names == CLASSES
    assert detector.imgsz == DEMO_MODEL_IMGSZ
    assert detector.model_version.startswith("kitchen-yolo11n.onnx sha256:")
    assert " onnxruntime " in detector.model_version


def test_letterbox_pads_with_grey_and_rounds_each_side() -> None:
    frame = np.zeros((360, 640, 3), np.uint8)
    padded, fit = letterbox(frame, (192, 320))
    assert padded.shape == (192, 320, 3)
    assert fit == Letterbox(0.5, 0.5, 0, 6)  # 320×180, 12 rows of padding split 6 and 6
    assert (padded[:6] == 114).all()
    assert (padded[186:] == 114).all()
    assert (padded[6:186] == 0).all()
    odd, fit = letterbox(np.zeros((517, 333, 3), np.uint8), (192, 320))
    left = round((320 - round(333 * 192 / 517)) / 2 - 0.1)
    assert (odd.shape, fit.pad_x, fit.pad_y) == ((192, 320, 3), left, 0)
    boxes = np.array([[left, 0, 320 - left, 192]], np.float32)
    assert unletterbox(boxes, fit, (517, 333)).tolist() == [[0.0, 0.0, 333.0, 517.0]]


def test_class_nms_keeps_overlaps_of_other_classes_and_drops_its_own() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 1, 10, 10], [0, 0, 10, 10], [20, 20, 30, 30]], np.float32)
    scores = np.array([0.9, 0.8, 0.7, 0.6], np.float32)
    classes = np.array([0, 0, 1, 0], np.intp)
    assert class_nms(boxes, scores, classes).tolist() == [0, 2, 3]
    assert class_nms(boxes, scores, classes, limit=2).tolist() == [0, 2]


def test_onnx_file_that_is_not_a_model_is_a_model_error(vision_data_dir: Path, tmp_path: Path) -> None:
    fake = tmp_path / "fake.onnx"
    fake.write_bytes(b"not a model")
    with pytest.raises(ModelError, match=r"^model .*fake\.onnx: not a readable ONNX file"):
        Detector(fake, data_dir=vision_data_dir)


def test_fixed_input_refuses_another_size(vision_data_dir: Path) -> None:
    with pytest.raises(ModelError, match=r"its input is fixed at 192x320, not \(320, 320\)"):
        Detector(DEMO_MODEL_ONNX, data_dir=vision_data_dir, imgsz=320)
