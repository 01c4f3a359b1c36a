"""Alerts as the regulators' console reads them: filters, pages, and acknowledgements (who saw an
alert, when, with what note: a ledger record, once per alert); the device registry's and the dead
letters' pages and filters."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from ingest import Ingestor, Message
from ingest._process import rfc3339
from tests._facts import assert_facts_round_trip
from tests.api.conftest import Api
from tests.api.test_devices import COLD_STORE, STORE, add_device, assert_problem
from tests.ingest.conftest import Clock, make_ingestor
from trace_api.facts import AlertAcknowledged


class Device:
    """One registered device fed through a real Ingestor at device times relative to now."""

    def __init__(self, api: Api, handle: str, body: dict[str, Any]) -> None:
        add_device(api, handle, body)
        self.username = f"{handle}/{body['name']}"
        self.clock = Clock()
        self.ingestor: Ingestor = make_ingestor(api, self.clock)
        self.seq = 0

    def send(self, kind: str, seconds_ago: float, **values: Any) -> None:
        at = self.clock.now - dt.timedelta(seconds=seconds_ago)
        body = {"seq": self.seq, "time": rfc3339(at), **values}
        self.seq += 1
        message = Message(f"suyuan/v1/{self.username}/{kind}", json.dumps(body).encode())
        assert self.ingestor.ingest([message]).dead_reasons == []

    def excursion(self) -> None:
        """A frozen store at −5 °C for ten minutes (GB 31605: at most −18 °C): an open alert."""
        self.send("temperature", 700, celsius=-5.0)
        self.send("temperature", 100, celsius=-4.0)

    def door_left_open(self) -> None:
        self.send("door", 700, open=True)
        self.send("door", 100, open=True)


@pytest.fixture
def network(api: Api) -> Api:
    """Importer ``haixian``, wholesaler ``shichang`` and retailer ``shop`` beside regulator ``samr``."""
    api.add_org("haixian", "importer")
    api.add_org("shichang", "wholesaler")
    api.add_org("shop", "retailer")
    return api


@pytest.fixture
def excursion(network: Api) -> dict[str, Any]:
    """haixian's frozen store ``cs-01`` too warm: one open temperature alert (as the API lists it)."""
    Device(network, "haixian", COLD_STORE).excursion()
    (alert,) = listed(network, "samr")
    return alert


def listed(api: Api, handle: str, **params: Any) -> list[dict[str, Any]]:
    response = api.as_org(handle, "GET", "/v1/alerts", params=params)
    assert response.status_code == 200, response.text
    return list(response.json()["alerts"])


def acknowledge(
    api: Api, handle: str, alert_id: str, note: str = "Called the store: compressor fixed"
) -> Any:
    return api.as_org(handle, "POST", f"/v1/alerts/{alert_id}/acknowledgements", json={"note": note})


# -- acknowledgements --------------------------------------------------------------------------------


def test_alert_acknowledged_by_a_regulator_shows_who_and_when_and_stays_open(
    network: Api, excursion: dict[str, Any]
) -> None:
    assert excursion["acknowledgement"] is None
    assert (excursion["organisation"], excursion["site"], excursion["device"]) == (
        "haixian",
        STORE,
        "haixian/cs-01",
    )

    answer = acknowledge(network, "samr", excursion["id"])

    assert answer.status_code == 201, answer.text
    ack = answer.json()["acknowledgement"]
    assert (ack["organisation"], ack["note"]) == ("samr", "Called the store: compressor fixed")
    assert dt.datetime.fromisoformat(ack["acknowledged_at"]) <= dt.datetime.now(dt.UTC)
    assert answer.json()["status"] == "open"
    record = network.services.ledger.get(ack["record_id"])
    assert (record.kind, record.index) == (AlertAcknowledged.KIND, ack["ledger_index"])
    fact = AlertAcknowledged.of(record)
    assert (fact.alert_id, fact.alert_record_id, fact.device, fact.organisation, fact.note) == (
        excursion["id"],
        excursion["open_record_id"],
        "haixian/cs-01",
        "haixian",
        "Called the store: compressor fixed",
    )
    assert AlertAcknowledged.KIND in assert_facts_round_trip(network.services.ledger)
    (still_open,) = listed(network, "haixian", status="open")
    assert still_open["acknowledgement"] == ack
    assert network.as_org("samr", "GET", f"/v1/alerts/{excursion['id']}").json() == still_open
    overview = network.as_org("samr", "GET", "/v1/overview").json()
    assert overview["alerts"]["open_by_kind"]["temperature"] == 1


