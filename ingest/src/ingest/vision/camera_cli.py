"""``suyuan ingest camera``: one kitchen camera into the evidence ledger.

Registered on the ``ingest`` command group by :func:`register_camera`. The camera must be a
registered device of kind ``camera`` (``suyuan device add --kinds camera``). A recording runs to
its end; a stream runs until Ctrl-C or SIGTERM, reconnecting whenever it is lost. Each incident's
alert is owed with its record; while the command runs it also runs the notice sender, which sends
while the process leads the ``notices`` job on its database (else the process that leads does).
"""

from __future__ import annotations

import datetime as dt
import json
import signal
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from chain.cli import cli_settings, fail, failing_on, out
from evidence import LedgerError, failure_text, start_thread

from .._settings import IngestSettings
from .offline import VisionError

if TYPE_CHECKING:
    from evidence import Ledger

    from .detector import Detector
    from .incidents import RecordedIncident
    from .judge import SiteRules
    from .pipeline import CameraStats
    from .sources import FrameSource, SourceEvent


def register_camera(ingest_app: typer.Typer) -> None:
    ingest_app.command("camera")(ingest_camera)


def camera_errors() -> AbstractContextManager[None]:
    return failing_on(VisionError, LedgerError, SQLAlchemyError, describe=failure_text)


def ingest_camera(
    org: Annotated[str, typer.Option(help="Handle of the restaurant or canteen that owns the camera")],
    device: Annotated[str, typer.Option(help="The camera's device name (registered with --kinds camera)")],
    source: Annotated[str, typer.Option(help="Video file, image folder, or rtsp:// or http(s):// stream")],
    sample_fps: Annotated[float, typer.Option(min=0.1, max=60, help="Frames judged per second")] = 5.0,
    model: Annotated[
        Path | None, typer.Option(help="ONNX or .pt detection model; default: the shipped demo model")
    ] = None,
    rules: Annotated[
        Path | None, typer.Option(help="JSON or TOML site rules (violations, persistence, cooldown)")
    ] = None,
    mqtt_url: Annotated[
        str | None,
        typer.Option(help="Broker the alerts are owed on; default: SUYUAN_MQTT_URL (unset: webhooks only)"),
    ] = None,
    imgsz: Annotated[
        int | None, typer.Option(min=32, help="Model input size; default: the ONNX's own, else 320")
    ] = None,
    confidence: Annotated[float, typer.Option(min=0.01, max=1, help="Detector confidence floor")] = 0.25,
    recorded_at: Annotated[
        str | None, typer.Option(help="RFC 3339 time of a recording's first frame; default: now")
    ] = None,
    report_every: Annotated[float, typer.Option(min=0.5, help="Seconds between progress lines")] = 10.0,
    as_json: Annotated[bool, typer.Option("--json", help="End with the run's figures as JSON")] = False,
) -> None:
    """Judge a kitchen camera's frames and record each incident (snapshot, ledger record, alert)."""
    config = cli_settings(IngestSettings)
    origin = _parse_time(recorded_at)
    with camera_errors():
        camera = _prepare(config, org, device, source, sample_fps, model, rules, imgsz, confidence)
    out.print(
        f"camera {org}/{device}: {source} at {sample_fps:g} frames/s; model {camera.detector.model_version}"
    )
    config = config.model_copy(update={"mqtt_url": mqtt_url or config.mqtt_url})
    stop_sender = _notice_sender(config, camera.ledger)
    try:
        stats = _run(config, camera, org, device, origin, report_every)
    finally:
        stop_sender()
        camera.ledger.engine.dispose()
    out.print(f"camera {org}/{device} stopped: {stats.summary()}")
    if as_json:
        print(json.dumps(stats.to_json()))


@dataclass
class _Prepared:
    ledger: Ledger
    source: FrameSource
    detector: Detector
    rules: SiteRules


