"""Training the kitchen detector (YOLO11, on the CPU) and exporting it to ONNX for the cameras.

Models are built from a YAML (random weights, nothing downloaded) or fine-tuned from an explicit
``.pt``; :func:`~ingest.vision.offline.configure_offline` must have run first. Metrics are per
class, from the final validation of ``best.pt``: an aggregate mAP hides a class (phone,
cigarette, rodent) that the model never finds.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .classes import CLASSES
from .offline import VisionError, require_offline

__all__ = [
    "ClassMetrics",
    "TrainResult",
    "camera_imgsz",
    "export_onnx",
    "model_sha256",
    "train",
    "trained_imgsz",
]

ONNX_OPSET = 17  # run by every onnxruntime since 1.13


@dataclass(frozen=True)
class ClassMetrics:
    """Precision, recall and mAP at IoU 0.5 and 0.5:0.95 of one class (or all), with its instance count."""

    precision: float
    recall: float
    map50: float
    map50_95: float
    instances: int


@dataclass(frozen=True)
class TrainResult:
    best: Path
    epochs: int
    imgsz: int
    per_class: Mapping[str, ClassMetrics]
    overall: ClassMetrics

    def to_json(self) -> dict[str, Any]:
        return {
            "best": str(self.best),
            "epochs": self.epochs,
            "imgsz": self.imgsz,
            "per_class": {name: asdict(m) for name, m in self.per_class.items()},
            "overall": asdict(self.overall),
        }


def train(
    data_yaml: Path,
    out_dir: Path,
    *,
    epochs: int,
    imgsz: int = 320,
    batch: int = 16,
    weights: Path | None = None,
    model: str = "yolo11n.yaml",
    progress: Callable[[int, int], None] | None = None,
    plots: bool = False,
    seed: int = 0,
) -> TrainResult:
    """Trains on ``data_yaml`` into ``out_dir`` (``weights/best.pt``, ``results.csv``) on the CPU.

    From scratch on the architecture ``model`` names, or fine-tuned from ``weights``. ``progress``
    is called with (epochs done, epochs) after each epoch's validation.
    """
    require_offline()
    if not data_yaml.is_file():
        raise VisionError(f"no dataset description at {data_yaml}")
    if weights is not None and not weights.is_file():
        raise VisionError(f"no weights at {weights}")
    from ultralytics.models import YOLO

    yolo = YOLO(str(weights) if weights is not None else model)
    if progress is not None:
        # The final validation fires this callback once more, as epoch ``epochs``.
        yolo.add_callback(
            "on_fit_epoch_end", lambda trainer: progress(min(trainer.epoch + 1, epochs), epochs)
        )
    out_dir = out_dir.resolve()
    try:
        metrics = yolo.train(
            data=str(data_yaml.resolve()),
            epochs=epochs,
            imgsz=imgsz,
            batch=batch,
            device="cpu",
            workers=0,
            project=str(out_dir.parent),
            name=out_dir.name,
            exist_ok=True,
            plots=plots,
            seed=seed,
            deterministic=True,
            amp=False,
            verbose=False,
        )
    except (RuntimeError, ValueError, FileNotFoundError) as exc:
        raise VisionError(f"training failed: {exc}") from exc
    best = out_dir / "weights" / "best.pt"
    if metrics is None or not best.is_file():
        raise VisionError(f"training left no best.pt in {out_dir}")
    per_class, overall = _per_class(metrics)
    return TrainResult(best=best, epochs=epochs, imgsz=imgsz, per_class=per_class, overall=overall)


def _per_class(metrics: Any) -> tuple[dict[str, ClassMetrics], ClassMetrics]:
    """Every class the dataset names (:data:`CLASSES` for ours), zero for those its validation set lacks."""
    box = metrics.box
    names: dict[int, str] = dict(getattr(metrics, "names", None) or enumerate(CLASSES))
    found = getattr(metrics, "nt_per_class", None)
    counts = [int(n) for n in found] if found is not None else [0] * len(names)
    per_class = {names[i]: ClassMetrics(0.0, 0.0, 0.0, 0.0, counts[i]) for i in sorted(names)}
    for row, cls in enumerate(box.ap_class_index):
        values = (float(box.p[row]), float(box.r[row]), float(box.ap50[row]), float(box.ap[row]))
        per_class[names[int(cls)]] = ClassMetrics(*values, instances=counts[int(cls)])
    mp, mr, map50, map50_95 = (float(v) for v in box.mean_results())
    return per_class, ClassMetrics(mp, mr, map50, map50_95, sum(counts))


def export_onnx(weights: Path, out: Path, imgsz: tuple[int, int] = (384, 640)) -> Path:
    """The model as a simplified ONNX file with a fixed (1, 3, height, width) input; returns ``out``.

    ``imgsz`` is (height, width), multiples of 32; the cameras' 16:9 frames fit 384×640 (or
    192×320) with little padding. Match the width to the training size (:func:`camera_imgsz`):
    a model trained at 320 loses accuracy at 640. Ultralytics' metadata (class names, stride,
    size) is kept, so ``YOLO(out)`` loads it.
    """
    require_offline()
    height, width = imgsz
    if height <= 0 or width <= 0 or height % 32 or width % 32:
        raise VisionError(f"ONNX input size must be positive multiples of 32, not {height}x{width}")
    if not weights.is_file():
        raise VisionError(f"no weights at {weights}")
    from ultralytics.models import YOLO

    # Ultralytics writes the ONNX beside the weights, which may be read-only (an installed wheel).
    with tempfile.TemporaryDirectory(prefix="suyuan-export-") as tmp:
        copy = Path(tmp) / weights.name
        shutil.copyfile(weights, copy)
        try:
            exported = YOLO(str(copy)).export(
                format="onnx",
                imgsz=[height, width],
                simplify=True,
                opset=ONNX_OPSET,
                dynamic=False,
                device="cpu",
            )
        except (RuntimeError, ValueError) as exc:
            raise VisionError(f"ONNX export failed: {exc}") from exc
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(exported, out)
    return out


def trained_imgsz(weights: Path) -> int:
    """The image size the weights were trained at (Ultralytics keeps it in the checkpoint)."""
    require_offline()
    from ultralytics.models import YOLO

    try:
        imgsz = YOLO(str(weights)).overrides.get("imgsz")
    except (RuntimeError, ValueError, FileNotFoundError) as exc:
        raise VisionError(f"cannot read {weights}: {exc}") from exc
    if not isinstance(imgsz, int):
        raise VisionError(f"{weights} does not say which image size it was trained at")
    return imgsz


def camera_imgsz(train_imgsz: int, aspect: float = 16 / 9) -> tuple[int, int]:
    """The ONNX input (height, width) for frames of ``aspect`` at the scale of training: 320 → 192×320.

    Objects then appear at the size the model learnt them; the same model run at twice its
    training size found visibly less (mAP50 0.98 → 0.84 on the demo data).
    """
    return math.ceil(train_imgsz / aspect / 32) * 32, train_imgsz


def model_sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def write_metrics(result: TrainResult, path: Path) -> Path:
    """``metrics.json``: the training result with the best weights' sha256."""
    path.write_text(json.dumps({**result.to_json(), "sha256": model_sha256(result.best)}, indent=2) + "\n")
    return path
