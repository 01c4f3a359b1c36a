"""Ultralytics offline: a whole synth, train, predict and export cycle makes no network attempt
and writes nothing outside the data directory (and the outputs it was asked for)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ingest.vision.offline import (
    INSTALL_HINT,
    TRAINING_HINT,
    TrainingExtraMissing,
    VisionExtraMissing,
    configure_offline,
    require_training,
    require_vision,
)

# Runs in a fresh interpreter: the guard must be in place before anything imports Ultralytics.
CHILD = textwrap.dedent(
    """
    import json, socket, sys
    from pathlib import Path

    attempts = []

    def blocked(name):
        def deny(*args, **kwargs):
            attempts.append(f"{name} {args!r}"[:200])
            raise OSError(f"network use blocked by the test: {name}")
        return deny

    for name in ("connect", "connect_ex", "sendto"):
        setattr(socket.socket, name, blocked(f"socket.{name}"))
    for name in ("create_connection", "getaddrinfo", "gethostbyname", "gethostbyname_ex"):
        setattr(socket, name, blocked(name))

    root = Path(sys.argv[1])
    try:
        from ingest.vision.offline import configure_offline

        configure_offline(root / "data")
        import numpy as np
        from ultralytics.models import YOLO

        from ingest.vision.synth import Cook, Scene, render_scene, write_dataset
        from ingest.vision.training import export_onnx, train

        data_yaml = write_dataset(root / "out" / "ds", 8, 4, seed=1, imgsz=(180, 320))
        result = train(data_yaml, root / "out" / "run", epochs=1, imgsz=160, batch=8, plots=True)
        image, _ = render_scene(Scene(cooks=(Cook(0.5, 0.6),)), 320, 180)
        frame = np.ascontiguousarray(np.asarray(image)[:, :, ::-1])
        YOLO(str(result.best)).predict(frame, imgsz=160, verbose=False)
        onnx = export_onnx(result.best, root / "out" / "model.onnx", (96, 160))
        YOLO(str(onnx), task="detect").predict(frame, imgsz=(96, 160), verbose=False)
    finally:
        (root / "attempts.json").write_text(json.dumps(attempts))
    """
)


def files_under(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file())


@pytest.mark.skipif(importlib.util.find_spec("ultralytics") is None, reason="needs the vision extra")
def test_train_predict_export_make_no_network_attempt(tmp_path: Path) -> None:
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    home.mkdir()
    cwd.mkdir()
    (tmp_path / "child.py").write_text(CHILD)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("YOLO_", "XDG_", "ORT_")) and k not in {"MPLCONFIGDIR", "OMP_NUM_THREADS"}
    }
    env["HOME"] = str(home)
    child = subprocess.run(
        [sys.executable, str(tmp_path / "child.py"), str(tmp_path)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert child.returncode == 0, child.stderr[-3000:]
    assert json.loads((tmp_path / "attempts.json").read_text()) == []
    assert files_under(home) == []  # no ~/.config/Ultralytics, no caches
    assert files_under(cwd) == []  # no runs/ or datasets/ beside the caller
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["vision"]
    config = tmp_path / "data" / "vision" / "ultralytics" / "Ultralytics"
    assert {"Arial.ttf", "Arial.Unicode.ttf", "settings.json"} <= set(files_under(config))
    settings = json.loads((config / "settings.json").read_text())
    assert settings["sync"] is False
    assert not any(
        settings[k] for k in ("clearml", "comet", "dvc", "mlflow", "raytune", "tensorboard", "wandb")
    )
    assert (tmp_path / "out" / "model.onnx").is_file()


def hide_modules(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name in names else real(name, *a)
    )


def test_require_vision_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    hide_modules(monkeypatch, "onnxruntime")
    with pytest.raises(VisionExtraMissing, match=r"pip install 'suyuan\[vision\]'"):
        require_vision()
    assert INSTALL_HINT == "the vision extra is not installed: pip install 'suyuan[vision]'"


def test_cameras_need_no_training_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    hide_modules(monkeypatch, "ultralytics", "torch")
    require_vision()
    with pytest.raises(TrainingExtraMissing, match=r"pip install 'suyuan\[training\]'"):
        require_training()
    with pytest.raises(TrainingExtraMissing):
        configure_offline(Path("unused"))
    assert TRAINING_HINT == "the training extra is not installed: pip install 'suyuan[training]'"
