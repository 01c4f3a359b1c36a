"""Captured events carry the Event Hash ID the CBV defines, also where the reference generator fails."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from tests.api.conftest import Api
from trace_api.epcis import EPCIS_CONTEXT

# A business transaction's type is optional (EPCIS 2.0 §7.3.5.3): without it the pre-hash string
# writes the transaction's value alone, after the list's name.
UNTYPED = {
    "type": "ObjectEvent",
    "action": "OBSERVE",
    "eventTime": "2025-03-01T09:30:00.250+08:00",
    "eventTimeZoneOffset": "+08:00",
    "epcList": ["urn:epc:id:sgtin:0614141.107346.2018"],
    "bizStep": "shipping",
    "bizTransactionList": [{"bizTransaction": "http://transaction.acme.com/po/987"}],
}
UNTYPED_PREHASH = (
    "eventType=ObjectEventeventTime=2025-03-01T01:30:00.250ZeventTimeZoneOffset=+08:00"
    "epcListepc=https://id.gs1.org/01/10614141073464/21/2018action=OBSERVE"
    "bizStep=https://ref.gs1.org/cbv/BizStep-shipping"
    "bizTransactionListbizTransaction=http://transaction.acme.com/po/987"
)


def _document(*events: dict[str, Any]) -> dict[str, Any]:
    return {
        "@context": [EPCIS_CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2025-03-01T10:00:00Z",
        "epcisBody": {"eventList": list(events)},
    }


@pytest.fixture
def partner(api: Api) -> Api:
    api.add_org("partner", "wholesaler")
    return api


def test_an_event_with_an_untyped_business_transaction_is_captured_under_its_hash_id(partner: Api) -> None:
    expected = f"ni:///sha-256;{hashlib.sha256(UNTYPED_PREHASH.encode()).hexdigest()}?ver=CBV2.0"
    headers = {**partner.headers("partner"), "GS1-Capture-Error-Behaviour": "rollback"}

    response = partner.client.post("/epcis/capture", json=_document(UNTYPED), headers=headers)

    assert response.status_code == 202, response.text
    job = response.json()
    assert (job["status"], job["captured"]) == ("succeeded", 1), job["errors"]
    found = partner.as_org("partner", "GET", "/epcis/events", params={"EQ_bizStep": "shipping"})
    events = found.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert [e["eventID"] for e in events] == [expected]
    assert events[0]["bizTransactionList"] == UNTYPED["bizTransactionList"]


def test_a_single_event_with_an_untyped_business_transaction_is_created(partner: Api) -> None:
    created = partner.as_org(
        "partner", "POST", "/epcis/events", json={"@context": [EPCIS_CONTEXT], **UNTYPED}
    )

    assert created.status_code == 201, created.text
    assert (
        created.json()["eventID"]
        == f"ni:///sha-256;{hashlib.sha256(UNTYPED_PREHASH.encode()).hexdigest()}?ver=CBV2.0"
    )
