"""Trace and recall: forward through splits, on chain, every holder notified over MQTT, acknowledged."""

from __future__ import annotations

import datetime as dt
import json
import threading
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select

from chain import id_hash
from tests._mqtt import Inbox
from tests._webhooks import Receiver
from tests.api.conftest import Api, batch_payload
from trace_api.recalls.models import NoticeDelivery
from trace_api.recalls.notify import NoticeWorker

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
        delivered = NoticeWorker(api.services).run_once()
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
    assert delivered == 2  # one MQTT notice per holder
    shop = _notice(api.as_org("samr", "GET", f"/v1/recalls/{recall['id']}").json(), "shop")
    assert [(d["channel"], d["target"], d["status"]) for d in shop["deliveries"]] == [
        ("mqtt", "suyuan/v1/shop/recalls", "delivered")
    ]
    api.mined()
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


def _notice(recall: dict[str, Any], handle: str) -> dict[str, Any]:
    return next(n for n in recall["notices"] if n["org"] == handle)


def _issue(api: Api) -> dict[str, Any]:
    response = api.as_org(
        "samr", "POST", "/v1/recalls", json={"batch_id": BATCH, "reason": "Vibrio found", "recall_class": "I"}
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_recall_notices_are_delivered_after_commit_signed_exactly_once(network_of_holders: Api) -> None:
    from trace_api.webhooks.service import sign

    api = network_of_holders
    receiver = Receiver(path="/hooks/recall")
    try:
        hook = api.as_org("shop", "POST", "/v1/webhooks", json={"url": receiver.url}).json()
        recall = _issue(api)
        before = list(receiver.received)
        worker = NoticeWorker(api.services)
        delivered = worker.run_once()
        again = worker.run_once(dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
        after = api.as_org("samr", "GET", f"/v1/recalls/{recall['id']}").json()
    finally:
        receiver.close()

    assert before == []  # nothing is delivered inside the recall's transaction
    owed = _notice(recall, "shop")["deliveries"]
    assert [(d["channel"], d["status"], d["attempts"]) for d in owed] == [
        ("mqtt", "pending", 0),
        ("webhook", "pending", 0),
    ]
    assert (delivered, again) == (3, 0)  # MQTT to both holders, the shop's webhook; none twice
    assert len(receiver.received) == 1
    headers, body = receiver.received[0]
    assert headers["Suyuan-Signature"] == sign(hook["secret"], body)
    assert json.loads(body)["recall_id"] == recall["id"]
    assert json.loads(body)["batch_ids"] == [CHILD_A]
    shop = _notice(after, "shop")
    webhook = next(d for d in shop["deliveries"] if d["channel"] == "webhook")
    assert headers["Suyuan-Delivery"] == str(webhook["id"])
    assert (webhook["status"], webhook["attempts"], webhook["last_error"]) == ("delivered", 1, None)
    assert shop["reached"] is True
    assert f"webhook {receiver.url} delivered" in shop["notified_via"]
    assert after["delivery"] == {"delivered": 3, "pending": 0, "failed": 0}


def test_recall_notice_to_failing_receiver_is_retried_with_backoff(network_of_holders: Api) -> None:
    from trace_api.recalls.notify import backoff_s

    api = network_of_holders
    receiver = Receiver(failures=1, failure_status=500, path="/hooks/recall")
    try:
        assert api.as_org("shop", "POST", "/v1/webhooks", json={"url": receiver.url}).status_code == 201
        recall = _issue(api)
        worker = NoticeWorker(api.services)
        now = dt.datetime.now(dt.UTC)
        first = worker.run_once(now)
        failed = api.as_org("samr", "GET", f"/v1/recalls/{recall['id']}").json()
        too_soon = worker.run_once(now + dt.timedelta(seconds=backoff_s(1) - 1))
        second = worker.run_once(now + dt.timedelta(seconds=backoff_s(1)))
        third = worker.run_once(now + dt.timedelta(seconds=backoff_s(1) + backoff_s(2) + 1))
        done = api.as_org("samr", "GET", f"/v1/recalls/{recall['id']}").json()
    finally:
        receiver.close()

    webhook = next(d for d in _notice(failed, "shop")["deliveries"] if d["channel"] == "webhook")
    assert (webhook["status"], webhook["attempts"], webhook["last_error"]) == ("failed", 1, "answered 500")
    assert failed["delivery"] == {"delivered": 2, "pending": 0, "failed": 1}
    assert (first, too_soon, second, third) == (2, 0, 1, 0)
    assert len(receiver.received) == 1
    webhook = next(d for d in _notice(done, "shop")["deliveries"] if d["channel"] == "webhook")
    assert (webhook["status"], webhook["attempts"]) == ("delivered", 2)


def test_recall_with_slow_receivers_answers_at_once_and_other_writers_go_on(network_of_holders: Api) -> None:
    api = network_of_holders
    release = threading.Event()
    receiver = Receiver(path="/slow", hold=release)
    hooks = 8
    try:
        for i in range(hooks):
            holder = ("shop", "wholesale")[i % 2]
            url = f"{receiver.url}/{i}"
            assert api.as_org(holder, "POST", "/v1/webhooks", json={"url": url}).status_code == 201
        recall = _issue(api)
        worker = threading.Thread(target=NoticeWorker(api.services).run_once)
        worker.start()
        held = receiver.wait_entered(hooks)
        other_lot = api.as_org(
            "haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian", lot="L2026-002")
        )
        while_held = api.as_org("samr", "GET", f"/v1/recalls/{recall['id']}").json()
        still_held = len(receiver.received)
        release.set()
        worker.join(30)
        after = api.as_org("samr", "GET", f"/v1/recalls/{recall['id']}").json()
    finally:
        release.set()
        receiver.close()

    assert held, "the worker did not call every receiver"
    assert other_lot.status_code == 201, other_lot.text  # other writers, while the receivers wait
    assert still_held == 0
    assert while_held["delivery"] == {"delivered": 0, "pending": hooks + 2, "failed": 0}
    assert not worker.is_alive()
    assert len(receiver.received) == hooks
    assert after["delivery"] == {"delivered": hooks + 2, "pending": 0, "failed": 0}


def test_recall_rolled_back_owes_no_notice_and_delivers_nothing(network_of_holders: Api) -> None:
    from sqlalchemy import text

    from tests.api.test_write_transactions import REFUSE_COMMIT
    from trace_api.app import create_app
    from trace_api.server import start_server

    api = network_of_holders
    receiver = Receiver(path="/hooks/recall")
    url, stop = start_server(create_app(api.services), "127.0.0.1", 0)
    try:
        assert api.as_org("shop", "POST", "/v1/webhooks", json={"url": receiver.url}).status_code == 201
        with api.services.engine.begin() as conn:
            for statement in REFUSE_COMMIT[api.services.engine.dialect.name]:
                conn.execute(text(statement))
        body = {"batch_id": BATCH, "reason": "Vibrio found", "recall_class": "I"}
        with httpx.Client(base_url=url, headers=api.headers("samr")) as client:
            refused = client.post("/v1/recalls", json=body)
        delivered = NoticeWorker(api.services).run_once()
    finally:
        stop()
        receiver.close()

    assert refused.status_code == 500, refused.text
    assert delivered == 0
    assert receiver.received == []
    with Session(api.services.engine) as session:
        assert session.exec(select(NoticeDelivery)).all() == []
    assert api.as_org("samr", "GET", "/v1/recalls").json()["recalls"] == []


def test_recall_notice_owed_is_delivered_after_a_restart(network_of_holders: Api) -> None:
    from evidence import open_ledger
    from trace_api.context import Services

    api = network_of_holders
    receiver = Receiver(path="/hooks/recall")
    try:
        assert api.as_org("shop", "POST", "/v1/webhooks", json={"url": receiver.url}).status_code == 201
        recall = _issue(api)
        old = api.services
        ledger = open_ledger(old.settings)  # the service started again over the same database
        restarted = Services(old.settings, ledger.engine, ledger, old.chain, old.keystore, old.regulator_key)
        try:
            delivered = NoticeWorker(restarted).run_once()
        finally:
            ledger.engine.dispose()
        after = api.as_org("samr", "GET", f"/v1/recalls/{recall['id']}").json()
    finally:
        receiver.close()

    assert delivered == 3
    assert json.loads(receiver.received[0][1])["recall_id"] == recall["id"]
    assert after["delivery"] == {"delivered": 3, "pending": 0, "failed": 0}


def test_webhook_url_must_be_http(network_of_holders: Api) -> None:
    response = network_of_holders.as_org("shop", "POST", "/v1/webhooks", json={"url": "ftp://example/x"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "url"
