"""Ultralytics YOLO detection models exported to ONNX, run on onnxruntime with numpy and OpenCV alone.

The camera pipeline needs no torch: this module does what Ultralytics' predictor does around the
network, with its constants (Ultralytics 8.4: ``LetterBox``, ``non_max_suppression``,
``scale_boxes``), so that a frame gives the same boxes here as through ``YOLO(...).predict``:

1. letterbox: scale the frame to fit the model's input, rounding each side, and pad it evenly with
   grey 114, the extra pixel of an odd padding going to the bottom and right;
2. BGR to RGB, HWC to NCHW, 0-255 to 0-1 as float32;
3. decode the output ``(1, 4 + classes, anchors)``: centre, width, height and one score per class;
   keep each anchor's best class above the confidence floor;
4. non-maximum suppression per class (IoU 0.7, at most 300 boxes);
5. undo the letterbox and clip to the frame.

Class names and the input size come from the metadata Ultralytics writes into the ONNX file
(``names``, ``imgsz``, ``end2end``).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .detector import DEFAULT_IMGSZ, Detection, ModelError
from .sources import Image

__all__ = ["OnnxYolo", "class_nms", "decode", "letterbox", "nms", "unletterbox"]

PAD_VALUE = 114
NMS_IOU = 0.7
MAX_DETECTIONS = 300
MAX_NMS = 30_000
#: Offset between classes in class-wise NMS: boxes of different classes never overlap.
MAX_WH = 7680

Floats = NDArray[np.float32]


@dataclass(frozen=True)
class Letterbox:
    """How a frame was fitted into the model's input: per-axis scale and the left and top padding."""

    gain_x: float
    gain_y: float
    pad_x: int
    pad_y: int


def letterbox(frame: Image, size: tuple[int, int]) -> tuple[Image, Letterbox]:
    """The frame scaled to fit ``size`` (height, width) keeping its aspect ratio, padded to it."""
    import cv2

    height, width = frame.shape[:2]
    ratio = min(size[0] / height, size[1] / width)
    new_w, new_h = max(round(width * ratio), 1), max(round(height * ratio), 1)
    dw, dh = (size[1] - new_w) / 2, (size[0] - new_h) / 2
    top, bottom, left, right = round(dh - 0.1), round(dh + 0.1), round(dw - 0.1), round(dw + 0.1)
    if (width, height) != (new_w, new_h):
        frame = np.asarray(cv2.resize(frame, (new_w, new_h), interpolation=cv2.INTER_LINEAR), np.uint8)
    padded = cv2.copyMakeBorder(frame, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(PAD_VALUE,) * 3)
    return np.asarray(padded, np.uint8), Letterbox(new_w / width, new_h / height, left, top)


def to_input(padded: Image) -> Floats:
    """BGR HWC bytes as the network's RGB NCHW floats in [0, 1]."""
    rgb = padded[:, :, ::-1].transpose(2, 0, 1)[None]
    return np.ascontiguousarray(rgb, dtype=np.float32) / np.float32(255)


def decode(output: Floats, confidence: float) -> tuple[Floats, Floats, NDArray[np.intp]]:
    """Boxes (x1, y1, x2, y2 in input pixels), scores and classes of the anchors whose best class
    scores above ``confidence``; ``output`` is one image's ``(4 + classes, anchors)``."""
    scores_by_class = output[4:]
    classes = scores_by_class.argmax(0)
    scores = scores_by_class[classes, np.arange(output.shape[1])]
    keep = scores > confidence
    cx, cy, w, h = output[:4, keep]
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
    return boxes.astype(np.float32), scores[keep], classes[keep]


def nms(boxes: Floats, scores: Floats, iou: float) -> NDArray[np.intp]:
    """Indices of the boxes kept, best first: each drops the later ones overlapping it above ``iou``."""
    order = np.argsort(-scores, kind="stable")
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    kept: list[int] = []
    while order.size:
        best, rest = order[0], order[1:]
        kept.append(int(best))
        x1, y1 = np.maximum(boxes[best, 0], boxes[rest, 0]), np.maximum(boxes[best, 1], boxes[rest, 1])
        x2, y2 = np.minimum(boxes[best, 2], boxes[rest, 2]), np.minimum(boxes[best, 3], boxes[rest, 3])
        overlap = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
        order = rest[overlap / (areas[best] + areas[rest] - overlap) <= iou]
    return np.asarray(kept, dtype=np.intp)


