"""Webhook and EPCIS subscription targets: https to public addresses, checked again at delivery."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._webhooks import Receiver
from tests.api.conftest import Api, batch_payload
from tests.conftest import CORPUS
from trace_api._settings import ServiceSettings
from trace_api.webhooks.targets import UnsafeTarget, check_target

BATCH = "09506000134352.L2026-001"
PUBLIC = "https://93.184.215.14/hooks/recall"  # an IP literal: resolving it needs no network


@pytest.fixture
def strict(api: Api) -> Api:
    """The API as deployed: https only, no private targets."""
    api.add_org("shop", "retailer")
    api.services.settings.webhook_allow_http = False
    api.services.settings.webhook_allow_private = False
    return api


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver(path="/hook")
    yield receiver
    receiver.close()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://93.184.215.14/hook", "https://"),
        ("https://127.0.0.1/hook", "127.0.0.1"),
        ("https://localhost:8443/hook", "localhost resolves to"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://10.1.2.3/hook", "private"),
        ("https://[::1]/hook", "::1"),
        ("https://[::ffff:192.168.0.1]/hook", "private"),
        ("https://user:pw@93.184.215.14/hook", "credentials"),
    ],
)
def test_webhook_to_unsafe_target_is_refused_naming_url(strict: Api, url: str, reason: str) -> None:
    response = strict.as_org("shop", "POST", "/v1/webhooks", json={"url": url})

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "url"
    assert reason in response.json()["errors"][0]["reason"]
    assert strict.as_org("shop", "GET", "/v1/webhooks").json() == []


def test_webhook_to_public_https_target_is_registered(strict: Api) -> None:
    response = strict.as_org("shop", "POST", "/v1/webhooks", json={"url": PUBLIC})

    assert response.status_code == 201, response.text


def test_subscription_to_private_target_is_refused_naming_dest(strict: Api) -> None:
    query = {"name": "mine", "query": {}}
    assert strict.as_org("shop", "POST", "/epcis/queries", json=query).status_code == 201

    response = strict.as_org(
        "shop", "POST", "/epcis/queries/mine/subscriptions", json={"dest": "https://127.0.0.1:9/epcis"}
    )

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "dest"


def test_recall_webhook_is_checked_again_at_delivery(api: Api, receiver: Receiver) -> None:
    from trace_api.recalls.notify import NoticeWorker

    api.add_org("haixian", "importer")
    assert api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian")).status_code == 201
    assert api.as_org("haixian", "POST", "/v1/webhooks", json={"url": receiver.url}).status_code == 201
    recall = api.as_org(
        "samr", "POST", "/v1/recalls", json={"batch_id": BATCH, "reason": "Vibrio found", "recall_class": "I"}
    )
    api.services.settings.webhook_allow_private = False  # as if the name now resolved to loopback

    NoticeWorker(api.services).run_once()

    assert recall.status_code == 201, recall.text
    after = api.as_org("samr", "GET", f"/v1/recalls/{recall.json()['id']}").json()
    notice = next(n for n in after["notices"] if n["org"] == "haixian")
    webhook = next(d for d in notice["deliveries"] if d["channel"] == "webhook")
    assert f"webhook {receiver.url} refused" in notice["notified_via"]
    assert webhook["status"] == "failed"
    assert webhook["last_error"].startswith("refused: ")
    assert receiver.received == []


def test_subscription_is_checked_again_at_delivery(api: Api, receiver: Receiver) -> None:
    from trace_api.epcis.subscriptions import DeliveryWorker

    api.add_org("partner", "wholesaler")
    assert (
        api.as_org("partner", "POST", "/epcis/queries", json={"name": "all", "query": {}}).status_code == 201
    )
    url = "/epcis/queries/all/subscriptions"
    assert api.as_org("partner", "POST", url, json={"dest": receiver.url}).status_code == 201
    document = json.loads((CORPUS / "epcis" / "JSON" / "Example_9.6.1-ObjectEvent.jsonld").read_text())
    assert api.as_org("partner", "POST", "/epcis/capture", json=document).status_code == 202
    api.services.settings.webhook_allow_private = False

    delivered = DeliveryWorker(api.services).run_once()

    assert delivered == 0
    assert receiver.received == []


def test_webhook_targets_are_strict_by_default_outside_the_embedded_setup(tmp_path: Path) -> None:
    embedded = ServiceSettings(data_dir=tmp_path)
    listening = ServiceSettings(data_dir=tmp_path, api_host="0.0.0.0")
    external = ServiceSettings(data_dir=tmp_path, rpc_url="http://besu:8545")

    check_target("http://127.0.0.1:9/hook", embedded)
    for settings in (listening, external):
        with pytest.raises(UnsafeTarget, match="https://"):
            check_target("http://127.0.0.1:9/hook", settings)
        with pytest.raises(UnsafeTarget, match="loopback"):
            check_target("https://127.0.0.1:9/hook", settings)
