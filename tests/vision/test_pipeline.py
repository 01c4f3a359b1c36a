"""A kitchen camera end to end: frames, detections, judgement, incidents in the ledger, alerts.

Most tests judge the synthetic scenes' own boxes (a detector that knows the truth), so they test
the pipeline rather than the model; the last runs the shipped demo model on a generated video.
Every run happens with the network closed: any socket connect or name lookup fails the test.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

cv2 = pytest.importorskip("cv2")
np = pytest.importorskip("numpy")

from evidence import Ledger, open_ledger  # noqa: E402
from ingest.vision.classes import CLASSES  # noqa: E402
from ingest.vision.detector import Detection  # noqa: E402
from ingest.vision.judge import RulesError, SiteRules  # noqa: E402
from ingest.vision.pipeline import CameraStats, run_camera  # noqa: E402
from ingest.vision.sources import Backoff, CameraError, SourceError, SourceEvent, frame_sha256  # noqa: E402
from ingest.vision.synth import Cook, Scene, render_scene, write_video  # noqa: E402
from tests._notices import delivered_once, refused_while_away  # noqa: E402
from tests.api.conftest import make_uscc  # noqa: E402
from tests.ingest._broker import BrokerClient, ConfiguredBroker  # noqa: E402
from trace_api.devices import DeviceIn, ReadingKind, register_device, retire_device  # noqa: E402
from trace_api.documents import document_path  # noqa: E402
from trace_api.kitchen import Incident  # noqa: E402
from trace_api.migrate import upgrade  # noqa: E402
from trace_api.notices import NoticeOutbox, NoticeSender, OwedNotice  # noqa: E402
from trace_api.orgs.models import Organisation, OrgType  # noqa: E402
from trace_api.settings import ServiceSettings  # noqa: E402

ORIGIN = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)
RULES = SiteRules(persist_seconds=2, max_gap_seconds=1, cooldown_seconds=60)
SECONDS_PER_SCENE = 4
FPS = 5
SERVICE, SERVICE_PASSWORD = "suyuan", "service-secret"

DRESSED = (Cook(0.3, 0.62), Cook(0.72, 0.6, scale=0.9))
TIMELINE = [
    ("compliant", Scene(cooks=DRESSED, seed=11)),
    ("no_chef_hat", Scene(cooks=(Cook(0.3, 0.62), Cook(0.72, 0.6, scale=0.9, hat=False)), seed=12)),
    ("compliant", Scene(cooks=DRESSED, seed=13)),
    ("rodent", Scene(cooks=(Cook(0.3, 0.62),), rodents=((0.7, 0.9),), seed=14)),
    ("compliant", Scene(cooks=DRESSED, seed=15)),
]


@dataclass
class Kitchen:
    settings: ServiceSettings
    ledger: Ledger
    org: str = "canteen"
    #: The broker the alerts are owed on; owing one connects to nothing.
    mqtt_url: str = "mqtt://127.0.0.1:1883"

    def run(self, source: Any, detector: Any, **options: Any) -> CameraStats:
        return run_camera(
            engine=self.ledger.engine, ledger=self.ledger, documents_dir=self.settings.documents_dir,
            org=options.pop("org", self.org), device=options.pop("device", "cam-1"), source=source,
            detector=detector, rules=options.pop("rules", RULES),
            mqtt_url=options.pop("mqtt_url", self.mqtt_url),
            origin=ORIGIN, **options,
        )  # fmt: skip

    def incidents(self) -> list[Incident]:
        with Session(self.ledger.engine) as session:
            return list(session.exec(select(Incident).order_by(col(Incident.started_at))))

    def owed(self) -> list[OwedNotice]:
        with Session(self.ledger.engine) as session:
            return list(session.exec(select(OwedNotice).order_by(col(OwedNotice.id))))


@pytest.fixture
def kitchen(tmp_path: Path) -> Iterator[Kitchen]:
    """A canteen (a restaurant) with camera ``cam-1`` and thermometer ``thermo-1``, on SQLite, no chain."""
    settings = ServiceSettings(data_dir=tmp_path / "data", database_url=f"sqlite:///{tmp_path / 'k.db'}")
    ledger = open_ledger(settings)
    upgrade(ledger.engine)
    with Session(ledger.engine) as session:
        org = Organisation(
            id=uuid.uuid4().hex, handle="canteen", name="Canteen No. 1", org_type=OrgType.restaurant,
            uscc=make_uscc(), jurisdiction="Shanghai", chain_address="0x" + "00" * 20,
            created_at=dt.datetime.now(dt.UTC),
        )  # fmt: skip
        session.add(org)
        session.commit()
        session.refresh(org)
        for name, kind in (("cam-1", ReadingKind.camera), ("thermo-1", ReadingKind.temperature)):
            register_device(session, org, DeviceIn(name=name, kinds=[kind], location="Kitchen 1"))
    yield Kitchen(settings, ledger)
    ledger.engine.dispose()


@contextmanager
def network_closed() -> Iterator[list[str]]:
    """Any socket connect or name lookup inside is recorded and refused."""
    attempts: list[str] = []
    real = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo

    def refuse(what: str) -> Any:
        def attempt(*args: Any, **kwargs: Any) -> Any:
            attempts.append(f"{what}{args[1:] if what != 'getaddrinfo' else args}")
            raise OSError(f"network closed in this test: {what}")

        return attempt

    socket.socket.connect = refuse("connect")  # type: ignore[method-assign]
    socket.socket.connect_ex = refuse("connect_ex")  # type: ignore[method-assign]
    socket.getaddrinfo = refuse("getaddrinfo")
    try:
        yield attempts
    finally:
        socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = real  # type: ignore[method-assign]


class TruthDetector:
    """Answers with the boxes the synthetic scenes were drawn with, looked up by the frame's pixels."""

    class_names = CLASSES
    model_sha256 = hashlib.sha256(b"ground truth").hexdigest()
    model_version = "ground-truth"

    def __init__(self) -> None:
        self.truth: dict[str, list[Detection]] = {}

    def add(self, scene: Scene) -> np.ndarray:
        rgb, boxes = render_scene(scene)
        image = cv2.cvtColor(np.asarray(rgb), cv2.COLOR_RGB2BGR)
        self.truth[frame_sha256(image)] = [
            Detection(CLASSES[c], 0.9, (x1, y1, x2, y2)) for c, x1, y1, x2, y2 in boxes
        ]
        return image

    def detect(self, frame: np.ndarray) -> list[Detection]:
        return self.truth[frame_sha256(frame)]