def class_nms(
    boxes: Floats,
    scores: Floats,
    classes: NDArray[np.intp],
    iou: float = NMS_IOU,
    limit: int = MAX_DETECTIONS,
) -> NDArray[np.intp]:
    """:func:`nms` within each class (boxes shifted apart by class, as Ultralytics does), at most
    ``limit``."""
    if len(scores) > MAX_NMS:
        top = np.argsort(-scores, kind="stable")[:MAX_NMS]
        return top[class_nms(boxes[top], scores[top], classes[top], iou, limit)]
    shifted = boxes + (classes[:, None] * MAX_WH).astype(np.float32)
    return nms(shifted, scores, iou)[:limit]


def unletterbox(boxes: Floats, fit: Letterbox, frame_shape: tuple[int, ...]) -> Floats:
    """Boxes in model-input pixels back in the frame's pixels, clipped to it."""
    out = boxes.astype(np.float32)
    out[:, [0, 2]] = (out[:, [0, 2]] - fit.pad_x) / fit.gain_x
    out[:, [1, 3]] = (out[:, [1, 3]] - fit.pad_y) / fit.gain_y
    out[:, [0, 2]] = out[:, [0, 2]].clip(0, frame_shape[1])
    out[:, [1, 3]] = out[:, [1, 3]].clip(0, frame_shape[0])
    return out


class OnnxYolo:
    """One ONNX session. ``imgsz`` must match a fixed input; a dynamic one takes it (default: the
    export's ``imgsz``, else :data:`~ingest.vision.detector.DEFAULT_IMGSZ`)."""

    def __init__(self, path: Path, imgsz: int | tuple[int, int] | None, threads: int | None) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3  # errors only
        if threads is not None:
            options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
        try:
            self._session = onnxruntime.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own Fail, InvalidGraph, NoSuchFile…
            raise ModelError(f"model {path}: not a readable ONNX file ({_first_line(exc)})") from exc
        metadata = self._session.get_modelmeta().custom_metadata_map
        self.class_names = _class_names(path, metadata)
        self.end2end = metadata.get("end2end") == "True"
        [model_input] = self._session.get_inputs()
        self._input = model_input.name
        self.imgsz = _input_size(path, model_input.shape, metadata, imgsz)
        self.runtime = f"onnxruntime {onnxruntime.__version__}"

    def detect(self, frame: Image, confidence: float) -> list[Detection]:
        padded, fit = letterbox(frame, self.imgsz)
        [output] = self._session.run(None, {self._input: to_input(padded)})[:1]
        if self.end2end:  # (1, max_det, 6): x1 y1 x2 y2 score class, already suppressed
            rows = output[0][output[0][:, 4] > confidence][:MAX_DETECTIONS]
            boxes, scores, classes = rows[:, :4], rows[:, 4], rows[:, 5].astype(np.intp)
        else:
            boxes, scores, classes = decode(output[0], confidence)
            keep = class_nms(boxes, scores, classes)
            boxes, scores, classes = boxes[keep], scores[keep], classes[keep]
        boxes = unletterbox(boxes, fit, frame.shape)
        return [
            Detection(self.class_names[c], float(p), (float(b[0]), float(b[1]), float(b[2]), float(b[3])))
            for b, p, c in zip(boxes, scores, classes.tolist(), strict=True)
        ]


def _class_names(path: Path, metadata: dict[str, str]) -> tuple[str, ...]:
    try:
        names = ast.literal_eval(metadata.get("names", "{}"))
    except (ValueError, SyntaxError):
        names = None
    if not isinstance(names, dict) or not names or sorted(names) != list(range(len(names))):
        raise ModelError(f"model {path}: it names no classes (not an Ultralytics detection export?)")
    return tuple(str(names[i]) for i in range(len(names)))


def _input_size(
    path: Path, shape: list[Any], metadata: dict[str, str], wanted: int | tuple[int, int] | None
) -> tuple[int, int]:
    wanted_hw = (wanted, wanted) if isinstance(wanted, int) else wanted
    if len(shape) != 4:
        raise ModelError(f"model {path}: its input is not an image batch (shape {shape})")
    fixed = (shape[2], shape[3]) if all(isinstance(d, int) and d > 0 for d in shape[2:]) else None
    if fixed is not None:
        if wanted_hw is not None and tuple(wanted_hw) != fixed:
            raise ModelError(f"model {path}: its input is fixed at {fixed[0]}x{fixed[1]}, not {wanted_hw}")
        return (int(fixed[0]), int(fixed[1]))
    if wanted_hw is not None:
        return (int(wanted_hw[0]), int(wanted_hw[1]))
    exported = ast.literal_eval(metadata.get("imgsz", "None")) if "imgsz" in metadata else None
    if isinstance(exported, list) and len(exported) == 2:
        return (int(exported[0]), int(exported[1]))
    return (DEFAULT_IMGSZ, DEFAULT_IMGSZ)


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
