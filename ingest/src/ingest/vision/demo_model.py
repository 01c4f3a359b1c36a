"""The demo kitchen model shipped in the wheel: YOLO11n trained on synthetic scenes only.

It detects :data:`~ingest.vision.classes.CLASSES` in Pillow-drawn kitchens, for demos and
tests; it was never trained on real camera footage. ``models/MODEL_CARD.md`` says how it
was made and how well it does.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["DEMO_MODEL_IMGSZ", "DEMO_MODEL_ONNX", "DEMO_MODEL_PT"]

_MODELS = Path(__file__).parent / "models"

DEMO_MODEL_ONNX: Path = _MODELS / "kitchen-yolo11n.onnx"
DEMO_MODEL_PT: Path = _MODELS / "kitchen-yolo11n.pt"
# The ONNX input (height, width): 16:9 frames at the 320 pixels the model was trained at.
DEMO_MODEL_IMGSZ: tuple[int, int] = (192, 320)
