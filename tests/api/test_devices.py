"""The device registry (``/v1/devices``) and the cold-chain views an organisation and the regulator
read: alerts and dead letters, each scoped to whose devices they are about."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlmodel import Session, select

from ingest import Ingestor, Message
from ingest._process import rfc3339
from tests.api.conftest import Api
from tests.ingest.conftest import Clock, make_ingestor
from trace_api.devices import Device, verify_password

STORE = "urn:epc:id:sgln:9506000.00001.0"
COLD_STORE = {"name": "cs-01", "kinds": ["temperature", "door"], "location": STORE, "storage_class": "frozen"}


@pytest.fixture
def orgs(api: Api) -> Api:
    """Importer ``haixian`` and wholesaler ``shichang`` beside the regulator ``samr``."""
    api.add_org("haixian", "importer")
    api.add_org("shichang", "wholesaler")
    return api


def add_device(api: Api, handle: str, body: dict[str, Any]) -> dict[str, Any]:
    response = api.as_org(handle, "POST", "/v1/devices", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def stored_device(api: Api, username: str) -> Device:
    with Session(api.services.engine) as session:
        device = session.exec(select(Device).where(Device.username == username)).one()
    return device


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = dict(response.json())
    assert body["status"] == status
    return body


# -- registering -------------------------------------------------------------------------------------


def test_device_registration_answers_credentials_that_match_only_the_stored_hash(orgs: Api) -> None:
    answer = add_device(orgs, "haixian", COLD_STORE)

    password = answer["mqtt"]["password"]
    assert answer["mqtt"]["username"] == "haixian/cs-01"
    assert answer["device"] == {
        "name": "cs-01",
        "organisation": "haixian",
        "username": "haixian/cs-01",
        "topic": "suyuan/v1/haixian/cs-01/+",
        "kinds": ["door", "temperature"],
        "location": STORE,
        "vehicle": None,
        "place": STORE,
        "storage_class": "frozen",
        "created_at": answer["device"]["created_at"],
        "retired_at": None,
        "position": None,
    }
    stored = stored_device(orgs, "haixian/cs-01")
    assert stored.password_hash.startswith("$7$")
    assert password not in stored.password_hash
    assert verify_password(password, stored.password_hash)
    assert not verify_password(password + "x", stored.password_hash)
    read_back = orgs.as_org("haixian", "GET", "/v1/devices/cs-01")
    assert read_back.status_code == 200
    assert password not in read_back.text
    assert stored.password_hash not in read_back.text


def test_device_registration_on_a_vehicle_defaults_to_chilled(orgs: Api) -> None:
    answer = add_device(orgs, "haixian", {"name": "truck-7", "kinds": ["temperature"], "vehicle": "沪a12345"})

    assert answer["device"]["vehicle"] == "沪A12345"
    assert answer["device"]["location"] is None
    assert answer["device"]["storage_class"] == "chilled"
    assert answer["device"]["place"].startswith("urn:suyuan:vehicle:")


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"name": "CS_01"}, "name", "should match pattern"),
        ({"name": "alerts"}, "name", "reserved"),
        ({"kinds": ["temperature", "smell"]}, "kinds.1", "temperature"),
        ({"kinds": []}, "kinds", "at least 1"),
    ],
    ids=["bad-name", "reserved-name", "unknown-kind", "no-kinds"],
)
def test_device_registration_rejected_when_a_field_is_invalid(
    orgs: Api, change: dict[str, Any], field: str, reason: str
) -> None:
    response = orgs.as_org("haixian", "POST", "/v1/devices", json={**COLD_STORE, **change})

    problem = assert_problem(response, 422)
    assert [e["field"] for e in problem["errors"]] == [field]
    assert reason in problem["errors"][0]["reason"]
    assert orgs.as_org("haixian", "GET", "/v1/devices").json()["devices"] == []


@pytest.mark.parametrize(
    "change", [{"vehicle": "沪A12345"}, {"location": None}], ids=["location-and-vehicle", "no-place"]
)
def test_device_registration_rejected_unless_exactly_one_place_is_given(
    orgs: Api, change: dict[str, Any]
) -> None:
    response = orgs.as_org("haixian", "POST", "/v1/devices", json={**COLD_STORE, **change})

    problem = assert_problem(response, 422)
    (error,) = problem["errors"]
    assert "give either location or vehicle" in error["reason"]
    assert orgs.as_org("haixian", "GET", "/v1/devices").json()["devices"] == []


def test_device_registration_conflicts_when_the_name_is_taken_in_the_organisation(orgs: Api) -> None:
    first = add_device(orgs, "haixian", COLD_STORE)

    again = orgs.as_org("haixian", "POST", "/v1/devices", json={**COLD_STORE, "location": "Cold room 2"})
    elsewhere = orgs.as_org("shichang", "POST", "/v1/devices", json=COLD_STORE)

    assert "cs-01" in assert_problem(again, 409)["detail"]
    assert elsewhere.status_code == 201, elsewhere.text
    assert elsewhere.json()["mqtt"]["username"] == "shichang/cs-01"
    stored = stored_device(orgs, "haixian/cs-01")
    assert stored.location == STORE
    assert verify_password(first["mqtt"]["password"], stored.password_hash)


def test_device_endpoints_refuse_anonymous_callers(orgs: Api) -> None:
    add_device(orgs, "haixian", COLD_STORE)

    for method, url, kwargs in [
        ("POST", "/v1/devices", {"json": {**COLD_STORE, "name": "cs-02"}}),
        ("GET", "/v1/devices", {}),
        ("GET", "/v1/devices/cs-01", {}),
        ("POST", "/v1/devices/cs-01/retire", {}),
        ("GET", "/v1/alerts", {}),
        ("GET", "/v1/dead-letters", {}),
    ]:
        assert_problem(orgs.client.request(method, url, **kwargs), 401)
    assert stored_device(orgs, "haixian/cs-01").retired_at is None


def test_device_registration_refused_with_a_device_key(orgs: Api) -> None:
    add_device(orgs, "haixian", COLD_STORE)
    issued = orgs.as_org("haixian", "POST", "/v1/organisations/me/keys", params={"kind": "device"})
    assert issued.status_code == 201, issued.text
    device_key = {"Authorization": f"Bearer {issued.json()['api_key']}"}

    added = orgs.client.post("/v1/devices", json={**COLD_STORE, "name": "cs-02"}, headers=device_key)
    retired = orgs.client.post("/v1/devices/cs-01/retire", headers=device_key)

    assert_problem(added, 403)
    assert_problem(retired, 403)
    listed = orgs.as_org("haixian", "GET", "/v1/devices").json()["devices"]
    assert [(d["name"], d["retired_at"]) for d in listed] == [("cs-01", None)]


# -- reading, listing, retiring ----------------------------------------------------------------------


def test_device_of_another_organisation_cannot_be_read_retired_or_listed(orgs: Api) -> None:
    add_device(orgs, "haixian", COLD_STORE)

    read = orgs.as_org("shichang", "GET", "/v1/devices/cs-01")
    retired = orgs.as_org("shichang", "POST", "/v1/devices/cs-01/retire")
    listed = orgs.as_org("shichang", "GET", "/v1/devices", params={"org": "haixian"})

    assert_problem(read, 404)
    assert_problem(retired, 404)
    assert_problem(listed, 403)
    assert orgs.as_org("shichang", "GET", "/v1/devices").json()["devices"] == []
    assert orgs.as_org("haixian", "GET", "/v1/devices/cs-01").json()["retired_at"] is None


def test_device_list_for_regulator_covers_every_organisation_and_filters_by_org(orgs: Api) -> None:
    add_device(orgs, "haixian", COLD_STORE)
    add_device(orgs, "shichang", {"name": "truck-7", "kinds": ["temperature"], "vehicle": "沪A12345"})

    def usernames(handle: str, **params: str) -> list[str]:
        response = orgs.as_org(handle, "GET", "/v1/devices", params=params)
        assert response.status_code == 200, response.text
        return [d["username"] for d in response.json()["devices"]]

    assert usernames("samr") == ["haixian/cs-01", "shichang/truck-7"]
    assert usernames("samr", org="shichang") == ["shichang/truck-7"]
    assert usernames("haixian") == ["haixian/cs-01"]
    assert usernames("haixian", org="haixian") == ["haixian/cs-01"]


def test_device_retire_sets_retired_at_once(orgs: Api) -> None:
    add_device(orgs, "haixian", COLD_STORE)

    retired = orgs.as_org("haixian", "POST", "/v1/devices/cs-01/retire")
    again = orgs.as_org("haixian", "POST", "/v1/devices/cs-01/retire")

    assert retired.status_code == 200, retired.text
    retired_at = retired.json()["retired_at"]
    assert retired_at is not None
    assert again.json()["retired_at"] == retired_at
    assert orgs.as_org("haixian", "GET", "/v1/devices/cs-01").json()["retired_at"] == retired_at
    assert_problem(orgs.as_org("haixian", "POST", "/v1/devices/cs-99/retire"), 404)


# -- alerts and dead letters -------------------------------------------------------------------------


class Feed:
    """Readings of one registered device through a real Ingestor, at device times relative to now."""

    def __init__(self, api: Api, username: str) -> None:
        self.clock = Clock()
        self.ingestor: Ingestor = make_ingestor(api, self.clock)
        self.username = username
        self.seq = 0

    def celsius(self, value: float, seconds_ago: float) -> None:
        at = self.clock.now - dt.timedelta(seconds=seconds_ago)
        body = {"seq": self.seq, "time": rfc3339(at), "celsius": value}
        self.seq += 1
        message = Message(f"suyuan/v1/{self.username}/temperature", json.dumps(body).encode())
        assert self.ingestor.ingest([message]).dead_reasons == []


@pytest.fixture
def excursion(orgs: Api) -> Feed:
    """haixian's frozen store at −5 °C for 600 s (the GB 31605 limit is −18 °C): one open alert."""
    add_device(orgs, "haixian", COLD_STORE)
    feed = Feed(orgs, "haixian/cs-01")
    feed.celsius(-5.0, seconds_ago=700)
    feed.celsius(-4.0, seconds_ago=100)
    return feed


