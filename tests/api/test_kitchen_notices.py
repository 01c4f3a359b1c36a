"""A kitchen rectification's and review's notices are owed with their records and sent after commit
by the notice sender, retried while the broker cannot be reached, on a real Mosquitto."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("cv2")  # incidents are recorded as the camera pipeline records them

from sqlmodel import Session, col, select

from tests._kitchen import add_camera, photo_png, record_incident, rectify, review
from tests._notices import delivered_once, refused_while_away
from tests.api.conftest import Api, serve_api
from tests.conftest import Network
from tests.ingest._broker import BrokerClient, ConfiguredBroker
from trace_api.notices import NoticeSender, OwedNotice

SERVICE, SERVICE_PASSWORD = "suyuan", "service-secret"


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[ConfiguredBroker]:
    """A broker configured for the API but not started: the first attempt finds nobody listening."""
    broker = ConfiguredBroker(tmp_path / "broker", {SERVICE: SERVICE_PASSWORD}, [SERVICE])
    yield broker
    broker.stop()


@pytest.fixture
def api(
    tmp_path: Path, network: Network, migrated_database_url: str, broker: ConfiguredBroker
) -> Iterator[Api]:
    url = f"mqtt://{SERVICE}:{SERVICE_PASSWORD}@127.0.0.1:{broker.port}"
    with serve_api(tmp_path, network.client, network.regulator, migrated_database_url, url) as api:
        api.add_org("canteen", "restaurant")
        yield api


def owed(api: Api) -> list[OwedNotice]:
    with Session(api.services.engine) as session:
        return list(session.exec(select(OwedNotice).order_by(col(OwedNotice.id))))


def test_rectification_notice_is_owed_and_retried_until_the_broker_takes_it(
    api: Api, broker: ConfiguredBroker
) -> None:
    incident = record_incident(api, add_camera(api, "canteen"), "no_chef_hat", 60)
    response = rectify(api, "canteen", incident.incident_id, photo_png(), "Hats issued.")
    assert response.status_code == 201, response.text
    answer = response.json()
    assert answer["notified_via"] == "mqtt suyuan/v1/canteen/alerts pending"
    assert [(n["channel"], n["status"]) for n in answer["notices"]] == [("mqtt", "pending")]

    sender = NoticeSender(api.services)
    now = dt.datetime.now(dt.UTC)
    refused_while_away(sender, lambda: owed(api), now)  # nobody listens yet

    broker.start()
    message = delivered_once(sender, BrokerClient(broker, SERVICE, SERVICE_PASSWORD, "regulator"), now)

    told = json.loads(message.payload)
    assert message.topic == "suyuan/v1/canteen/alerts"
    assert (told["event"], told["record_id"], told["note"]) == (
        "incident.rectified",
        answer["record_id"],
        "Hats issued.",
    )
    assert told["incident_id"] == incident.incident_id
    [delivered] = owed(api)
    assert (delivered.attempts, delivered.last_error, delivered.delivered_at is not None) == (2, None, True)


def test_review_notice_is_owed_to_the_restaurant_and_sent_after_commit(
    api: Api, broker: ConfiguredBroker
) -> None:
    incident = record_incident(api, add_camera(api, "canteen"), "no_chef_hat", 60)
    rectified = rectify(api, "canteen", incident.incident_id, photo_png())
    assert rectified.status_code == 201, rectified.text
    broker.start()
    listener = BrokerClient(broker, SERVICE, SERVICE_PASSWORD, "restaurant")
    try:
        assert not listener.connect().is_failure
        assert not listener.subscribe("suyuan/v1/canteen/alerts").is_failure
        response = review(api, "samr", incident.incident_id, rectified.json()["id"], "rejected", "No hat.")
        assert response.status_code == 201, response.text
        assert listener.messages.empty()  # owed, not sent, by the answer
        sent = NoticeSender(api.services).run_once(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5))
        told = [json.loads(listener.next_message().payload) for _ in range(sent)]
    finally:
        listener.close()

    answer = response.json()
    assert answer["notified_via"] == "mqtt suyuan/v1/canteen/alerts pending"
    assert sent == 2  # the rectification's and the review's, sent side by side
    messages = sorted(told, key=lambda m: str(m["record_id"]))
    assert [(m["event"], m["record_id"]) for m in messages] == [
        ("incident.rectified", rectified.json()["record_id"]),
        ("incident.reviewed", answer["record_id"]),
    ]
    assert (messages[1]["decision"], messages[1]["status"], messages[1]["note"]) == (
        "rejected",
        "open",
        "No hat.",
    )
