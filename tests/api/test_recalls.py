"""Trace and recall: forward through splits, on chain, every holder notified over MQTT, acknowledged."""

from __future__ import annotations

import json
import threading
from typing import Any
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
import pytest

from chain import id_hash
from tests._webhooks import Receiver
from tests.api.conftest import Api, batch_payload

BATCH = "09506000134352.L2026-001"
CHILD_A, CHILD_B = "09506000134352.L2026-001A", "09506000134352.L2026-001B"


def _scan(api: Api, handle: str, **body: Any) -> Any:
    response = api.as_org(
        handle, "POST", "/v1/scans", json={"location": "urn:epc:id:sgln:9506000.13435.0", **body}
    )
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def network_of_holders(api: Api) -> Api:
    """Importer → wholesaler, who splits the lot and ships one child to a retailer."""
    for handle, kind in (
        ("haixian", "importer"),
        ("wholesale", "wholesaler"),
        ("shop", "retailer"),
        ("other", "retailer"),
    ):
        api.add_org(handle, kind)
    assert api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian")).status_code == 201
    _scan(api, "haixian", action="ship", batch_id=BATCH, counterparty="wholesale")
    _scan(api, "wholesale", action="receive", batch_id=BATCH)
    children = [{"lot": "L2026-001A", "quantity": 600}, {"lot": "L2026-001B", "quantity": 500}]
    _scan(api, "wholesale", action="split", batch_id=BATCH, children=children)
    _scan(api, "wholesale", action="ship", batch_id=CHILD_A, counterparty="shop")
    _scan(api, "shop", action="receive", batch_id=CHILD_A)
    return api


class Inbox:
    """A real MQTT subscriber on an organisation's recall topic."""

    def __init__(self, url: str, topic: str) -> None:
        parts = urlsplit(url)
        self.messages: list[dict[str, Any]] = []
        self.arrived = threading.Event()
        subscribed = threading.Event()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        self.client.on_subscribe = lambda *_: subscribed.set()
        self.client.on_connect = lambda client, *_: client.subscribe(topic, qos=1)
        self.client.on_message = self._on_message
        self.client.connect(parts.hostname or "127.0.0.1", parts.port or 1883)
        self.client.loop_start()
        assert subscribed.wait(10), "could not subscribe"

    def _on_message(self, client: Any, userdata: Any, message: Any) -> None:
        self.messages.append(json.loads(message.payload))
        self.arrived.set()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def test_trace_forward_and_backward(network_of_holders: Api) -> None:
    api = network_of_holders

    forward = api.as_org("samr", "GET", f"/v1/trace/{BATCH}", params={"direction": "forward"}).json()
    backward = api.as_org("shop", "GET", f"/v1/trace/{CHILD_A}", params={"direction": "backward"}).json()
    outsider = api.as_org("other", "GET", f"/v1/trace/{BATCH}")

    assert [b["id"] for b in forward["batches"]] == [BATCH, CHILD_A, CHILD_B]
    assert {(s["parent"], s["child"]) for s in forward["splits"]} == {(BATCH, CHILD_A), (BATCH, CHILD_B)}
    assert [(s["from"], s["to"]) for s in forward["shipments"]] == [
        ("haixian", "wholesale"),
        ("wholesale", "shop"),
    ]
    assert [b["id"] for b in backward["batches"]] == [BATCH, CHILD_A]
    assert outsider.status_code == 403


def test_recall_reaches_every_holder_on_chain_and_over_mqtt(network_of_holders: Api, mqtt_url: str) -> None:
    api = network_of_holders
    inbox = Inbox(mqtt_url, "suyuan/v1/shop/recalls")
    try:
        response = api.as_org(
            "samr",
            "POST",
            "/v1/recalls",
            json={"batch_id": BATCH, "reason": "Vibrio found in sample", "recall_class": "I"},
        )
        assert response.status_code == 201, response.text
        assert inbox.arrived.wait(10), "the shop was not notified"
    finally:
        inbox.close()
    recall = response.json()

    assert recall["scope"] == [BATCH, CHILD_A, CHILD_B]
    held = {n["org"]: n["batch_ids"] for n in recall["notices"]}
    assert held == {
        "wholesale": [BATCH, CHILD_B],
        "shop": [CHILD_A],
    }  # the rest of the lot stayed with wholesale
    assert inbox.messages[0]["recall_id"] == recall["id"]
    assert api.services.chain.is_recalled(id_hash(f"batch:{CHILD_A}"))
    assert api.services.ledger.get(f"recall:{recall['id']}").kind == "recall.issued"
    frozen = api.as_org(
        "shop",
        "POST",
        "/v1/scans",
        json={"action": "ship", "batch_id": CHILD_A, "counterparty": "other", "location": "Shop"},
    )
    assert frozen.status_code == 409
    assert "under recall" in frozen.json()["detail"]


def test_holders_acknowledge_and_progress_shows_it(network_of_holders: Api) -> None:
    api = network_of_holders
    recall = api.as_org(
        "samr", "POST", "/v1/recalls", json={"batch_id": BATCH, "reason": "Vibrio found", "recall_class": "I"}
    ).json()
    url = f"/v1/recalls/{recall['id']}"

    ack = api.as_org("shop", "POST", f"{url}/acknowledgements", json={"quantity_quarantined": 600})
    again = api.as_org("shop", "POST", f"{url}/acknowledgements", json={"quantity_quarantined": 600})
    stranger = api.as_org("other", "POST", f"{url}/acknowledgements", json={"quantity_quarantined": 1})
    progress = api.as_org("samr", "GET", url).json()["progress"]
    own_view = api.as_org("shop", "GET", url).json()

    assert ack.status_code == 201, ack.text
    assert again.status_code == 409
    assert stranger.status_code == 403
    assert progress == {
        "holders": 2,
        "acknowledged": 1,
        "quantity": 1200.0,
        "quantity_quarantined": 600.0,
        "percent_quarantined": 50.0,
    }
    assert [n["org"] for n in own_view["notices"]] == ["shop"]


