"""Kitchen cameras (明厨亮灶): YOLO detection, violation judgement and incidents in the ledger.

Everything that needs an extra is imported lazily: the package imports without any. The
``vision`` extra runs cameras on ONNX models (onnxruntime, no torch); the ``training`` extra
(Ultralytics with torch) trains and exports them. Commands say which extra is missing.

The synthetic kitchens that train and benchmark the model (``suyuan vision synth``, the demo and
``suyuan bench vision``) are tooling, not part of this surface: they live in
:mod:`ingest.vision.synth`.
"""

from .classes import CLASSES, Violation
from .demo_model import DEMO_MODEL_IMGSZ, DEMO_MODEL_ONNX, DEMO_MODEL_PT
from .offline import (
    TrainingExtraMissing,
    VisionError,
    VisionExtraMissing,
    configure_offline,
    require_training,
    require_vision,
)
from .training import ClassMetrics, TrainResult, camera_imgsz, export_onnx, model_sha256, train, trained_imgsz

__all__ = [
    "CLASSES",
    "DEMO_MODEL_IMGSZ",
    "DEMO_MODEL_ONNX",
    "DEMO_MODEL_PT",
    "ClassMetrics",
    "TrainResult",
    "TrainingExtraMissing",
    "Violation",
    "VisionError",
    "VisionExtraMissing",
    "camera_imgsz",
    "configure_offline",
    "export_onnx",
    "model_sha256",
    "require_training",
    "require_vision",
    "train",
    "trained_imgsz",
]
