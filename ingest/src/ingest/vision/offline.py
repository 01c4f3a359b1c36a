"""Which extra is installed, and Ultralytics without the network: its settings, fonts and caches
under the data directory.

The ``vision`` extra (onnxruntime, numpy, OpenCV) runs the camera pipeline on ONNX exports; the
``training`` extra (Ultralytics with torch, ONNX export) trains, exports and runs ``.pt`` weights.

Unconfigured, Ultralytics probes DNS when imported, fetches Arial.ttf from GitHub while it
trains, writes ``~/.config/Ultralytics`` and sends usage events; onnxruntime has telemetry.
:func:`configure_offline` closes all of that off, and must run before the first
``import ultralytics`` in the process, since Ultralytics reads its configuration folder then.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

__all__ = [
    "TrainingExtraMissing",
    "VisionError",
    "VisionExtraMissing",
    "configure_offline",
    "require_offline",
    "require_training",
    "require_vision",
]

INSTALL_HINT = "the vision extra is not installed: pip install 'suyuan[vision]'"
TRAINING_INSTALL = "pip install 'suyuan[training]'"
TRAINING_HINT = f"the training extra is not installed: {TRAINING_INSTALL}"

#: What each extra brings that the other does not, by import name.
_RUNTIME_MODULES = ("onnxruntime", "numpy", "cv2")
_TRAINING_MODULES = ("ultralytics", "torch", "torchvision", "onnx")

# Every integration Ultralytics may load as a training callback; all stay off.
_INTEGRATIONS = ("clearml", "comet", "dvc", "mlflow", "raytune", "tensorboard", "wandb")


class VisionError(Exception):
    """Base of the errors of the kitchen-camera model side."""


class VisionExtraMissing(VisionError):
    def __init__(self) -> None:
        super().__init__(INSTALL_HINT)


class TrainingExtraMissing(VisionError):
    def __init__(self) -> None:
        super().__init__(TRAINING_HINT)


def require_vision() -> None:
    """Raises :class:`VisionExtraMissing` unless the camera pipeline's runtime can be imported."""
    if any(importlib.util.find_spec(name) is None for name in _RUNTIME_MODULES):
        raise VisionExtraMissing


def require_training() -> None:
    """Raises :class:`TrainingExtraMissing` unless Ultralytics, torch and ONNX export can be imported."""
    require_vision()
    if any(importlib.util.find_spec(name) is None for name in _TRAINING_MODULES):
        raise TrainingExtraMissing


def require_offline() -> None:
    """Raises :class:`VisionError` unless :func:`configure_offline` has run in this process."""
    require_training()
    if os.environ.get("YOLO_OFFLINE") != "1" or "YOLO_CONFIG_DIR" not in os.environ:
        raise VisionError(
            "Ultralytics is not configured for offline use: call configure_offline(data_dir) first"
        )


def configure_offline(data_dir: Path) -> Path:
    """Points Ultralytics at ``<data_dir>/vision/ultralytics`` with no network use; returns the folder in use.

    Sets YOLO_CONFIG_DIR, YOLO_OFFLINE, YOLO_AUTOINSTALL, ORT_DISABLE_TELEMETRY and MPLCONFIGDIR,
    puts a local TTF where Ultralytics looks for Arial, turns sync and every integration off and
    lets torch use all cores. Idempotent. Ultralytics reads its folder once per process: after
    the first call has imported it, a call for another data directory keeps (and returns) the
    first folder. Raises :class:`VisionError` if Ultralytics was imported unconfigured, and
    :class:`TrainingExtraMissing` (or :class:`VisionExtraMissing`) without the extras.
    """
    require_training()
    config_dir = (data_dir / "vision" / "ultralytics").resolve()
    loaded = sys.modules.get("ultralytics.utils")
    if loaded is not None:
        in_use = Path(loaded.USER_CONFIG_DIR).resolve().parent  # Ultralytics appends "Ultralytics"
        if os.environ.get("YOLO_OFFLINE") != "1" or Path(os.environ.get("YOLO_CONFIG_DIR", "")) != in_use:
            raise VisionError(
                f"Ultralytics was imported before configure_offline({data_dir}), with its settings in "
                f"{loaded.USER_CONFIG_DIR} and network access on"
            )
        config_dir = in_use
    threads = os.cpu_count() or 1
    os.environ.update(
        {
            "YOLO_CONFIG_DIR": str(config_dir),
            "YOLO_OFFLINE": "1",
            "YOLO_AUTOINSTALL": "0",
            "YOLO_VERBOSE": os.environ.get("YOLO_VERBOSE", "False"),
            "ORT_DISABLE_TELEMETRY": "1",
            "MPLCONFIGDIR": str(config_dir / "matplotlib"),
            "OMP_NUM_THREADS": str(threads),
        }
    )
    _install_fonts(config_dir / "Ultralytics")
    _quiet_settings(config_dir)
    _use_all_cores(threads)
    return config_dir


def _install_fonts(ultralytics_dir: Path) -> None:
    """Matplotlib's DejaVu Sans as the Arial fonts Ultralytics would otherwise download for its plots."""
    import matplotlib

    source = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    ultralytics_dir.mkdir(parents=True, exist_ok=True)
    for name in ("Arial.ttf", "Arial.Unicode.ttf"):
        target = ultralytics_dir / name
        if not target.exists():
            shutil.copyfile(source, target)


def _quiet_settings(config_dir: Path) -> None:
    from ultralytics.utils import SETTINGS

    wanted = {
        "sync": False,
        "datasets_dir": str(config_dir / "datasets"),
        "weights_dir": str(config_dir / "weights"),
        "runs_dir": str(config_dir / "runs"),
        "vscode_msg": False,
        "openvino_msg": False,
        **dict.fromkeys(_INTEGRATIONS, False),
    }
    if any(SETTINGS.get(key) != value for key, value in wanted.items()):
        SETTINGS.update(wanted)  # type: ignore[no-untyped-call]


def _use_all_cores(threads: int) -> None:
    # Ultralytics pins torch to cpu_count - 1 threads at each select_device(); on two cores that
    # halves training speed.
    import torch
    import ultralytics.utils.torch_utils as torch_utils

    torch_utils.NUM_THREADS = threads  # type: ignore[attr-defined]  # imported there from utils
    torch.set_num_threads(threads)
