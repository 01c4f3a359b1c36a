"""Synthetic kitchen scenes: reproducible pixels, boxes where the objects are drawn, YOLO datasets, video."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from ingest.vision.classes import CLASSES
from ingest.vision.synth import Cook, Scene, random_scene, render_scene, write_dataset, write_video

COOK, CHEF_HAT, MASK, PHONE, CIGARETTE, RODENT = range(len(CLASSES))


def boxes_of(scene: Scene, cls: int) -> list[tuple[float, float, float, float]]:
    return [(x1, y1, x2, y2) for c, x1, y1, x2, y2 in render_scene(scene)[1] if c == cls]


def test_render_scene_same_seed_same_pixels() -> None:
    scene = Scene(
        cooks=(Cook(0.3, 0.6), Cook(0.7, 0.6, hat=False, phone=True)), rodents=((0.5, 0.9),), seed=7
    )
    first, first_boxes = render_scene(scene)
    again, again_boxes = render_scene(scene)
    other, _ = render_scene(Scene(cooks=scene.cooks, rodents=scene.rodents, seed=8))
    assert first.tobytes() == again.tobytes()
    assert first_boxes == again_boxes
    assert first.tobytes() != other.tobytes()
    assert first.size == (640, 360)
    assert first.mode == "RGB"


def test_render_scene_boxes_inside_frame() -> None:
    rng = random.Random(3)
    for _ in range(40):
        _, boxes = render_scene(random_scene(rng), 320, 180)
        for cls, x1, y1, x2, y2 in boxes:
            assert 0 <= cls < len(CLASSES)
            assert 0 <= x1 < x2 <= 320
            assert 0 <= y1 < y2 <= 180


def test_render_scene_hat_sits_on_the_head_and_mask_over_the_face() -> None:
    scene = Scene(cooks=(Cook(0.5, 0.6, hat=True, mask=True),), seed=1)
    [(cx1, cy1, cx2, cy2)] = boxes_of(scene, COOK)
    [(hx1, hy1, hx2, hy2)] = boxes_of(scene, CHEF_HAT)
    [(mx1, my1, mx2, my2)] = boxes_of(scene, MASK)
    cook_height = cy2 - cy1
    assert hy1 < cy1 < hy2 <= cy1 + 0.2 * cook_height  # above the head, its band on it
    assert cx1 < (hx1 + hx2) / 2 < cx2
    assert cx1 < mx1 < mx2 < cx2
    assert cy1 < my1 < my2 < cy1 + 0.25 * cook_height  # the lower face, not the body


def test_render_scene_violations_have_their_boxes() -> None:
    compliant = Scene(cooks=(Cook(0.5, 0.6),), seed=2)
    violating = Scene(cooks=(Cook(0.5, 0.6, hat=False, mask=False, phone=True, smoking=True),), seed=2)
    assert sorted(c for c, *_ in render_scene(compliant)[1]) == [COOK, CHEF_HAT, MASK]
    assert sorted(c for c, *_ in render_scene(violating)[1]) == [COOK, PHONE, CIGARETTE]
    [(_, cy1, _, cy2)] = boxes_of(violating, COOK)
    [(_, py1, _, py2)] = boxes_of(violating, PHONE)
    assert cy1 < (py1 + py2) / 2 < cy1 + 0.2 * (cy2 - cy1)  # held up at head height
    rodents = Scene(rodents=((0.3, 0.9), (0.7, 0.85)), seed=2)
    assert [c for c, *_ in render_scene(rodents)[1]] == [RODENT, RODENT]


def test_random_scene_covers_every_class() -> None:
    rng = random.Random(0)
    seen = {cls for _ in range(60) for cls, *_ in render_scene(random_scene(rng), 320, 180)[1]}
    assert seen == set(range(len(CLASSES)))


def test_write_dataset_yolo_layout(tmp_path: Path) -> None:
    progress: list[tuple[int, int]] = []
    data_yaml = write_dataset(
        tmp_path / "ds", 4, 2, seed=5, imgsz=(180, 320), progress=lambda d, n: progress.append((d, n))
    )
    assert data_yaml == tmp_path / "ds" / "data.yaml"
    for split, count in (("train", 4), ("val", 2)):
        images = sorted((tmp_path / "ds" / "images" / split).glob("*.jpg"))
        labels = sorted((tmp_path / "ds" / "labels" / split).glob("*.txt"))
        assert len(images) == len(labels) == count
        assert [p.stem for p in images] == [p.stem for p in labels]
        for label in labels:
            for line in label.read_text().splitlines():
                cls, *xywh = line.split()
                assert 0 <= int(cls) < len(CLASSES)
                assert all(0 <= float(v) <= 1 for v in xywh)
    text = data_yaml.read_text()
    assert f"path: {(tmp_path / 'ds').resolve()}" in text
    assert "train: images/train" in text
    assert "val: images/val" in text
    assert all(f"  {i}: {name}" in text for i, name in enumerate(CLASSES))
    assert progress[-1] == (6, 6)
    again = write_dataset(tmp_path / "again", 4, 2, seed=5, imgsz=(180, 320))
    first_image = tmp_path / "ds" / "images" / "train" / "train-00000.jpg"
    assert (again.parent / "images" / "train" / "train-00000.jpg").read_bytes() == first_image.read_bytes()


def test_write_video_frame_count(tmp_path: Path) -> None:
    cv2 = pytest.importorskip("cv2", reason="needs the vision extra")
    scenes = [Scene(cooks=(Cook(0.4, 0.6),), seed=1), Scene(cooks=(Cook(0.6, 0.6, hat=False),), seed=2)]
    video = write_video(tmp_path / "clip.mp4", scenes, fps=5, seconds_per_scene=1.2, width=320, height=180)
    capture = cv2.VideoCapture(str(video))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    assert len(frames) == 12
    assert frames[0].shape == (180, 320, 3)
    assert (frames[0] != frames[1]).any()  # the cooks move
