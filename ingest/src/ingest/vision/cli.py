"""``suyuan vision synth|train|export``: the kitchen model's synthetic data, training and ONNX export.

Ultralytics keeps its settings under ``<data_dir>/vision/ultralytics`` and never touches the
network (see :mod:`ingest.vision.offline`).
"""

from __future__ import annotations

import re
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from chain.cli import cli_settings, fail, failing_on, out, progress_bar

from .._settings import IngestSettings
from .offline import VisionError, configure_offline, require_training
from .training import (
    TrainResult,
    camera_imgsz,
    export_onnx,
    model_sha256,
    train,
    trained_imgsz,
    write_metrics,
)

vision_app = typer.Typer(
    help="Kitchen cameras (明厨亮灶): synthetic data, model training, ONNX export.", no_args_is_help=True
)


def register_vision(app: typer.Typer) -> None:
    app.add_typer(vision_app, name="vision")


def vision_errors() -> AbstractContextManager[None]:
    return failing_on(VisionError)


def offline() -> None:
    """Configures Ultralytics for this data directory; exits with one line without the training extra."""
    with vision_errors():
        require_training()
        configure_offline(cli_settings(IngestSettings).data_dir)


@vision_app.command("synth")
def vision_synth(
    out_dir: Annotated[Path, typer.Argument(metavar="OUT", help="Dataset folder to write")],
    train_images: Annotated[int, typer.Option("--train", min=1, help="Training images")] = 600,
    val_images: Annotated[int, typer.Option("--val", min=1, help="Validation images")] = 120,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed writes the same dataset")] = 0,
) -> None:
    """Write a YOLO dataset of synthetic kitchen scenes (images, labels, data.yaml)."""
    from .synth import write_dataset

    with progress_bar(train_images + val_images, "synth") as advance:
        data_yaml = write_dataset(
            out_dir, train_images, val_images, seed, progress=lambda done, of: advance("scenes", done, of)
        )
    out.print(f"wrote {train_images} + {val_images} images; dataset: {data_yaml}")


@vision_app.command("train")
def vision_train(
    data_yaml: Annotated[Path, typer.Argument(metavar="DATA_YAML", help="data.yaml of a YOLO dataset")],
    epochs: Annotated[int, typer.Option(min=1, help="Training epochs")],
    out_dir: Annotated[Path, typer.Option("--out", help="Run folder (weights/best.pt, metrics.json)")],
    weights: Annotated[
        Path | None, typer.Option(help="Fine-tune from this .pt instead of from scratch")
    ] = None,
    imgsz: Annotated[int, typer.Option(min=32, help="Training image size (multiple of 32)")] = 320,
    batch: Annotated[int, typer.Option(min=1, help="Batch size")] = 16,
) -> None:
    """Train the kitchen detector on the CPU and print per-class precision, recall and mAP."""
    if not data_yaml.is_file():
        fail(f"no dataset description at {data_yaml}")
    if imgsz % 32:
        fail(f"--imgsz must be a multiple of 32, not {imgsz}")
    offline()
    with vision_errors(), progress_bar(epochs, "train") as advance:
        result = train(
            data_yaml,
            out_dir,
            epochs=epochs,
            imgsz=imgsz,
            batch=batch,
            weights=weights,
            progress=lambda done, of: advance("epochs", done, of),
        )
    metrics = write_metrics(result, result.best.parent / "metrics.json")
    out.print(metrics_table(result))
    out.print(f"best weights: {result.best} (sha256 {model_sha256(result.best)})")
    out.print(f"metrics: {metrics}")


@vision_app.command("export")
def vision_export(
    weights: Annotated[Path, typer.Argument(metavar="WEIGHTS", help="Trained .pt weights")],
    onnx_path: Annotated[Path, typer.Option("--out", help="ONNX file to write")],
    imgsz: Annotated[
        str | None,
        typer.Option(
            help="Input HEIGHT,WIDTH, multiples of 32 (e.g. 384,640); default: 16:9 at the training size"
        ),
    ] = None,
) -> None:
    """Export weights to ONNX with a fixed input size (the cameras' aspect ratio)."""
    size = parse_imgsz(imgsz) if imgsz is not None else None
    if not weights.is_file():
        fail(f"no weights at {weights}")
    offline()
    with vision_errors():
        size = size or camera_imgsz(trained_imgsz(weights))
        export_onnx(weights, onnx_path, size)
    out.print(f"wrote {onnx_path} ({size[0]}x{size[1]}, sha256 {model_sha256(onnx_path)})")


def parse_imgsz(text: str) -> tuple[int, int]:
    """``384,640`` (or ``384x640``) as (height, width); one number means a square; anything else exits."""
    match = re.fullmatch(r"\s*(\d+)\s*(?:[,x×]\s*(\d+)\s*)?", text)
    if match is None:
        fail(f"--imgsz must be HEIGHT,WIDTH in multiples of 32 (e.g. 384,640), not {text!r}")
    height = int(match[1])
    width = int(match[2]) if match[2] else height
    if height == 0 or width == 0 or height % 32 or width % 32:
        fail(f"--imgsz must be HEIGHT,WIDTH in multiples of 32 (e.g. 384,640), not {text!r}")
    return height, width


def metrics_table(result: TrainResult) -> Table:
    table = Table(title=f"validation after {result.epochs} epochs (imgsz {result.imgsz})")
    for column in ("class", "instances", "P", "R", "mAP50", "mAP50-95"):
        table.add_column(column, justify="left" if column == "class" else "right")
    rows = [*result.per_class.items(), ("all", result.overall)]
    for name, m in rows:
        table.add_row(
            name,
            str(m.instances),
            f"{m.precision:.3f}",
            f"{m.recall:.3f}",
            f"{m.map50:.3f}",
            f"{m.map50_95:.3f}",
        )
    return table
