"""The kitchen model behind one small interface: a frame in, labelled boxes out.

:class:`Detector` runs an Ultralytics YOLO detection model on BGR frames as OpenCV decodes them:
exported to ONNX (the default, fast on CPUs) on onnxruntime with no torch
(:mod:`ingest.vision.onnx_yolo`, the ``vision`` extra), or as PyTorch ``.pt`` weights through
Ultralytics (the ``training`` extra), imported only when such a detector is built, after
:func:`configure_offline` has switched off its downloads, DNS probes and telemetry. The model's
identity travels with every incident: the SHA-256 of its file and a version string naming the
file, the hash and the runtime that ran it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

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


class _Model(Protocol):
    class_names: tuple[str, ...]
    #: The runtime and its release, e.g. ``onnxruntime 1.20.1``.
    runtime: str

    @property
    def imgsz(self) -> int | tuple[int, int]: ...

    def detect(self, frame: Image, confidence: float) -> list[Detection]: ...


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
        self._model: _Model
        if model_path.suffix == ".onnx":
            from .offline import require_vision
            from .onnx_yolo import OnnxYolo

            require_vision()
            self._model = OnnxYolo(model_path, imgsz, threads)
        else:
            self._model = _UltralyticsModel(model_path, data_dir, imgsz, threads)
        self.imgsz = self._model.imgsz
        self.class_names: tuple[str, ...] = self._model.class_names

    @property
    def model_version(self) -> str:
        return f"{self.path.name} sha256:{self.model_sha256[:12]} {self._model.runtime}"

    def detect(self, frame: Image) -> list[Detection]:
        """The model's boxes on one BGR frame, at or above the detector's confidence."""
        return self._model.detect(frame, self.confidence)


class _UltralyticsModel:
    """``.pt`` weights through Ultralytics and torch; runs at the size they were trained at."""

    def __init__(self, path: Path, data_dir: Path, imgsz: int | tuple[int, int] | None, threads: int | None):
        from .offline import TRAINING_INSTALL, TrainingExtraMissing, require_training

        try:
            require_training()
        except TrainingExtraMissing as exc:
            raise ModelError(
                f"model {path}: .pt weights need the training extra ({TRAINING_INSTALL}); "
                "cameras run .onnx exports without it"
            ) from exc
        self._model, version = _load(path, data_dir, threads)
        self.runtime = f"ultralytics {version}"
        trained = getattr(self._model, "overrides", {}).get("imgsz")
        default = trained if isinstance(trained, int) and trained > 0 else DEFAULT_IMGSZ
        self.imgsz: int | tuple[int, int] = imgsz if imgsz is not None else default
        names: dict[int, str] = getattr(self._model, "names", None) or {}
        if not names:
            raise ModelError(f"model {path}: it names no classes (not an Ultralytics detection model?)")
        self.class_names = tuple(names[i] for i in sorted(names))

    def detect(self, frame: Image, confidence: float) -> list[Detection]:
        results = self._model.predict(frame, imgsz=self.imgsz, conf=confidence, device="cpu", verbose=False)
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