def _recall(api: Api) -> str:
    recall = api.as_org(
        "samr", "POST", "/v1/recalls", json={"batch_id": BATCH, "reason": "Vibrio found", "recall_class": "I"}
    )
    assert recall.status_code == 201, recall.text
    return f"/v1/recalls/{recall.json()['id']}"


def test_acknowledgement_above_the_held_quantity_is_refused_naming_it(network_of_holders: Api) -> None:
    api = network_of_holders
    url = _recall(api)
    size = api.services.ledger.size()
    headers = {**api.headers("shop"), "Content-Type": "application/json"}

    too_much = api.as_org("shop", "POST", f"{url}/acknowledgements", json={"quantity_quarantined": 700})
    absurd = api.as_org("shop", "POST", f"{url}/acknowledgements", json={"quantity_quarantined": 1e12})
    not_numbers = [
        api.client.post(
            f"{url}/acknowledgements", content=f'{{"quantity_quarantined": {v}}}', headers=headers
        )
        for v in ("NaN", "Infinity")
    ]
    progress = api.as_org("samr", "GET", url).json()["progress"]

    assert too_much.status_code == 422
    assert too_much.json()["errors"] == [
        {"field": "quantity_quarantined", "reason": "more than the 600 KGM held under this recall"}
    ]
    assert too_much.json()["held"] == 600
    assert absurd.status_code == 422
    assert absurd.json()["errors"][0]["field"] == "quantity_quarantined"
    assert [r.status_code for r in not_numbers] == [422, 422]
    assert [r.json()["errors"][0]["field"] for r in not_numbers] == ["quantity_quarantined"] * 2
    assert progress["quantity_quarantined"] == 0
    assert api.services.ledger.size() == size


def test_acknowledgement_is_corrected_by_a_record_naming_the_one_it_supersedes(
    network_of_holders: Api,
) -> None:
    api = network_of_holders
    url = _recall(api)
    acks = f"{url}/acknowledgements"

    first = api.as_org("shop", "POST", acks, json={"quantity_quarantined": 400})
    first_id = first.json()["ack_record_id"]
    repeated = api.as_org("shop", "POST", acks, json={"quantity_quarantined": 400})
    corrected = api.as_org(
        "shop", "POST", acks, json={"quantity_quarantined": 600, "supersedes": first_id, "note": "found more"}
    )
    stale = api.as_org("shop", "POST", acks, json={"quantity_quarantined": 500, "supersedes": first_id})
    recall = api.as_org("samr", "GET", url).json()
    record = json.loads(api.services.ledger.get(corrected.json()["ack_record_id"]).body)

    assert first.status_code == 201, first.text
    assert first.json()["batch_ids"] == [CHILD_A]
    assert repeated.status_code == 409
    assert repeated.json()["ack_record_id"] == first_id
    assert corrected.status_code == 201, corrected.text
    assert corrected.json()["quantity_quarantined"] == 600
    assert record["payload"]["supersedes"] == first_id
    assert record["payload"]["batch_ids"] == [CHILD_A]
    assert api.services.ledger.get(first_id).kind == "recall.acknowledged"  # kept, superseded
    assert stale.status_code == 409
    assert recall["progress"]["quantity_quarantined"] == 600
    assert recall["progress"]["percent_quarantined"] == 50.0
    shop = next(n for n in recall["notices"] if n["org"] == "shop")
    assert (shop["acknowledgements"], shop["ack_record_id"]) == (2, corrected.json()["ack_record_id"])


def test_recall_is_for_regulators_only(network_of_holders: Api) -> None:
    response = network_of_holders.as_org(
        "haixian",
        "POST",
        "/v1/recalls",
        json={"batch_id": BATCH, "reason": "self recall", "recall_class": "II"},
    )

    assert response.status_code == 403


def test_recall_is_delivered_to_registered_webhooks_signed(network_of_holders: Api) -> None:
    from trace_api.webhooks.service import sign

    api = network_of_holders
    receiver = Receiver(path="/hooks/recall")
    try:
        hook = api.as_org("shop", "POST", "/v1/webhooks", json={"url": receiver.url}).json()
        recall = api.as_org(
            "samr",
            "POST",
            "/v1/recalls",
            json={"batch_id": BATCH, "reason": "Vibrio found", "recall_class": "I"},
        ).json()
        assert receiver.arrived.wait(10)
    finally:
        receiver.close()

    headers, body = receiver.received[0]
    assert headers["Suyuan-Signature"] == sign(hook["secret"], body)
    assert json.loads(body)["recall_id"] == recall["id"]
    shop_notice = next(n for n in recall["notices"] if n["org"] == "shop")
    assert f"webhook {receiver.url} delivered" in shop_notice["notified_via"]


def test_webhook_url_must_be_http(network_of_holders: Api) -> None:
    response = network_of_holders.as_org("shop", "POST", "/v1/webhooks", json={"url": "ftp://example/x"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "url"