def test_alert_acknowledged_twice_is_a_conflict(network: Api, excursion: dict[str, Any]) -> None:
    first = acknowledge(network, "haixian", excursion["id"], "Door shut, checking the unit")
    again = acknowledge(network, "samr", excursion["id"])

    assert first.status_code == 201, first.text
    assert first.json()["acknowledgement"]["organisation"] == "haixian"
    problem = assert_problem(again, 409)
    assert "acknowledged already, by haixian" in problem["detail"]
    assert problem["ack_record_id"] == first.json()["acknowledgement"]["record_id"]
    (alert,) = listed(network, "samr")
    assert alert["acknowledgement"]["note"] == "Door shut, checking the unit"


def test_alert_acknowledgement_refused_for_another_organisations_alert(
    network: Api, excursion: dict[str, Any]
) -> None:
    refused = acknowledge(network, "shop", excursion["id"])
    unseen = network.as_org("shop", "GET", f"/v1/alerts/{excursion['id']}")

    assert "another organisation" in assert_problem(refused, 403)["detail"]
    assert_problem(unseen, 403)
    (alert,) = listed(network, "samr")
    assert alert["acknowledgement"] is None
    assert [r.kind for r in network.services.ledger.about("device", "haixian/cs-01")].count(
        "alert.acknowledged"
    ) == 0


def test_alert_acknowledgement_refused_with_a_device_key(network: Api, excursion: dict[str, Any]) -> None:
    issued = network.as_org("haixian", "POST", "/v1/organisations/me/keys", params={"kind": "device"})
    assert issued.status_code == 201, issued.text

    refused = network.client.post(
        f"/v1/alerts/{excursion['id']}/acknowledgements",
        json={"note": "seen"},
        headers={"Authorization": f"Bearer {issued.json()['api_key']}"},
    )

    assert_problem(refused, 403)
    assert listed(network, "samr")[0]["acknowledgement"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [({"note": ""}, "note"), ({}, "note"), ({"note": "x" * 501}, "note"), ({"note": "bad\x00"}, "note")],
    ids=["empty", "missing", "too-long", "control-character"],
)
def test_alert_acknowledgement_rejected_without_a_usable_note(
    network: Api, excursion: dict[str, Any], body: dict[str, Any], field: str
) -> None:
    response = network.as_org("samr", "POST", f"/v1/alerts/{excursion['id']}/acknowledgements", json=body)

    problem = assert_problem(response, 422)
    assert [e["field"] for e in problem["errors"]] == [field]
    assert listed(network, "samr")[0]["acknowledgement"] is None


def test_alert_acknowledgement_of_an_unknown_alert_is_not_found(network: Api) -> None:
    assert_problem(acknowledge(network, "samr", "no-such-alert"), 404)
    assert_problem(network.as_org("samr", "GET", "/v1/alerts/no-such-alert"), 404)


# -- filters and pages -------------------------------------------------------------------------------


@pytest.fixture
def three_alerts(network: Api) -> Api:
    """Open alerts: haixian cs-01 too warm, haixian cs-02's door left open, shichang's truck too warm."""
    Device(network, "haixian", COLD_STORE).excursion()
    door = {**COLD_STORE, "name": "cs-02", "location": "Cold room 2"}
    Device(network, "haixian", door).door_left_open()
    truck = {"name": "truck-7", "kinds": ["temperature"], "vehicle": "沪A12345", "storage_class": "frozen"}
    Device(network, "shichang", truck).excursion()
    return network


def test_alert_list_filters_by_rule_organisation_device_and_acknowledgement(three_alerts: Api) -> None:
    api = three_alerts

    def devices(handle: str = "samr", **params: Any) -> list[str]:
        return sorted(a["device"] for a in listed(api, handle, **params))

    door_alert = listed(api, "samr", rule="door_open")[0]
    assert acknowledge(api, "samr", door_alert["id"]).status_code == 201

    assert devices() == ["haixian/cs-01", "haixian/cs-02", "shichang/truck-7"]
    assert devices(rule="temperature") == ["haixian/cs-01", "shichang/truck-7"]
    assert devices(rule="door_open") == ["haixian/cs-02"]
    assert devices(org="shichang") == ["shichang/truck-7"]
    assert devices(device="haixian/cs-02") == ["haixian/cs-02"]
    assert devices(acknowledged="true") == ["haixian/cs-02"]
    assert devices(acknowledged="false", rule="temperature", org="haixian") == ["haixian/cs-01"]
    assert devices(status="closed") == []
    assert devices("haixian") == ["haixian/cs-01", "haixian/cs-02"]
    assert devices("haixian", org="haixian", rule="temperature") == ["haixian/cs-01"]
    assert devices(org="nobody") == []


def test_alert_list_refuses_another_organisations_alerts_and_unknown_rules(three_alerts: Api) -> None:
    other = three_alerts.as_org("haixian", "GET", "/v1/alerts", params={"org": "shichang"})
    unknown = three_alerts.as_org("samr", "GET", "/v1/alerts", params={"rule": "smell"})

    assert "its own alerts" in assert_problem(other, 403)["detail"]
    assert [e["field"] for e in assert_problem(unknown, 422)["errors"]] == ["query.rule"]


