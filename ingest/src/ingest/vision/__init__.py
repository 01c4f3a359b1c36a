"""Kitchen cameras (明厨亮灶): YOLO detection, violation judgement and incidents in the ledger.

Everything that needs Ultralytics or torch is imported lazily: the package imports without
the ``vision`` extra, and its commands say how to install it when it is missing.
"""

from .classes import CLASSES, Violation
from .demo_model import DEMO_MODEL_IMGSZ, DEMO_MODEL_ONNX, DEMO_MODEL_PT
from .offline import VisionError, VisionExtraMissing, configure_offline, require_vision
from .synth import Cook, Scene, random_scene, render_scene, write_dataset, write_video
from .training import ClassMetrics, TrainResult, camera_imgsz, export_onnx, model_sha256, train, trained_imgsz

__all__ = [
    "CLASSES",
    "DEMO_MODEL_IMGSZ",
    "DEMO_MODEL_ONNX",
    "DEMO_MODEL_PT",
    "ClassMetrics",
    "Cook",
    "Scene",
    "TrainResult",
    "Violation",
    "VisionError",
    "VisionExtraMissing",
    "camera_imgsz",
    "configure_offline",
    "export_onnx",
    "model_sha256",
    "random_scene",
    "render_scene",
    "require_vision",
    "train",
    "trained_imgsz",
    "write_dataset",
    "write_video",
]