def write_folder(folder: Path, detector: TruthDetector, timeline: list[tuple[str, Scene]]) -> Path:
    """Each scene as SECONDS_PER_SCENE * FPS numbered PNG frames (PNG keeps the pixels exact)."""
    folder.mkdir(parents=True, exist_ok=True)
    index = 0
    for _, scene in timeline:
        png = cv2.imencode(".png", detector.add(scene))[1].tobytes()
        for _ in range(SECONDS_PER_SCENE * FPS):
            (folder / f"{index:05d}.png").write_bytes(png)
            index += 1
    return folder


def scene_at(seconds: float, timeline: list[tuple[str, Scene]]) -> str:
    return timeline[min(int(seconds // SECONDS_PER_SCENE), len(timeline) - 1)][0]


def assert_evidence_matches(kitchen: Kitchen, incident: Incident) -> dict[str, Any]:
    """The ledger record's hashes are those of the stored pictures; returns the record's payload."""
    payload = kitchen.ledger.get(incident.record_id).record().payload
    documents = kitchen.settings.documents_dir
    snapshot = document_path(documents, payload["snapshot_sha256"]).read_bytes()
    assert hashlib.sha256(snapshot).hexdigest() == payload["snapshot_sha256"] == incident.snapshot_sha256
    assert snapshot.startswith(b"\xff\xd8\xff")  # a JPEG
    frame_png = document_path(documents, payload["frame_document_sha256"]).read_bytes()
    assert hashlib.sha256(frame_png).hexdigest() == payload["frame_document_sha256"]
    decoded = cv2.imdecode(np.frombuffer(frame_png, np.uint8), cv2.IMREAD_COLOR)
    assert frame_sha256(decoded) == payload["frame_sha256"] == incident.frame_sha256
    drawn = cv2.imdecode(np.frombuffer(snapshot, np.uint8), cv2.IMREAD_COLOR)
    x1, y1, _, y2 = (round(v) for v in payload["boxes"][0]["box"])
    assert tuple(int(c) for c in drawn[(y1 + y2) // 2, max(x1, 1)]) == pytest.approx(
        (0, 0, 255), abs=60
    )  # red box
    return dict(payload)


def test_incidents_where_the_scene_has_a_violation_and_nowhere_else(kitchen: Kitchen, tmp_path: Path) -> None:
    detector = TruthDetector()
    folder = write_folder(tmp_path / "frames", detector, TIMELINE)
    with network_closed() as attempts:
        stats = kitchen.run(str(folder), detector, sample_fps=FPS)
    assert attempts == []
    assert (stats.frames, stats.incidents, dict(stats.violations)) == (
        100,
        2,
        {"no_chef_hat": 1, "rodent": 1},
    )
    incidents = kitchen.incidents()
    assert [i.violation for i in incidents] == ["no_chef_hat", "rodent"]
    for incident in incidents:
        start = (incident.started_at - ORIGIN).total_seconds()
        end = (incident.ended_at - ORIGIN).total_seconds()
        assert scene_at(start, TIMELINE) == scene_at(end, TIMELINE) == incident.violation
        assert end - start >= RULES.persist_seconds
        payload = assert_evidence_matches(kitchen, incident)
        assert payload["camera"] == "canteen/cam-1"
        assert payload["organisation"] == "canteen"
        assert payload["model_sha256"] == TruthDetector.model_sha256
        assert payload["model_version"] == "ground-truth"
        assert payload["frame_size"] == [640, 360]
    hatless = next(
        b for b in assert_evidence_matches(kitchen, incidents[0])["boxes"] if b["role"] == "subject"
    )
    assert hatless["class"] == "cook"
    assert hatless["box"][0] > 320  # the right-hand cook, the one drawn without a hat
    owed = kitchen.owed()  # each alert owed with its incident, to be sent after commit
    assert [(n.event, n.channel.value, n.target, n.record_id, n.delivered_at) for n in owed] == [
        ("incident.detected", "mqtt", "suyuan/v1/canteen/alerts", i.record_id, None) for i in incidents
    ]
    assert json.loads(owed[0].message)["snapshot_url"] == f"/v1/incidents/{incidents[0].id}/snapshot"
    stored = kitchen.ledger.about("device", "canteen/cam-1")
    assert [s.kind for s in stored] == ["incident.detected", "incident.detected"]


def test_alert_is_owed_with_its_incident_and_sent_once_the_broker_takes_it(
    kitchen: Kitchen, tmp_path: Path
) -> None:
    """The broker is down while the camera records and on the notice sender's first attempt: the
    incident is recorded and its alert is delivered by the next attempt after the backoff."""
    broker = ConfiguredBroker(tmp_path / "broker", {SERVICE: SERVICE_PASSWORD}, [SERVICE])
    url = f"mqtt://{SERVICE}:{SERVICE_PASSWORD}@127.0.0.1:{broker.port}"
    detector = TruthDetector()
    folder = write_folder(tmp_path / "frames", detector, TIMELINE[:2])
    with network_closed() as attempts:  # the camera owes the alert: it calls no broker
        stats = kitchen.run(str(folder), detector, mqtt_url=url)
    assert attempts == []
    [incident] = kitchen.incidents()
    settings = kitchen.settings.model_copy(update={"mqtt_url": url})
    sender = NoticeSender(NoticeOutbox(kitchen.ledger.engine, kitchen.ledger, settings))
    now = dt.datetime.now(dt.UTC)
    refused_while_away(sender, kitchen.owed, now)

    with broker:
        message = delivered_once(sender, BrokerClient(broker, SERVICE, SERVICE_PASSWORD, "regulator"), now)
    assert stats.incidents == 1
    told = json.loads(message.payload)
    assert message.topic == "suyuan/v1/canteen/alerts"
    assert (told["event"], told["incident_id"], told["record_id"], told["violation"]) == (
        "incident.detected",
        incident.id,
        incident.record_id,
        "no_chef_hat",
    )
    assert told["snapshot_url"] == f"/v1/incidents/{incident.id}/snapshot"
    [delivered] = kitchen.owed()
    assert (delivered.attempts, delivered.last_error, delivered.delivered_at is not None) == (2, None, True)


@pytest.mark.parametrize(
    ("org", "device", "error"),
    [
        ("canteen", "cam-9", "no camera canteen/cam-9 is registered"),
        ("nobody", "cam-1", "no camera nobody/cam-1 is registered"),
        ("canteen", "thermo-1", "device canteen/thermo-1 is not registered as a camera"),
    ],
)
def test_camera_must_be_registered_as_one(kitchen: Kitchen, org: str, device: str, error: str) -> None:
    with pytest.raises(CameraError, match=error):
        kitchen.run("unused", TruthDetector(), org=org, device=device)


def test_retired_camera_is_refused(kitchen: Kitchen) -> None:
    with Session(kitchen.ledger.engine) as session:
        org = session.exec(select(Organisation)).one()
        retire_device(session, org, "cam-1")
    with pytest.raises(CameraError, match="camera canteen/cam-1 was retired"):
        kitchen.run("unused", TruthDetector())


def test_model_must_have_the_classes_the_site_judges(kitchen: Kitchen) -> None:
    rules = SiteRules(violations=frozenset({"no_chef_hat", "cockroach"}))
    with pytest.raises(RulesError, match="'cockroach' needs the model class"):
        kitchen.run("unused", TruthDetector(), rules=rules)


def test_gap_shorter_than_a_frame_is_refused(kitchen: Kitchen, tmp_path: Path) -> None:
    detector = TruthDetector()
    folder = write_folder(tmp_path / "frames", detector, TIMELINE[:1])
    rules = RULES.model_copy(update={"max_gap_seconds": 0.5})
    with pytest.raises(
        RulesError, match=r"max_gap_seconds 0\.5 is shorter than the time between two judged frames"
    ):
        kitchen.run(str(folder), detector, rules=rules, sample_fps=1)


def test_missing_source_is_a_clear_error(kitchen: Kitchen, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"kitchen\.mp4: no such file or folder"):
        kitchen.run(str(tmp_path / "kitchen.mp4"), TruthDetector())


def test_unreadable_frame_ends_the_run_with_a_clear_error(kitchen: Kitchen, tmp_path: Path) -> None:
    detector = TruthDetector()
    folder = write_folder(tmp_path / "frames", detector, TIMELINE[:2])
    (folder / "00030.png").write_bytes(b"\x89PNG\r\n\x1a\n cut short")
    with pytest.raises(SourceError, match=r"00030\.png: not a readable image"):
        kitchen.run(str(folder), detector)


def test_lost_stream_is_reported_and_retried_until_stopped(kitchen: Kitchen) -> None:
    events: list[SourceEvent] = []
    stop = threading.Event()

    def on_event(event: SourceEvent) -> None:
        events.append(event)
        if len(events) == 3:
            stop.set()

    stats = kitchen.run(
        "rtsp://127.0.0.1:9/kitchen", TruthDetector(), backoff=Backoff(0.01, 0.02), stop=stop,
        on_source_event=on_event,
    )  # fmt: skip
    assert (stats.frames, stats.stream_losses, stats.incidents) == (0, 3, 0)
    assert [e.retry_in for e in events] == [0.01, 0.02, 0.02]


# -- the shipped model -------------------------------------------------------------------------------

#: (what each scene shows, the violations it may give); a compliant scene may give none.
DEMO_TIMELINE: list[tuple[str, frozenset[str], Scene]] = [
    ("compliant", frozenset(), Scene(cooks=(Cook(0.3, 0.62), Cook(0.7, 0.6, scale=0.9)), seed=31)),
    ("no_chef_hat", frozenset({"no_chef_hat"}), Scene(cooks=(Cook(0.5, 0.62, hat=False),), seed=32)),
    ("compliant", frozenset(), Scene(cooks=(Cook(0.45, 0.64),), seed=33)),
    ("no_mask", frozenset({"no_mask"}), Scene(cooks=(Cook(0.5, 0.62, mask=False),), seed=34)),
    ("compliant", frozenset(), Scene(cooks=(Cook(0.35, 0.62), Cook(0.75, 0.63)), seed=35)),
    ("rodent", frozenset({"rodent"}), Scene(cooks=(Cook(0.3, 0.62),), rodents=((0.7, 0.92),), seed=36)),
    ("compliant", frozenset(), Scene(cooks=(Cook(0.6, 0.62),), seed=37)),
    ("phone_in_use", frozenset({"phone_in_use"}), Scene(cooks=(Cook(0.5, 0.62, phone=True),), seed=38)),
    ("compliant", frozenset(), Scene(cooks=(Cook(0.4, 0.6), Cook(0.8, 0.64, scale=0.9)), seed=39)),
    (  # one cannot smoke through a mask: the scene shows both
        "smoking",
        frozenset({"smoking", "no_mask"}),
        Scene(cooks=(Cook(0.5, 0.62, mask=False, smoking=True),), seed=40),
    ),
]
DEMO_SECONDS_PER_SCENE = 4


def test_demo_model_on_a_generated_video_without_the_network(
    kitchen: Kitchen, vision_data_dir: Path, tmp_path: Path
) -> None:
    from ingest.vision.demo_model import DEMO_MODEL_ONNX
    from ingest.vision.detector import Detector

    scenes = [scene for _, _, scene in DEMO_TIMELINE]
    video = write_video(tmp_path / "kitchen.mp4", scenes, fps=FPS, seconds_per_scene=DEMO_SECONDS_PER_SCENE)
    with network_closed() as attempts:
        detector = Detector(DEMO_MODEL_ONNX, data_dir=vision_data_dir)
        stats = kitchen.run(str(video), detector, sample_fps=FPS)
    assert attempts == []
    assert stats.frames == len(DEMO_TIMELINE) * DEMO_SECONDS_PER_SCENE * FPS
    found: dict[str, set[str]] = {}
    for incident in kitchen.incidents():
        start = (incident.started_at - ORIGIN).total_seconds()
        end = (incident.ended_at - ORIGIN).total_seconds()
        scene = int(start // DEMO_SECONDS_PER_SCENE)
        assert int(end // DEMO_SECONDS_PER_SCENE) == scene, f"{incident.violation} spans two scenes"
        name, allowed, _ = DEMO_TIMELINE[scene]
        assert incident.violation in allowed, f"{incident.violation} in a {name} scene at {start:.1f} s"
        found.setdefault(name, set()).add(incident.violation)
        assert_evidence_matches(kitchen, incident)
        assert incident.model_sha256 == detector.model_sha256
        assert incident.model_version.startswith("kitchen-yolo11n.onnx sha256:")
    violating = {name for name, allowed, _ in DEMO_TIMELINE if allowed}
    assert set(found) == violating, "no incident in a compliant scene, one in each other"
    assert all(name in found[name] for name in violating), found


# -- suyuan ingest camera ----------------------------------------------------------------------------


def camera_cli(kitchen: Kitchen, *args: str, data_dir: Path | None = None) -> Any:
    import typer
    from typer.testing import CliRunner

    from ingest.vision.camera_cli import register_camera

    app = typer.Typer()
    app.callback()(lambda: None)
    register_camera(app)
    env = {
        "SUYUAN_DATA_DIR": str(kitchen.settings.data_dir),
        "SUYUAN_DATABASE_URL": kitchen.settings.database_url,
    }
    return CliRunner().invoke(app, ["camera", "--org", "canteen", *args], env=env)


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--device", "cam-9", "--source", "x.mp4"], "error: no camera canteen/cam-9 is registered"),
        (
            ["--device", "cam-1", "--source", "/nowhere/x.mp4"],
            "error: /nowhere/x.mp4: no such file or folder",
        ),
        (
            ["--device", "cam-1", "--source", __file__, "--model", "/nowhere/m.onnx"],
            "error: model /nowhere/m.onnx: no such file",
        ),
        (
            ["--device", "cam-1", "--source", ".", "--recorded-at", "8 am"],
            "error: invalid --recorded-at '8 am'",
        ),
    ],
    ids=["unknown-camera", "missing-file", "missing-model", "bad-time"],
)
def test_camera_command_fails_with_one_line(kitchen: Kitchen, args: list[str], error: str) -> None:
    result = camera_cli(kitchen, *args)
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith(error), result.output


def test_camera_command_records_incidents_with_the_demo_model(
    kitchen: Kitchen, vision_data_dir: Path, tmp_path: Path
) -> None:
    scenes = [Scene(cooks=(Cook(0.5, 0.62),), seed=51), Scene(cooks=(Cook(0.5, 0.62, hat=False),), seed=52)]
    video = write_video(tmp_path / "kitchen.mp4", scenes, fps=FPS, seconds_per_scene=4)
    rules = tmp_path / "rules.toml"
    rules.write_text('persist_seconds = 2\n[sites."canteen/cam-1"]\nviolations = ["no_chef_hat"]\n')
    # Ultralytics is configured once per process: the command shares the session's data directory.
    args = ["--device", "cam-1", "--source", str(video), "--rules", str(rules), "--json"]
    result = camera_cli(kitchen, *args, "--recorded-at", "2026-11-27T08:00:00Z", data_dir=vision_data_dir)
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith(
        f"camera canteen/cam-1: {video} at 5 frames/s; model kitchen-yolo11n.onnx sha256:"
    )
    assert any(line.startswith("incident no_chef_hat (") and "2026-11-27T08:00:0" in line for line in lines)
    figures = json.loads(lines[-1])
    assert (figures["frames"], figures["incidents"], figures["violations"]) == (40, 1, {"no_chef_hat": 1})
    assert [i.violation for i in kitchen.incidents()] == ["no_chef_hat"]
