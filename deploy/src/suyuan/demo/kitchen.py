"""``suyuan up --demo``'s kitchen feed: a school canteen's camera judged by the shipped model, offline.

Once per data directory: the canteen ``demo-canteen`` (a restaurant) and its camera
``kitchen-cam-1`` are registered, a kitchen video is generated (compliant scenes, then each
violation in turn), and the camera pipeline records its incidents in the ledger. The canteen's
API key and what was found go to ``kitchen-demo.json`` in the data directory.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from ingest.vision import DEMO_MODEL_ONNX
from ingest.vision.synth import write_video
from trace_api.devices import Device, DeviceIn, ReadingKind, register_device
from trace_api.orgs import (
    Organisation,
    OrganisationIn,
    admit_organisation,
    issue_api_key,
    with_check_character,
)
from trace_api.services import Services, writing

from ..bench.vision import bench_scenes

DEMO_FILE = "kitchen-demo.json"
CANTEEN, CAMERA = "demo-canteen", "kitchen-cam-1"


def seed_kitchen_demo(
    services: Services,
    report: Callable[[str], None] = print,
    stop: threading.Event | None = None,
) -> dict[str, Any]:
    """Runs the demo feed once; later calls return what the first one wrote."""
    prepared = prepare_kitchen_demo(services)
    if isinstance(prepared, dict):
        return prepared
    return run_kitchen_demo(services, prepared, report, stop)


def prepare_kitchen_demo(services: Services) -> dict[str, Any] | str:
    """What an earlier run wrote, or the canteen's new API key once it and its camera are registered.

    Registering the canteen puts its account on chain: ``suyuan up`` does it before other
    services use the regulator's key, and leaves the slow part to :func:`run_kitchen_demo`.
    """
    path = services.settings.data_dir / DEMO_FILE
    if path.exists():
        return dict(json.loads(path.read_text()))
    return _canteen(services)


def run_kitchen_demo(
    services: Services,
    api_key: str,
    report: Callable[[str], None] = print,
    stop: threading.Event | None = None,
) -> dict[str, Any]:
    """Generates the kitchen video and judges it with the shipped ONNX model on onnxruntime (no chain
    use, no torch). The incidents' alerts are owed with them, for the notice sender."""
    from ingest.vision.detector import Detector
    from ingest.vision.pipeline import run_camera

    path = services.settings.data_dir / DEMO_FILE
    video = write_video(
        services.settings.data_dir / "demo" / "kitchen.mp4", bench_scenes(), seconds_per_scene=4.0
    )
    detector = Detector(DEMO_MODEL_ONNX, data_dir=services.settings.data_dir)
    stats = run_camera(
        engine=services.engine, ledger=services.ledger, documents_dir=services.settings.documents_dir,
        org=CANTEEN, device=CAMERA, source=str(video), detector=detector,
        mqtt_url=services.settings.mqtt_url, stop=stop,
    )  # fmt: skip
    info = {
        "organisation": CANTEEN,
        "camera": f"{CANTEEN}/{CAMERA}",
        "api_key": api_key,
        "video": str(video),
        "model": detector.model_version,
        "stats": stats.to_json(),
        "complete": not (stop is not None and stop.is_set()),
    }
    _write_private(path, json.dumps(info, indent=2, ensure_ascii=False) + "\n")
    report(f"kitchen feed: {stats.summary()}; GET /v1/incidents with the {CANTEEN} key in {path}")
    return info


def _canteen(services: Services) -> str:
    """The canteen and its camera (registered if missing); a fresh API key of the canteen."""
    with Session(services.engine) as session:
        known = session.exec(select(Organisation).where(Organisation.handle == CANTEEN)).first() is not None
    first_key: str | None = None
    if not known:
        data = OrganisationIn.model_validate(
            {
                "handle": CANTEEN,
                "name": "Xuhui No. 1 Primary School Canteen 徐汇一小食堂",
                "org_type": "restaurant",
                "uscc": with_check_character(f"12310000MB{secrets.randbelow(10**7):07d}"),
                "jurisdiction": "Shanghai",
                "position": {"latitude": 31.2012, "longitude": 121.4466, "address": "徐汇区 Xuhui District"},
            }
        )
        first_key = admit_organisation(services, data)[1]
    with writing(services) as session:
        org = session.exec(select(Organisation).where(Organisation.handle == CANTEEN)).one()
        key = first_key or issue_api_key(session, org, "kitchen demo", "member")
        if session.exec(select(Device).where(Device.username == f"{CANTEEN}/{CAMERA}")).first() is None:
            register_device(
                session, org, DeviceIn(name=CAMERA, kinds=[ReadingKind.camera], location="Canteen kitchen")
            )
    return key


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.write_text(text, encoding="utf-8")