def alerts(api: Api, handle: str, status: str = "open") -> list[dict[str, Any]]:
    response = api.as_org(handle, "GET", "/v1/alerts", params={"status": status})
    assert response.status_code == 200, response.text
    return list(response.json()["alerts"])


def test_alerts_shown_to_the_owner_and_the_regulator_only(orgs: Api, excursion: Feed) -> None:
    owner, regulator, other = alerts(orgs, "haixian"), alerts(orgs, "samr"), alerts(orgs, "shichang")

    assert [(a["device"], a["rule"], a["status"], a["worst_value"]) for a in owner] == [
        ("haixian/cs-01", "temperature", "open", -4.0)
    ]
    assert regulator == owner
    assert other == []
    assert alerts(orgs, "shichang", "all") == []


def test_alerts_of_one_member_for_the_regulator_and_only_its_own_for_a_member(
    orgs: Api, excursion: Feed
) -> None:
    def listed(handle: str, org: str) -> Any:
        return orgs.as_org(handle, "GET", "/v1/alerts", params={"org": org})

    assert [a["device"] for a in listed("samr", "haixian").json()["alerts"]] == ["haixian/cs-01"]
    assert listed("samr", "shichang").json()["alerts"] == []
    assert listed("haixian", "haixian").json()["alerts"] == alerts(orgs, "haixian")
    assert listed("shichang", "haixian").status_code == 403