def _prepare(
    config: IngestSettings,
    org: str,
    device: str,
    source: str,
    sample_fps: float,
    model: Path | None,
    rules: Path | None,
    imgsz: int | None,
    confidence: float,
) -> _Prepared:
    """Everything checked before the first frame: the camera first, the slow model load last."""
    from .detector import Detector
    from .judge import load_site_rules
    from .offline import require_vision
    from .pipeline import find_camera
    from .sources import open_source

    require_vision()
    site_rules = load_site_rules(rules, f"{org}/{device}")
    ledger = _open_ledger(config)
    try:
        with Session(ledger.engine) as session:
            find_camera(session, org, device)
        frames = open_source(source, sample_fps, on_event=_print_event)
        detector = Detector(
            model or _demo_model(), data_dir=config.data_dir, imgsz=imgsz, confidence=confidence
        )
        site_rules.check_model(detector.class_names)
    except BaseException:
        ledger.engine.dispose()
        raise
    return _Prepared(ledger, frames, detector, site_rules)


def _run(
    config: IngestSettings,
    camera: _Prepared,
    org: str,
    device: str,
    origin: dt.datetime | None,
    report_every: float,
) -> CameraStats:
    """Runs the camera in a thread until its source ends or a signal stops it; errors exit in one line."""
    from .pipeline import run_camera

    result: list[CameraStats] = []
    failure: list[BaseException] = []

    def work(stop: threading.Event) -> None:
        try:
            result.append(
                run_camera(
                    engine=camera.ledger.engine, ledger=camera.ledger, documents_dir=config.documents_dir,
                    org=org, device=device, source=camera.source, detector=camera.detector,
                    rules=camera.rules, mqtt_url=config.mqtt_url, stop=stop, origin=origin,
                    on_incident=_print_incident, progress_every_s=report_every,
                    on_progress=lambda s: out.print(f"camera {org}/{device}: {s.summary()}"),
                )
            )  # fmt: skip
        except BaseException as exc:  # handed to the main thread, which reports it
            failure.append(exc)

    _run_until_signal(work)
    if failure:
        with camera_errors():
            raise failure[0]
    return result[0]


def _open_ledger(config: IngestSettings) -> Ledger:
    from evidence import open_ledger
    from trace_api.migrate import upgrade

    ledger = open_ledger(config)
    upgrade(ledger.engine)
    return ledger


def _demo_model() -> Path:
    from .demo_model import DEMO_MODEL_ONNX

    return Path(DEMO_MODEL_ONNX)


def _parse_time(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        fail(f"invalid --recorded-at {value!r}: expected an RFC 3339 time such as 2026-11-27T08:00:00+08:00")
    if parsed.tzinfo is None:
        fail(f"invalid --recorded-at {value!r}: give the offset (Z or +08:00)")
    return parsed


def _notice_sender(config: IngestSettings, ledger: Ledger) -> Callable[[], None]:
    """The notice sender while the camera runs (led: one process of the database sends)."""
    from trace_api.devices import BrokerAddress, BrokerUrlError

    from ..cli import start_notice_sender

    if config.mqtt_url:
        try:
            BrokerAddress.parse(config.mqtt_url)
        except BrokerUrlError as exc:
            fail(str(exc))
    else:
        out.print("alerts: on webhooks only; no MQTT broker configured (SUYUAN_MQTT_URL or --mqtt-url)")
    return start_notice_sender(ledger, config)


def _run_until_signal(work: Callable[[threading.Event], None]) -> None:
    """Runs ``work(stop)`` in a background thread until it ends; Ctrl-C or SIGTERM sets ``stop``,
    and the thread is waited for either way."""
    stop, done = threading.Event(), threading.Event()

    def run(stop: threading.Event) -> None:
        try:
            work(stop)
        finally:
            done.set()

    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        stop_thread = start_thread("camera", run, stop=stop)
        done.wait()
        stop_thread()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _print_event(event: SourceEvent) -> None:
    if event.kind == "opened":
        out.print(f"stream {event.uri}: {event.detail}", markup=False)
    elif event.kind == "lost":
        out.print(
            f"stream {event.uri} {event.detail} (failure {event.failures} in a row); "
            f"retrying in {event.retry_in:g} s",
            markup=False,
        )
    else:
        out.print(f"stream {event.uri}: {event.detail}", markup=False)


def _print_incident(recorded: RecordedIncident) -> None:
    body = recorded.notice.body
    out.print(
        f"incident {body['violation']} ({body['confidence']:.2f}) {body['started_at']} – {body['ended_at']}: "
        f"{recorded.record_id}, snapshot {recorded.snapshot_sha256[:12]}",
        markup=False,
    )
