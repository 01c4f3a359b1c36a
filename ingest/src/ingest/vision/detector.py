"""The kitchen model behind one small interface: a frame in, labelled boxes out.

:class:`Detector` runs an Ultralytics YOLO detection model, exported to ONNX (the default, fast
on CPUs) or as a PyTorch ``.pt`` file, on BGR frames as OpenCV decodes them. Ultralytics is
imported only when a detector is built, after :func:`configure_offline` has switched off its
downloads, DNS probes and telemetry. The model's identity travels with every incident: the
SHA-256 of its file and a version string naming the file, the hash and the Ultralytics release.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .sources import CameraError, Image

#: ``(x1, y1, x2, y2)`` in pixels of the frame, x to the right, y down.
Box = tuple[float, float, float, float]

DEFAULT_IMGSZ = 320
DEFAULT_CONFIDENCE = 0.25


class ModelError(CameraError):
    """The model file is missing, unreadable, or not a detection model."""


@dataclass(frozen=True)
class Detection:
    class_name: str
    confidence: float
    box: Box

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]


class Detector:
    """One loaded model. Not thread-safe: give each camera worker its own."""

    def __init__(
        self,
        model_path: Path,
        *,
        data_dir: Path,
        imgsz: int | tuple[int, int] | None = None,
        confidence: float = DEFAULT_CONFIDENCE,
        threads: int | None = None,
    ) -> None:
        if not model_path.is_file():
            raise ModelError(f"model {model_path}: no such file")
        if model_path.suffix not in {".onnx", ".pt"}:
            raise ModelError(f"model {model_path}: expected an .onnx or .pt file")
        self.path, self.confidence = model_path, confidence
        self.model_sha256 = _file_sha256(model_path)
        self._model, self._ultralytics_version = _load(model_path, data_dir, threads)
        self.imgsz = imgsz if imgsz is not None else _default_imgsz(model_path, self._model)
        names: dict[int, str] = getattr(self._model, "names", None) or {}
        if not names:
            raise ModelError(f"model {model_path}: it names no classes (not an Ultralytics detection model?)")
        self.class_names: tuple[str, ...] = tuple(names[i] for i in sorted(names))

    @property
    def model_version(self) -> str:
        return f"{self.path.name} sha256:{self.model_sha256[:12]} ultralytics {self._ultralytics_version}"

    def detect(self, frame: Image) -> list[Detection]:
        """The model's boxes on one BGR frame, at or above the detector's confidence."""
        results = self._model.predict(
            frame, imgsz=self.imgsz, conf=self.confidence, device="cpu", verbose=False
        )
        boxes = results[0].boxes
        if boxes is None or len(boxes) == 0:
            return []
        xyxy = boxes.xyxy.cpu().numpy().tolist()
        confidences = boxes.conf.cpu().numpy().tolist()
        classes = boxes.cls.cpu().numpy().astype(int).tolist()
        return [
            Detection(self.class_names[c], float(p), (b[0], b[1], b[2], b[3]))
            for b, p, c in zip(xyxy, confidences, classes, strict=True)
        ]


def _file_sha256(path: Path) -> str:
    from .training import model_sha256

    try:
        return model_sha256(path)
    except OSError as exc:
        raise ModelError(f"model {path}: {exc.strerror or exc}") from exc


def _default_imgsz(path: Path, model: Any) -> int | tuple[int, int]:
    """An ONNX export with a fixed input shape needs exactly that size; weights run at the size they
    were trained at; otherwise :data:`DEFAULT_IMGSZ`."""
    if path.suffix != ".onnx":
        trained = getattr(model, "overrides", {}).get("imgsz")
        return trained if isinstance(trained, int) and trained > 0 else DEFAULT_IMGSZ
    import onnx

    try:
        exported = onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # onnx raises DecodeError and others from protobuf
        raise ModelError(f"model {path}: not a readable ONNX file ({exc})") from exc
    dims = exported.graph.input[0].type.tensor_type.shape.dim
    height, width = (d.dim_value for d in dims[2:4]) if len(dims) == 4 else (0, 0)
    if height > 0 and width > 0:
        return (int(height), int(width))
    return DEFAULT_IMGSZ


def _load(path: Path, data_dir: Path, threads: int | None) -> tuple[Any, str]:
    from .offline import configure_offline

    configure_offline(data_dir)  # before the first import of Ultralytics; uses every core
    import ultralytics
    from ultralytics.models.yolo.model import YOLO

    if threads is not None:
        import torch
        import ultralytics.utils.torch_utils as torch_utils

        setattr(torch_utils, "NUM_THREADS", threads)  # noqa: B010  (not exported for mypy)
        torch.set_num_threads(threads)
    try:
        model = YOLO(str(path), task="detect")
    except Exception as exc:  # Ultralytics raises many kinds for a bad file
        raise ModelError(f"model {path}: cannot be loaded ({exc})") from exc
    return model, str(ultralytics.__version__)