def test_alerts_closed_only_after_a_reading_back_in_range(orgs: Api, excursion: Feed) -> None:
    closed_before = alerts(orgs, "haixian", "closed")
    excursion.celsius(-20.0, seconds_ago=40)

    assert closed_before == []
    assert alerts(orgs, "haixian", "open") == []
    (closed,) = alerts(orgs, "haixian", "closed")
    assert closed["status"] == "closed"
    assert closed["closed_at"] is not None
    assert [a["id"] for a in alerts(orgs, "samr", "all")] == [closed["id"]]


def test_dead_letters_shown_to_the_topics_organisation_and_all_to_the_regulator(orgs: Api) -> None:
    add_device(orgs, "haixian", COLD_STORE)
    ingestor = make_ingestor(orgs, Clock())
    not_json = Message("suyuan/v1/haixian/cs-01/temperature", b"not json")
    reading = json.dumps({"seq": 0, "time": rfc3339(dt.datetime.now(dt.UTC)), "celsius": -20}).encode()
    ghost = Message("suyuan/v1/shichang/ghost-1/temperature", reading)
    stray = Message("somewhere/else", reading)

    first = ingestor.ingest([not_json, ghost, stray])
    repeated = ingestor.ingest([not_json])

    assert first.dead_reasons == ["invalid_json", "unknown_device", "bad_topic"]
    assert repeated.dead_reasons == ["invalid_json"]

    def letters(handle: str) -> tuple[dict[str, int], list[str]]:
        response = orgs.as_org(handle, "GET", "/v1/dead-letters")
        assert response.status_code == 200, response.text
        return response.json()["counts"], sorted(d["topic"] for d in response.json()["dead_letters"])

    assert letters("haixian") == ({"invalid_json": 2}, [not_json.topic])
    assert letters("shichang") == ({"unknown_device": 1}, [ghost.topic])
    assert letters("samr") == (
        {"invalid_json": 2, "unknown_device": 1, "bad_topic": 1},
        sorted([not_json.topic, ghost.topic, stray.topic]),
    )
