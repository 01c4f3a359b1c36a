"""The ingest transaction: readings recorded once, linked to the goods, bad messages dead-lettered."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from evidence import Subject
from ingest import IngestResult, Message, Notice, Outcome
from ingest._process import rfc3339
from trace_api.app import create_app
from trace_api.coldchain import Alert, DeadLetter, SensorReading
from trace_api.devices import Device
from trace_api.epcis.validation import validate_event
from trace_api.resolver import mount_resolver

from .conftest import MARKET, PLATE, STORE, ColdStore


def readings(store: ColdStore) -> list[SensorReading]:
    with Session(store.api.services.engine) as session:
        return list(session.exec(select(SensorReading).order_by(col(SensorReading.seq))))


def dead_letters(store: ColdStore) -> list[DeadLetter]:
    with Session(store.api.services.engine) as session:
        return list(session.exec(select(DeadLetter).order_by(col(DeadLetter.id))))


def alerts(store: ColdStore) -> list[Alert]:
    with Session(store.api.services.engine) as session:
        return list(session.exec(select(Alert).order_by(col(Alert.opened_at))))


def reading_records(store: ColdStore, name: str = "cs-01") -> list[dict[str, Any]]:
    """Payloads of the device's sensor.reading ledger records, in log order."""
    username = store.devices[name]["device"]["username"]
    stored = store.api.services.ledger.about("device", username)
    return [s.record().payload for s in stored if s.kind == "sensor.reading"]


def device_readings(store: ColdStore, name: str) -> list[SensorReading]:
    username = store.devices[name]["device"]["username"]
    query = (
        select(SensorReading)
        .join(Device, col(Device.id) == SensorReading.device_id)
        .where(Device.username == username)
        .order_by(col(SensorReading.seq))
    )
    with Session(store.api.services.engine) as session:
        return list(session.exec(query))


def linked(store: ColdStore, name: str) -> dict[int, list[str]]:
    """Batches each reading of the device names in its ledger record, by sequence number."""
    ledger = store.api.services.ledger
    return {r.seq: ledger.get(r.record_id).record().payload["batches"] for r in device_readings(store, name)}


