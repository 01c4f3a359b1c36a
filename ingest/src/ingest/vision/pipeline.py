"""One kitchen camera end to end: frames, detections, judgement, incidents in the ledger, alerts.

:func:`run_camera` runs in the calling thread until the source ends (a file, a folder) or the
``stop`` event is set (a stream, which otherwise reconnects for ever). Each incident's alert is
owed in its transaction and sent after commit by the notice sender, which retries it while the
broker is away. A lost stream is reported and counted, never raised; a missing file, an undecodable
frame, an unknown camera or a model that cannot judge the site's violations raise
:class:`CameraError` with a one-line message.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from evidence import Ledger
from trace_api.devices import Device, ReadingKind
from trace_api.orgs.models import Organisation

from .detector import Detection
from .incidents import Camera, IncidentRecorder, ModelInfo, RecordedIncident
from .judge import Judge, RulesError, SiteRules
from .sources import Backoff, CameraError, Frame, FrameSource, Image, SourceEvent, StreamSource, open_source

log = logging.getLogger("suyuan.ingest.camera")


class FrameDetector(Protocol):
    """What the pipeline needs of a model (:class:`~ingest.vision.detector.Detector` has it)."""

    class_names: tuple[str, ...]
    model_sha256: str

    @property
    def model_version(self) -> str: ...

    def detect(self, frame: Image) -> list[Detection]: ...


@dataclass
class CameraStats:
    frames: int = 0
    detections: int = 0
    incidents: int = 0
    stream_losses: int = 0
    #: Wall-clock seconds the run took, and seconds of source time it covered.
    seconds: float = 0.0
    media_seconds: float = 0.0
    violations: Counter[str] = field(default_factory=Counter)

    @property
    def fps(self) -> float:
        """Frames judged per second of wall time (decoding, detection, judgement, recording)."""
        return self.frames / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        kinds = ", ".join(f"{v} {n}" for v, n in sorted(self.violations.items()))
        losses = f", {self.stream_losses} stream losses" if self.stream_losses else ""
        return (
            f"{self.frames} frames ({self.fps:.1f}/s), {self.detections} detections, "
            f"{self.incidents} incidents" + (f" ({kinds})" if kinds else "") + losses
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "frames": self.frames,
            "detections": self.detections,
            "incidents": self.incidents,
            "violations": dict(self.violations),
            "stream_losses": self.stream_losses,
            "seconds": round(self.seconds, 3),
            "media_seconds": round(self.media_seconds, 3),
            "fps": round(self.fps, 2),
        }


def find_camera(session: Session, org_handle: str, name: str) -> Camera:
    """The registered, active camera ``{org_handle}/{name}`` with its organisation."""
    username = f"{org_handle}/{name}"
    found = session.exec(
        select(Device, Organisation)
        .join(Organisation, col(Organisation.id) == Device.org_id)
        .where(Device.username == username)
    ).first()
    if found is None:
        hint = f"suyuan device add --org {org_handle} --name {name} --kinds camera --location KITCHEN"
        raise CameraError(f"no camera {username} is registered ({hint})")
    device, org = found
    if device.retired_at is not None:
        raise CameraError(f"camera {username} was retired")
    if ReadingKind.camera not in device.kind_set:
        raise CameraError(f"device {username} is not registered as a camera (its kinds: {device.kinds})")
    return Camera(device, org)


def run_camera(
    *,
    engine: Engine,
    ledger: Ledger,
    documents_dir: Path,
    org: str,
    device: str,
    source: FrameSource | str,
    detector: FrameDetector,
    rules: SiteRules | None = None,
    sample_fps: float = 5.0,
    backoff: Backoff | None = None,
    mqtt_url: str | None = None,
    stop: threading.Event | None = None,
    origin: dt.datetime | None = None,
    on_incident: Callable[[RecordedIncident], None] | None = None,
    on_source_event: Callable[[SourceEvent], None] | None = None,
    on_progress: Callable[[CameraStats], None] | None = None,
    progress_every_s: float = 5.0,
) -> CameraStats:
    """Judges the camera's frames and records each incident; returns what it did.

    ``source`` is a :class:`FrameSource` or a URI for :func:`open_source` (with ``sample_fps``,
    ``backoff`` and ``on_source_event``); a stream's losses are counted either way. ``origin`` is
    the wall time of a recording's first frame (default: now); stream frames carry their own
    time. Each incident's notice is owed in its transaction, on the broker of ``mqtt_url`` (None:
    webhooks only) and the organisation's webhooks; the notice sender delivers it after commit.
    """
    rules = rules or SiteRules()
    rules.check_model(detector.class_names)
    with Session(engine) as session:
        camera = find_camera(session, org, device)
    stats = CameraStats()

    def source_event(event: SourceEvent) -> None:
        if event.kind != "opened":
            stats.stream_losses += 1

    if isinstance(source, str):
        source = open_source(source, sample_fps, on_event=on_source_event, backoff=backoff)
    if isinstance(source, StreamSource):  # count its losses, still telling the caller's callback
        source.on_event = _also(source.on_event, source_event)
    if rules.max_gap_seconds * source.sample_fps < 0.999:
        raise RulesError(
            f"max_gap_seconds {rules.max_gap_seconds:g} is shorter than the time between two judged "
            f"frames at {source.sample_fps:g} frames/s: no violation could ever persist"
        )
    model = ModelInfo(detector.model_sha256, detector.model_version)
    recorder = IncidentRecorder(engine, ledger, documents_dir, camera, model, mqtt_url)
    when = _clock(source.live, origin or dt.datetime.now(dt.UTC))
    run = _CameraRun(detector, Judge(rules), recorder, when, stats, on_incident)
    started = last_report = time.monotonic()
    try:
        for frame in source.frames(stop):
            run.take(frame)
            now = time.monotonic()
            if on_progress is not None and now - last_report >= progress_every_s:
                stats.seconds, last_report = now - started, now
                on_progress(stats)
    finally:
        stats.seconds = time.monotonic() - started
    return stats


@dataclass
class _CameraRun:
    detector: FrameDetector
    judge: Judge[Frame]
    recorder: IncidentRecorder
    when: Callable[[float], dt.datetime]
    stats: CameraStats
    on_incident: Callable[[RecordedIncident], None] | None
    first_time: float | None = None

    def take(self, frame: Frame) -> None:
        """Detects, judges, and records each incident the frame completes (its notice owed)."""
        detections = self.detector.detect(frame.image)
        stats = self.stats
        stats.frames += 1
        stats.detections += len(detections)
        self.first_time = frame.time if self.first_time is None else self.first_time
        stats.media_seconds = frame.time - self.first_time
        for candidate in self.judge.observe(frame.time, detections, frame):
            recorded = self.recorder.record(candidate, self.when)
            stats.incidents += 1
            stats.violations[candidate.violation] += 1
            log.info(
                "%s: %s %s", self.recorder.camera.device.username, candidate.violation, recorded.record_id
            )
            if self.on_incident is not None:
                self.on_incident(recorded)


def _also(
    first: Callable[[SourceEvent], None] | None, then: Callable[[SourceEvent], None]
) -> Callable[[SourceEvent], None]:
    def both(event: SourceEvent) -> None:
        if first is not None:
            first(event)
        then(event)

    return both


def _clock(live: bool, origin: dt.datetime) -> Callable[[float], dt.datetime]:
    if live:
        return lambda t: dt.datetime.fromtimestamp(t, dt.UTC)
    return lambda t: origin + dt.timedelta(seconds=t)