def test_alert_list_pages_newest_first_without_repeats(three_alerts: Api) -> None:
    everything = [a["id"] for a in listed(three_alerts, "samr", status="all")]

    first = three_alerts.as_org("samr", "GET", "/v1/alerts", params={"limit": 2}).json()
    second = three_alerts.as_org(
        "samr", "GET", "/v1/alerts", params={"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    forged = three_alerts.as_org("samr", "GET", "/v1/alerts", params={"cursor": "bm90LWFuLWFsZXJ0"})

    assert len(everything) == 3
    assert [a["id"] for a in first["alerts"] + second["alerts"]] == everything
    assert second["next_cursor"] is None
    opened = [a["opened_at"] for a in first["alerts"] + second["alerts"]]
    assert opened == sorted(opened, reverse=True)
    assert [e["field"] for e in assert_problem(forged, 422)["errors"]] == ["cursor"]


# -- the device registry and dead letters ------------------------------------------------------------


def test_device_list_pages_filters_and_shows_the_newest_reading_and_open_alerts(three_alerts: Api) -> None:
    api = three_alerts
    add_device(api, "haixian", {"name": "scale-1", "kinds": ["weight"], "location": "Stall 4"})
    assert api.as_org("haixian", "POST", "/v1/devices/scale-1/retire").status_code == 200

    def names(**params: Any) -> list[str]:
        response = api.as_org("samr", "GET", "/v1/devices", params=params)
        assert response.status_code == 200, response.text
        return [d["username"] for d in response.json()["devices"]]

    first = api.as_org("samr", "GET", "/v1/devices", params={"limit": 2}).json()
    second = api.as_org(
        "samr", "GET", "/v1/devices", params={"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    by_name = {d["username"]: d for d in first["devices"] + second["devices"]}

    assert list(by_name) == ["haixian/cs-01", "haixian/cs-02", "haixian/scale-1", "shichang/truck-7"]
    assert second["next_cursor"] is None
    assert names(kind="door") == ["haixian/cs-01", "haixian/cs-02"]
    assert names(kind="weight", status="retired") == ["haixian/scale-1"]
    assert names(status="active", org="haixian") == ["haixian/cs-01", "haixian/cs-02"]
    assert by_name["haixian/cs-01"]["open_alerts"] == 1
    assert by_name["haixian/scale-1"]["open_alerts"] == 0
    assert by_name["haixian/scale-1"]["last_reading_at"] is None
    newest = dt.datetime.fromisoformat(by_name["haixian/cs-01"]["last_reading_at"])
    assert dt.timedelta(seconds=90) <= dt.datetime.now(dt.UTC) - newest <= dt.timedelta(hours=1)
    refused = api.as_org("samr", "GET", "/v1/devices", params={"kind": "smell"})
    assert [e["field"] for e in assert_problem(refused, 422)["errors"]] == ["query.kind"]


def test_dead_letters_page_and_filter_by_reason_and_organisation(network: Api) -> None:
    add_device(network, "haixian", COLD_STORE)
    ingestor = make_ingestor(network, Clock())
    reading = json.dumps({"seq": 0, "time": rfc3339(dt.datetime.now(dt.UTC)), "celsius": -20}).encode()
    letters = [
        Message("suyuan/v1/haixian/cs-01/temperature", b"not json"),
        Message("suyuan/v1/haixian/cs-01/temperature", b"[1, 2]"),
        Message("suyuan/v1/shichang/ghost-1/temperature", reading),
    ]
    assert ingestor.ingest(letters).dead_reasons == ["invalid_json", "schema", "unknown_device"]

    def page(**params: Any) -> dict[str, Any]:
        response = network.as_org("samr", "GET", "/v1/dead-letters", params=params)
        assert response.status_code == 200, response.text
        return dict(response.json())

    first = page(limit=2)
    second = page(limit=2, cursor=first["next_cursor"])
    by_reason = page(reason="unknown_device")
    of_haixian = page(org="haixian")
    refused = network.as_org("shop", "GET", "/v1/dead-letters", params={"org": "haixian"})

    topics = [d["topic"] for d in first["dead_letters"] + second["dead_letters"]]
    assert topics == [m.topic for m in reversed(letters)]
    assert second["next_cursor"] is None
    assert [(d["reason"], d["org_handle"]) for d in by_reason["dead_letters"]] == [
        ("unknown_device", "shichang")
    ]
    assert by_reason["counts"] == {"invalid_json": 1, "schema": 1, "unknown_device": 1}
    assert {d["reason"] for d in of_haixian["dead_letters"]} == {"invalid_json", "schema"}
    assert of_haixian["counts"] == {"invalid_json": 1, "schema": 1}
    assert_problem(refused, 403)
