"""Webhook and EPCIS subscription targets: https to public addresses, checked again at delivery,
which connects to exactly the address it checked."""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from tests._webhooks import Receiver, self_signed
from tests.api.conftest import Api, batch_payload
from tests.conftest import CORPUS
from trace_api.epcis.models import Delivery
from trace_api.settings import ServiceSettings
from trace_api.webhooks import targets
from trace_api.webhooks.targets import Address, UnsafeTarget, check_target

BATCH = "09506000134352.L2026-001"
PUBLIC_IP = "93.184.215.14"
PUBLIC = f"https://{PUBLIC_IP}/hooks/recall"  # an IP literal: resolving it needs no network
EVENT_DOC = CORPUS / "epcis" / "JSON" / "Example_9.6.1-ObjectEvent.jsonld"


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
    _capture_one_event(api)
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


class Rebinding:
    """A hostile DNS server: a public address to the first question, loopback to every later one."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, host: str, port: int) -> list[Address]:
        self.asked.append(host)
        return [ipaddress.ip_address(PUBLIC_IP if len(self.asked) == 1 else "127.0.0.1")]


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every TCP connection opened, as (host, port); those to PUBLIC_IP are refused at once, as on a
    machine without internet, the rest are made."""
    opened: list[tuple[str, int]] = []
    connect = socket.create_connection

    def create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        opened.append((address[0], address[1]))
        if address[0] == PUBLIC_IP:
            raise ConnectionRefusedError(111, "Connection refused")
        return connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", create_connection)
    return opened


def _rebind(api: Api, monkeypatch: pytest.MonkeyPatch) -> Rebinding:
    """From now on, private targets are refused and the name is answered by a rebinding DNS server."""
    api.services.settings.webhook_allow_private = False
    rebinding = Rebinding()
    monkeypatch.setattr(targets, "resolve", rebinding)
    return rebinding


def _capture_one_event(api: Api) -> None:
    document = json.loads(EVENT_DOC.read_text())
    document["epcisBody"]["eventList"] = document["epcisBody"]["eventList"][:1]
    assert api.as_org("partner", "POST", "/epcis/capture", json=document).status_code == 202


def _subscribe(api: Api, dest: str) -> None:
    api.add_org("partner", "wholesaler")
    query = {"name": "all", "query": {}}
    assert api.as_org("partner", "POST", "/epcis/queries", json=query).status_code == 201
    response = api.as_org("partner", "POST", "/epcis/queries/all/subscriptions", json={"dest": dest})
    assert response.status_code == 201, response.text


def _deliveries(api: Api) -> list[Delivery]:
    with Session(api.services.engine) as session:
        return list(session.exec(select(Delivery)))


def test_recall_webhook_rebound_to_loopback_after_the_check_is_not_reached(
    api: Api, receiver: Receiver, connections: list[tuple[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from trace_api.recalls.notify import NoticeWorker

    url = f"http://localhost:{receiver.port}/hook"  # allowed: http is, and the name resolves public
    api.add_org("haixian", "importer")
    assert api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian")).status_code == 201
    assert api.as_org("haixian", "POST", "/v1/webhooks", json={"url": url}).status_code == 201
    recall = api.as_org(
        "samr", "POST", "/v1/recalls", json={"batch_id": BATCH, "reason": "Vibrio found", "recall_class": "I"}
    )
    rebinding = _rebind(api, monkeypatch)

    NoticeWorker(api.services).run_once()

    assert recall.status_code == 201, recall.text
    assert receiver.received == []
    assert not receiver.wait_entered(1, timeout_s=0)
    assert [c for c in connections if c[1] == receiver.port] == [(PUBLIC_IP, receiver.port)]
    assert rebinding.asked == ["localhost"]
    after = api.as_org("samr", "GET", f"/v1/recalls/{recall.json()['id']}").json()
    notice = next(n for n in after["notices"] if n["org"] == "haixian")
    webhook = next(d for d in notice["deliveries"] if d["channel"] == "webhook")
    assert webhook["status"] == "failed"
    assert webhook["last_error"] == "failed: [Errno 111] Connection refused"


def test_subscription_rebound_to_loopback_after_the_check_is_not_reached(
    api: Api, receiver: Receiver, connections: list[tuple[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from trace_api.epcis.subscriptions import DeliveryWorker

    _subscribe(api, f"http://localhost:{receiver.port}/hook")
    _capture_one_event(api)
    rebinding = _rebind(api, monkeypatch)

    delivered = DeliveryWorker(api.services).run_once()

    assert delivered == 0
    assert receiver.received == []
    assert not receiver.wait_entered(1, timeout_s=0)
    assert [c for c in connections if c[1] == receiver.port] == [(PUBLIC_IP, receiver.port)]
    assert rebinding.asked == ["localhost"]
    [delivery] = _deliveries(api)
    assert (delivery.delivered_at, delivery.attempts) == (None, 1)
    assert delivery.last_error == "[Errno 111] Connection refused"


@pytest.fixture
def hooks_example(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """``hooks.example`` resolves to 127.0.0.1 (it resolves nowhere otherwise); the names asked."""
    asked: list[str] = []

    def resolve(host: str, port: int) -> list[Address]:
        asked.append(host)
        assert host == "hooks.example"
        return [ipaddress.ip_address("127.0.0.1")]

    monkeypatch.setattr(targets, "resolve", resolve)
    return asked


def _tls_receiver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, certified: str) -> Receiver:
    """An https receiver at hooks.example whose certificate is for ``certified``, which clients trust."""
    context, certificate = self_signed(tmp_path, certified)
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate))
    return Receiver(path="/epcis", tls=context, host="hooks.example")


def test_delivery_keeps_the_host_name_for_the_host_header_and_the_certificate(
    api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hooks_example: list[str]
) -> None:
    from trace_api.epcis.subscriptions import DeliveryWorker

    receiver = _tls_receiver(tmp_path, monkeypatch, "hooks.example")
    try:
        _subscribe(api, receiver.url)
        _capture_one_event(api)
        delivered = DeliveryWorker(api.services).run_once()
    finally:
        receiver.close()

    assert delivered == 1, _deliveries(api)[0].last_error
    [(headers, body)] = receiver.received
    assert headers["Host"] == f"hooks.example:{receiver.port}"
    assert json.loads(body)["eventID"] == headers["GS1-Event-ID"]
    assert hooks_example == ["hooks.example"]  # once, at delivery (registration may not resolve)


def test_delivery_refuses_a_certificate_for_the_address_instead_of_the_host_name(
    api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hooks_example: list[str]
) -> None:
    from trace_api.epcis.subscriptions import DeliveryWorker

    receiver = _tls_receiver(tmp_path, monkeypatch, "127.0.0.1")  # valid for the address connected to
    try:
        _subscribe(api, receiver.url)
        _capture_one_event(api)
        delivered = DeliveryWorker(api.services).run_once()
    finally:
        receiver.close()

    assert delivered == 0
    assert receiver.received == []
    [delivery] = _deliveries(api)
    assert delivery.last_error is not None
    assert "certificate verify failed" in delivery.last_error
    assert "not valid for 'hooks.example'" in delivery.last_error