def reported(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The sensor reports of a reading record's EPCIS event."""
    return list(payload["epcis"]["sensorElementList"][0]["sensorReport"])


def take(store: ColdStore, name: str, kind: str, at: dt.datetime, **values: Any) -> IngestResult:
    """Ingests one reading taken at ``at``, the ingest's clock moved on to it (never back)."""
    store.clock.now = max(store.clock.now, at)
    return store.ingestor.ingest([store.message(name, kind, at, **values)])


def temperature(store: ColdStore, at: dt.datetime, celsius: float) -> list[Notice]:
    return take(store, "cs-01", "temperature", at, celsius=celsius).notices


def sweep_at(store: ColdStore, now: dt.datetime) -> list[Notice]:
    store.clock.now = now
    return store.ingestor.sweep()


def open_excursion(store: ColdStore, start: dt.datetime) -> Notice:
    """−10 °C in the frozen store from ``start`` for the rule's 600 s: one alert opens."""
    assert temperature(store, start, -10.0) == []
    assert temperature(store, start + dt.timedelta(seconds=300), -12.0) == []
    (opened,) = temperature(store, start + dt.timedelta(seconds=600), -11.0)
    return opened


def raw(store: ColdStore, payload: bytes | str, kind: str = "temperature", name: str = "cs-01") -> Message:
    username = store.devices[name]["device"]["username"]
    data = payload.encode() if isinstance(payload, str) else payload
    return Message(f"suyuan/v1/{username}/{kind}", data)


def scan(store: ColdStore, handle: str, at: dt.datetime, **body: Any) -> None:
    body = {"batch_id": store.batch_id, "time": rfc3339(at), **body}
    response = store.api.as_org(handle, "POST", "/v1/scans", json=body)
    assert response.status_code == 201, response.text


def get_alerts(store: ColdStore, handle: str, status: str = "open") -> list[dict[str, Any]]:
    response = store.api.as_org(handle, "GET", "/v1/alerts", params={"status": status})
    assert response.status_code == 200, response.text
    return list(response.json()["alerts"])


def cold_chain(store: ColdStore, handle: str = "haixian") -> list[dict[str, Any]]:
    response = store.api.as_org(handle, "GET", f"/v1/batches/{store.batch_id}/coldchain")
    assert response.status_code == 200, response.text
    return list(response.json()["hops"])


# -- recording once ----------------------------------------------------------------------------


def test_reading_recorded_once_with_its_epcis_sensor_event(cold_store: ColdStore) -> None:
    message = cold_store.message("cs-01", "temperature", celsius=-21.5)
    first = cold_store.ingestor.ingest([message])
    again = cold_store.ingestor.ingest([message, message])
    assert first.outcomes == [Outcome.recorded]
    assert again.outcomes == [Outcome.duplicate, Outcome.duplicate]
    (row,) = readings(cold_store)
    stored = cold_store.api.services.ledger.get(row.record_id).record()
    assert stored.kind == "sensor.reading"
    assert stored.payload["batches"] == [cold_store.batch_id]
    assert "details" not in stored.payload  # a thermometer's reading is its sensor event
    event = stored.payload["epcis"]
    assert event["bizStep"] == "sensor_reporting"
    assert event["sensorElementList"][0]["sensorReport"] == [
        {"type": "Temperature", "value": -21.5, "uom": "CEL"}
    ]
    assert event["quantityList"][0]["epcClass"].endswith("/01/09506000134352/10/L2026-001")
    assert validate_event(event) == []


def test_ingest_duplicate_publishes_recorded_once_in_one_batch_and_across_batches(
    cold_store: ColdStore,
) -> None:
    message = cold_store.message("cs-01", "temperature", celsius=-20.0)

    first = cold_store.ingestor.ingest([message, message])
    second = cold_store.ingestor.ingest([message])

    assert first.outcomes == [Outcome.recorded, Outcome.duplicate]
    assert second.outcomes == [Outcome.duplicate]
    assert first.dead_reasons == second.dead_reasons == []
    assert len(reading_records(cold_store)) == 1
    assert [(r.seq, r.value) for r in readings(cold_store)] == [(0, -20.0)]
    assert dead_letters(cold_store) == []


def test_ingest_reused_sequence_number_with_other_content_dead_lettered_and_original_kept(
    cold_store: ColdStore,
) -> None:
    original = cold_store.message("cs-01", "temperature", seq=0, celsius=-21.0)
    cold_store.ingestor.ingest([original])
    reused = cold_store.message("cs-01", "temperature", seq=0, celsius=-5.0)
    in_batch = [
        cold_store.message("cs-01", "temperature", seq=1, celsius=-22.0),
        cold_store.message("cs-01", "temperature", seq=1, celsius=-3.0),
    ]

    later = cold_store.ingestor.ingest([reused])
    together = cold_store.ingestor.ingest(in_batch)

    assert later.outcomes == [Outcome.dead_letter]
    assert later.dead_reasons == ["sequence_reused"]
    assert together.outcomes == [Outcome.recorded, Outcome.dead_letter]
    assert together.dead_reasons == ["sequence_reused"]
    assert [(r.seq, r.value) for r in readings(cold_store)] == [(0, -21.0), (1, -22.0)]
    assert [reported(p)[0]["value"] for p in reading_records(cold_store)] == [-21.0, -22.0]
    letters = dead_letters(cold_store)
    assert [(d.reason, d.payload) for d in letters] == [
        ("sequence_reused", reused.payload),
        ("sequence_reused", in_batch[1].payload),
    ]
    assert "seq 0 of haixian/cs-01" in letters[0].detail


def test_ingest_out_of_order_sequence_numbers_both_recorded(cold_store: ColdStore) -> None:
    later = cold_store.message("cs-01", "temperature", seq=5, celsius=-20.0)
    earlier = cold_store.message("cs-01", "temperature", at=cold_store.at(-60), seq=3, celsius=-19.0)

    assert cold_store.ingestor.ingest([later]).outcomes == [Outcome.recorded]
    assert cold_store.ingestor.ingest([earlier]).outcomes == [Outcome.recorded]

    assert [(r.seq, r.value) for r in readings(cold_store)] == [(3, -19.0), (5, -20.0)]
    assert sorted(linked(cold_store, "cs-01")) == [3, 5]


# -- dead letters ------------------------------------------------------------------------------


def test_ingest_malformed_payloads_dead_lettered_with_reason_naming_the_field(cold_store: ColdStore) -> None:
    now = rfc3339(cold_store.clock.now)
    future = rfc3339(cold_store.at(3600))
    cases = [
        (f'{{"seq": 1, "time": "{now}", "celsius": -20', "invalid_json", "payload"),
        (f'{{"seq": 2, "time": "{now}"}}', "schema", "celsius"),
        (f'{{"seq": 3, "time": "{now}", "celsius": -20, "humidity": 40}}', "schema", "humidity"),
        (f'{{"seq": 4, "time": "{now}", "celsius": 500}}', "impossible_value", "celsius"),
        (f'{{"seq":5,"time":"{now}","celsius":NaN}}', "impossible_value", "celsius"),
        (f'{{"seq": true, "time": "{now}", "celsius": -20}}', "schema", "seq"),
        (f'{{"seq": 7, "time": "{now[:19]}", "celsius": -20}}', "schema", "time"),
        (f'{{"seq": 8, "time": "{future}", "celsius": -20}}', "impossible_value", "time"),
        ('{"seq": 9, "time": "2026-02-31T10:00:00Z", "celsius": -20}', "schema", "time"),
        ('{"seq": 10, "time": "2026-10-01T10:00:00+24:00", "celsius": -20}', "schema", "time"),
    ]

    result = cold_store.ingestor.ingest([raw(cold_store, payload) for payload, _, _ in cases])

    assert result.outcomes == [Outcome.dead_letter] * len(cases)
    assert result.dead_reasons == [reason for _, reason, _ in cases]
    letters = {d.payload.decode(): d for d in dead_letters(cold_store)}
    found = [(letters[p].reason, letters[p].detail.startswith(field)) for p, _, field in cases]
    assert found == [(reason, True) for _, reason, _ in cases], [letters[p].detail for p, _, _ in cases]
    assert {(d.org_handle, d.device_name) for d in letters.values()} == {("haixian", "cs-01")}
    assert readings(cold_store) == []


def test_ingest_messages_of_unknown_or_unfit_devices_dead_lettered(cold_store: ColdStore) -> None:
    body = json.dumps({"seq": 0, "time": rfc3339(cold_store.clock.now), "celsius": -20})
    humidity = json.dumps({"seq": 0, "time": rfc3339(cold_store.clock.now), "percent": 80})
    cases = [
        (Message("suyuan/v1/haixian/cs-99/temperature", body.encode()), "unknown_device", "haixian/cs-99"),
        (Message("suyuan/v1/shichang/cs-01/temperature", body.encode()), "unknown_device", "shichang/cs-01"),
        (Message("suyuan/v1/haixian/cs-01/pressure", body.encode()), "unknown_kind", "pressure"),
        (Message("suyuan/v1/haixian/cs-01/humidity", humidity.encode()), "kind_not_allowed", "humidity"),
        (Message("suyuan/v2/haixian/cs-01/temperature", body.encode()), "bad_topic", "suyuan/v2"),
        (Message("suyuan/v1/haixian/cs-01", body.encode()), "bad_topic", "suyuan/v1/haixian/cs-01"),
    ]

    result = cold_store.ingestor.ingest([m for m, _, _ in cases])

    assert result.outcomes == [Outcome.dead_letter] * len(cases)
    assert result.dead_reasons == [reason for _, reason, _ in cases]
    letters = {d.topic: d for d in dead_letters(cold_store)}
    found = [(letters[m.topic].reason, named in letters[m.topic].detail) for m, _, named in cases]
    assert found == [(reason, True) for _, reason, _ in cases], [letters[m.topic].detail for m, _, _ in cases]
    assert readings(cold_store) == []


def test_ingest_reading_of_retired_device_dead_lettered_and_earlier_readings_kept(
    cold_store: ColdStore,
) -> None:
    cold_store.ingestor.ingest([cold_store.message("cs-01", "temperature", celsius=-20.0)])
    retired = cold_store.api.as_org("haixian", "POST", "/v1/devices/cs-01/retire")
    assert retired.status_code == 200, retired.text

    result = cold_store.ingestor.ingest([cold_store.message("cs-01", "temperature", celsius=-19.0)])

    assert result.outcomes == [Outcome.dead_letter]
    assert result.dead_reasons == ["retired_device"]
    (letter,) = dead_letters(cold_store)
    assert letter.reason == "retired_device"
    assert "haixian/cs-01" in letter.detail
    assert [(r.seq, r.value) for r in readings(cold_store)] == [(0, -20.0)]


def test_a_suspended_members_devices_are_not_heard_until_it_is_restored(cold_store: ColdStore) -> None:
    api = cold_store.api
    suspend = api.as_org(
        "samr", "POST", "/v1/organisations/haixian/suspend", json={"reason": "Licence expired"}
    )
    assert suspend.status_code == 200, suspend.text

    refused = cold_store.ingestor.ingest([cold_store.message("cs-01", "temperature", celsius=-20.0)])
    restore = api.as_org(
        "samr", "POST", "/v1/organisations/haixian/restore", json={"reason": "Licence renewed"}
    )
    assert restore.status_code == 200, restore.text
    heard = cold_store.ingestor.ingest([cold_store.message("cs-01", "temperature", celsius=-19.0)])

    assert (refused.outcomes, refused.dead_reasons) == ([Outcome.dead_letter], ["organisation_suspended"])
    (letter,) = dead_letters(cold_store)
    assert "haixian is suspended" in letter.detail
    assert heard.outcomes == [Outcome.recorded]
    assert [r.value for r in readings(cold_store)] == [-19.0]


def test_ingest_mixed_batch_records_good_messages_and_dead_letters_bad_ones_in_order(
    cold_store: ColdStore,
) -> None:
    good = cold_store.message("cs-01", "temperature", celsius=-20.0)
    door = cold_store.message("cs-01", "door", open=False)
    broken = raw(cold_store, b"not json")
    stranger = Message("suyuan/v1/haixian/cs-99/temperature", good.payload)
    too_hot = cold_store.message("cs-01", "temperature", celsius=95)

    result = cold_store.ingestor.ingest([good, broken, door, good, stranger, too_hot])

    assert result.outcomes == [
        Outcome.recorded,
        Outcome.dead_letter,
        Outcome.recorded,
        Outcome.duplicate,
        Outcome.dead_letter,
        Outcome.dead_letter,
    ]
    assert result.dead_reasons == ["invalid_json", "unknown_device", "impossible_value"]
    assert [(r.seq, r.kind) for r in readings(cold_store)] == [(0, "temperature"), (1, "door")]
    assert sorted(d.reason for d in dead_letters(cold_store)) == [
        "impossible_value",
        "invalid_json",
        "unknown_device",
    ]


def test_dead_letter_same_message_twice_counts_two_repeats_in_one_row(cold_store: ColdStore) -> None:
    bad = cold_store.message("cs-01", "temperature", celsius=500)

    cold_store.ingestor.ingest([bad])
    again = cold_store.ingestor.ingest([bad])

    assert again.outcomes == [Outcome.dead_letter]
    (letter,) = dead_letters(cold_store)
    assert (letter.reason, letter.repeats) == ("impossible_value", 2)
    listed = cold_store.api.as_org("haixian", "GET", "/v1/dead-letters").json()
    assert listed["counts"] == {"impossible_value": 2}
    assert [d["repeats"] for d in listed["dead_letters"]] == [2]


def test_dead_letter_same_message_twice_in_one_batch_counts_two_repeats(cold_store: ColdStore) -> None:
    bad = cold_store.message("cs-01", "temperature", celsius=500)

    result = cold_store.ingestor.ingest([bad, bad])

    assert result.outcomes == [Outcome.dead_letter, Outcome.dead_letter]
    (letter,) = dead_letters(cold_store)
    assert (letter.reason, letter.repeats) == ("impossible_value", 2)


# -- linking readings to the goods -------------------------------------------------------------


def test_reading_before_admission_or_after_shipment_not_linked_to_the_lot(cold_store: ColdStore) -> None:
    start = cold_store.clock.now
    before = cold_store.message("cs-01", "temperature", at=start - dt.timedelta(hours=1), celsius=-20.0)
    during = cold_store.message("cs-01", "temperature", at=start + dt.timedelta(seconds=30), celsius=-20.0)
    shipped_at = start + dt.timedelta(seconds=60)
    scan(cold_store, "haixian", shipped_at, action="ship", counterparty="shichang", location=STORE)
    after = cold_store.message("cs-01", "temperature", at=start + dt.timedelta(seconds=90), celsius=-20.0)
    cold_store.clock.now = start + dt.timedelta(seconds=120)

    cold_store.ingestor.ingest([before, during, after])

    assert linked(cold_store, "cs-01") == {0: [], 1: [cold_store.batch_id], 2: []}
    monitoring = cold_store.api.services.ledger.about("monitored_batch", cold_store.batch_id)
    assert [s.record_id for s in monitoring] == [readings(cold_store)[1].record_id]


def test_shipment_on_vehicle_links_truck_readings_in_transit_then_market_readings_after_receipt(
    cold_store: ColdStore,
) -> None:
    start = cold_store.clock.now
    cold_store.add_device("haixian", "truck-01", kinds=["temperature"], vehicle=PLATE, storage_class="frozen")
    cold_store.add_device("shichang", "cr-03", kinds=["temperature"], location=MARKET, storage_class="frozen")
    shipped_at = start + dt.timedelta(seconds=60)
    scan(
        cold_store,
        "haixian",
        shipped_at,
        action="ship",
        counterparty="shichang",
        location=STORE,
        vehicle=PLATE,
    )
    scan(cold_store, "shichang", start + dt.timedelta(seconds=600), action="receive", location=MARKET)
    cold_store.clock.now = start + dt.timedelta(seconds=900)

    def at(name: str, seconds: int) -> Message:
        return cold_store.message(name, "temperature", start + dt.timedelta(seconds=seconds), celsius=-20.0)

    cold_store.ingestor.ingest([
        at("cs-01", 30), at("truck-01", 30), at("cs-01", 120), at("truck-01", 120), at("cr-03", 120),
        at("truck-01", 700), at("cr-03", 700),
    ])  # fmt: skip

    lot = [cold_store.batch_id]
    assert linked(cold_store, "cs-01") == {0: lot, 1: []}
    assert linked(cold_store, "truck-01") == {0: [], 1: lot, 2: []}
    assert linked(cold_store, "cr-03") == {0: [], 1: lot}
    hops = cold_chain(cold_store, "shichang")
    assert [(h["place"], h["holder"], h["readings"]) for h in hops] == [
        (STORE, "haixian Co.", 1),
        (PLATE, "haixian Co.", 1),
        (MARKET, "shichang Co.", 1),
    ]
    assert hops[2]["ended_at"] is None


def test_readings_of_other_organisations_device_at_same_named_place_not_linked(cold_store: ColdStore) -> None:
    body = {"name": "cs-01", "kinds": ["temperature"], "location": STORE, "storage_class": "frozen"}
    registered = cold_store.api.as_org("shichang", "POST", "/v1/devices", json=body)
    assert registered.status_code == 201, registered.text
    theirs = Message(
        "suyuan/v1/shichang/cs-01/temperature",
        json.dumps({"seq": 0, "time": rfc3339(cold_store.clock.now), "celsius": -20.0}).encode(),
    )
    ours = cold_store.message("cs-01", "temperature", celsius=-20.0)

    result = cold_store.ingestor.ingest([theirs, ours])

    assert result.outcomes == [Outcome.recorded, Outcome.recorded]
    ledger = cold_store.api.services.ledger
    (their_record,) = [s.record() for s in ledger.about("device", "shichang/cs-01")]
    assert their_record.payload["batches"] == []
    assert "quantityList" not in their_record.payload["epcis"]
    assert all(s.type != "monitored_batch" for s in their_record.subjects)
    assert linked(cold_store, "cs-01") == {0: [cold_store.batch_id]}


def test_every_reading_kind_becomes_a_valid_epcis_sensor_event(cold_store: ColdStore) -> None:
    kinds = ["temperature", "humidity", "door", "location", "weight"]
    cold_store.add_device("haixian", "all-01", kinds=kinds, location=STORE, storage_class="frozen")
    values: dict[str, dict[str, Any]] = {
        "temperature": {"celsius": -19.5},
        "humidity": {"percent": 85.0},
        "door": {"open": False},
        "location": {"lat": 31.2304, "lon": 121.4737},
        "weight": {"kg": 1200.0},
    }

    result = cold_store.ingestor.ingest([cold_store.message("all-01", k, **values[k]) for k in kinds])

    assert result.outcomes == [Outcome.recorded] * len(kinds)
    rows = device_readings(cold_store, "all-01")
    assert [r.kind for r in rows] == kinds
    ledger = cold_store.api.services.ledger
    events = {r.kind: ledger.get(r.record_id).record().payload["epcis"] for r in rows}
    assert {k: validate_event(e) for k, e in events.items()} == {k: [] for k in kinds}
    assert {k: len(e["quantityList"]) for k, e in events.items()} == {k: 1 for k in kinds}


# -- alerts ------------------------------------------------------------------------------------


def test_frozen_excursion_opens_alert_only_once_it_has_lasted_for_seconds(cold_store: ColdStore) -> None:
    start = cold_store.clock.now

    assert temperature(cold_store, start, -10.0) == []
    assert temperature(cold_store, start + dt.timedelta(seconds=300), -12.0) == []
    assert alerts(cold_store) == []
    notices = temperature(cold_store, start + dt.timedelta(seconds=600), -11.0)

    (notice,) = notices
    assert notice.topic == "suyuan/v1/haixian/alerts"
    assert notice.body["event"] == "alert.opened"
    assert notice.body["organisation"] == "haixian"
    assert (notice.body["rule"], notice.body["batches"]) == ("temperature", [cold_store.batch_id])
    assert notice.body["started_at"] == rfc3339(start)
    assert notice.body["worst_value"] == -10.0
    record = cold_store.api.services.ledger.get(notice.body["record_id"]).record()
    assert record.kind == "alert.opened"
    assert Subject(type="batch", id=cold_store.batch_id) in record.subjects
    about_lot = [s.kind for s in cold_store.api.services.ledger.about("batch", cold_store.batch_id)]
    assert about_lot.count("alert.opened") == 1
    (alert,) = alerts(cold_store)
    assert alert.closed_at is None


def test_excursion_alert_closed_by_reading_back_in_range_with_warmest_value(cold_store: ColdStore) -> None:
    start = cold_store.clock.now
    opened = open_excursion(cold_store, start)

    assert temperature(cold_store, start + dt.timedelta(seconds=700), -5.0) == []
    (closed,) = temperature(cold_store, start + dt.timedelta(seconds=800), -19.0)

    assert closed.topic == "suyuan/v1/haixian/alerts"
    assert closed.body["event"] == "alert.closed"
    assert closed.body["alert_id"] == opened.body["alert_id"]
    assert closed.body["closed_at"] == rfc3339(start + dt.timedelta(seconds=800))
    assert closed.body["worst_value"] == -5.0
    record = cold_store.api.services.ledger.get(closed.body["record_id"]).record()
    assert record.kind == "alert.closed"
    assert Subject(type="batch", id=cold_store.batch_id) in record.subjects
    (alert,) = alerts(cold_store)
    assert alert.closed_at is not None
    assert alert.worst_value == -5.0


def test_cold_chain_of_batch_shows_hop_with_readings_extremes_and_excursion(cold_store: ColdStore) -> None:
    start = cold_store.clock.now
    open_excursion(cold_store, start)
    temperature(cold_store, start + dt.timedelta(seconds=700), -5.0)
    temperature(cold_store, start + dt.timedelta(seconds=800), -19.0)

    (hop,) = cold_chain(cold_store)

    assert (hop["batch_id"], hop["place"], hop["holder"]) == (cold_store.batch_id, STORE, "haixian Co.")
    assert (hop["readings"], hop["min_celsius"], hop["max_celsius"]) == (5, -19.0, -5.0)
    assert (hop["excursions"], hop["open_alerts"]) == (1, 0)
    (alert,) = hop["alerts"]
    assert (alert["rule"], alert["worst_value"]) == ("temperature", -5.0)
    assert alert["closed_at"] is not None


def test_consumer_json_of_item_shows_cold_chain_and_no_alert_hops(cold_store: ColdStore) -> None:
    issued = cold_store.api.as_org(
        "haixian", "POST", f"/v1/batches/{cold_store.batch_id}/codes", json={"count": 1}
    )
    assert issued.status_code == 201, issued.text
    path = issued.json()["codes"][0].removeprefix(cold_store.api.services.settings.public_url)
    start = cold_store.clock.now
    open_excursion(cold_store, start)
    app = create_app(cold_store.api.services)
    mount_resolver(app)

    with TestClient(app) as resolver:
        found = resolver.get(path, headers={"Accept": "application/json"}).json()
        page = resolver.get(path).text

    assert 'class="coldchain-hop excursion"' in page
    assert "未解除 still open" in page
    assert 'id="cold-chain-note"' in page
    (hop,) = found["cold_chain"]
    assert (hop["readings"], hop["excursions"], hop["open_alerts"]) == (3, 1, 1)
    assert {h["kind"] for h in found["hops"]} == {"batch.admitted", "codes.issued"}


def test_open_alert_seen_by_regulator_and_owner_not_by_other_organisation(cold_store: ColdStore) -> None:
    start = cold_store.clock.now
    opened = open_excursion(cold_store, start)

    regulator = get_alerts(cold_store, "samr")
    owner = get_alerts(cold_store, "haixian")
    other = get_alerts(cold_store, "shichang")

    assert [(a["id"], a["device"], a["status"]) for a in regulator] == [
        (opened.body["alert_id"], "haixian/cs-01", "open")
    ]
    assert regulator[0]["batch_ids"] == [cold_store.batch_id]
    assert [a["id"] for a in owner] == [opened.body["alert_id"]]
    assert other == []
    temperature(cold_store, start + dt.timedelta(seconds=700), -20.0)
    assert get_alerts(cold_store, "samr") == []
    assert [a["status"] for a in get_alerts(cold_store, "samr", "closed")] == ["closed"]


def test_brief_excursion_shorter_than_limit_opens_no_alert(cold_store: ColdStore) -> None:
    start = cold_store.clock.now

    notices = [
        *temperature(cold_store, start, -10.0),
        *temperature(cold_store, start + dt.timedelta(seconds=300), -8.0),
        *temperature(cold_store, start + dt.timedelta(seconds=599), -20.0),
        *sweep_at(cold_store, start + dt.timedelta(seconds=800)),
    ]

    assert notices == []
    assert alerts(cold_store) == []
    assert get_alerts(cold_store, "samr", "all") == []


def test_excursion_without_further_readings_opened_by_sweep_past_limit(cold_store: ColdStore) -> None:
    start = cold_store.clock.now
    temperature(cold_store, start, -10.0)

    early = sweep_at(cold_store, start + dt.timedelta(seconds=599))
    (opened,) = sweep_at(cold_store, start + dt.timedelta(seconds=600))

    assert early == []
    assert (opened.body["event"], opened.body["rule"]) == ("alert.opened", "temperature")
    assert opened.body["batches"] == [cold_store.batch_id]
    assert sweep_at(cold_store, start + dt.timedelta(seconds=700)) == []
    assert len(alerts(cold_store)) == 1


def test_door_left_open_alert_opened_by_sweep_and_closed_by_door_closing(cold_store: ColdStore) -> None:
    start = cold_store.clock.now
    assert take(cold_store, "cs-01", "door", start, open=True).notices == []

    early = sweep_at(cold_store, start + dt.timedelta(seconds=299))
    (opened,) = sweep_at(cold_store, start + dt.timedelta(seconds=300))
    closed = take(cold_store, "cs-01", "door", start + dt.timedelta(seconds=420), open=False).notices

    assert early == []
    assert opened.topic == "suyuan/v1/haixian/alerts"
    assert (opened.body["event"], opened.body["rule"]) == ("alert.opened", "door_open")
    assert opened.body["started_at"] == rfc3339(start)
    assert opened.body["batches"] == [cold_store.batch_id]
    assert [(n.body["event"], n.body["alert_id"]) for n in closed] == [
        ("alert.closed", opened.body["alert_id"])
    ]
    (alert,) = alerts(cold_store)
    assert alert.rule == "door_open"
    assert alert.closed_at is not None


def test_silent_device_alert_opened_once_by_sweep_and_closed_by_its_next_reading(
    cold_store: ColdStore,
) -> None:
    start = cold_store.clock.now
    temperature(cold_store, start, -20.0)

    early = sweep_at(cold_store, start + dt.timedelta(seconds=899))
    (opened,) = sweep_at(cold_store, start + dt.timedelta(seconds=901))
    again = sweep_at(cold_store, start + dt.timedelta(seconds=1000))
    closed = temperature(cold_store, start + dt.timedelta(seconds=1100), -20.0)

    assert early == []
    assert (opened.body["event"], opened.body["rule"], opened.body["device"]) == (
        "alert.opened",
        "silent",
        "haixian/cs-01",
    )
    assert again == []
    assert [(n.body["event"], n.body["alert_id"]) for n in closed] == [
        ("alert.closed", opened.body["alert_id"])
    ]
    (alert,) = alerts(cold_store)
    assert alert.rule == "silent"
    assert alert.closed_at is not None


def test_out_of_order_older_readings_neither_close_nor_open_alerts(cold_store: ColdStore) -> None:
    start = cold_store.clock.now
    opened = open_excursion(cold_store, start)

    late_in_range = temperature(cold_store, start + dt.timedelta(seconds=100), -20.0)
    assert late_in_range == []
    assert [a.closed_at for a in alerts(cold_store)] == [None]

    (closed,) = temperature(cold_store, start + dt.timedelta(seconds=2000), -20.0)
    assert closed.body["alert_id"] == opened.body["alert_id"]
    late_out_of_range = [
        *temperature(cold_store, start + dt.timedelta(seconds=1000), -10.0),
        *temperature(cold_store, start + dt.timedelta(seconds=1700), -10.0),
        *sweep_at(cold_store, start + dt.timedelta(seconds=2100)),
    ]
    assert late_out_of_range == []
    assert len(alerts(cold_store)) == 1


def test_sweep_raises_no_silent_alert_for_retired_device(cold_store: ColdStore) -> None:
    start = cold_store.clock.now
    temperature(cold_store, start, -20.0)
    retired = cold_store.api.as_org("haixian", "POST", "/v1/devices/cs-01/retire")
    assert retired.status_code == 200, retired.text

    notices = sweep_at(cold_store, start + dt.timedelta(seconds=3600))

    assert notices == []
    assert alerts(cold_store) == []
