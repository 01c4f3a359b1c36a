"""The cold-chain facts ingest writes, read back through their models to the bytes they were written with."""

from __future__ import annotations

import datetime as dt

import pytest

from tests._facts import assert_facts_round_trip
from trace_api.facts import AlertClosed, AlertOpened, ReadingRecorded, WrongKind

from .conftest import ColdStore
from .test_process import open_excursion, temperature


def test_readings_and_alerts_round_trip_through_their_models(cold_store: ColdStore) -> None:
    start = cold_store.clock.now
    opened = open_excursion(cold_store, start)
    (closed,) = temperature(cold_store, start + dt.timedelta(seconds=800), -19.0)

    kinds = assert_facts_round_trip(cold_store.api.services.ledger)

    assert {ReadingRecorded.KIND, AlertOpened.KIND, AlertClosed.KIND} <= kinds
    ledger = cold_store.api.services.ledger
    assert AlertClosed.of(ledger.get(closed.body["record_id"])).worst_value == -10.0
    assert AlertOpened.of(ledger.get(opened.body["record_id"])).alert_id == closed.body["alert_id"]
    with pytest.raises(WrongKind):
        AlertOpened.of(ledger.get(closed.body["record_id"]))


@pytest.mark.parametrize(
    "details",
    [None, {"kg": 1.25, "declared_kg": 1.3, "stall": "A-01", "product": "青菜", "unit_price": 6.5}],
)
def test_a_readings_payload_made_directly_is_its_models(details: dict[str, object] | None) -> None:
    report = {"type": "Mass", "value": 1.25, "uom": "KGM"}
    event = {"type": "ObjectEvent", "eventTime": "2026-12-05T08:00:00.000Z", "action": "OBSERVE",
             "sensorElementList": [{"sensorReport": [report]}]}  # fmt: skip
    device, batches = "market-ops/fc-001", ["06901234567892.L1"]
    made = ReadingRecorded.payload_of(device, 7, batches, event, details)
    modelled = ReadingRecorded(device=device, seq=7, batches=batches, epcis=event, details=details)
    assert made == modelled.payload()
    assert ReadingRecorded.model_validate(made) == modelled
