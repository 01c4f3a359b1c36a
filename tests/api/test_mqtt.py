"""Suyuan's own MQTT messages against a real Mosquitto with a password file and the shipped ACL:
percent-encoded credentials, refusals reported as such, no error noise, one publishing path."""

from __future__ import annotations

import ast
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.api.conftest import Api, batch_payload, serve_api
from tests.conftest import Network
from tests.ingest._broker import BrokerClient, ConfiguredBroker, free_port
from trace_api.devices import BrokerUrlError, PublishError, alert_topic, publish_json
from trace_api.notices.service import publish_mqtt
from trace_api.recalls.notify import NoticeWorker, recall_topic

REPO = Path(__file__).resolve().parents[2]
SERVICE = "suyuan"
#: Every character that has a meaning in a URL's user information.
SERVICE_PASSWORD = "p@ss:w/rd%?#"
DEVICE = "shop/probe-1"
DEVICE_PASSWORD = "probe@secret"
BATCH = "09506000134352.L2026-001"


def url_for(broker: ConfiguredBroker, username: str, password: str) -> str:
    return f"mqtt://{quote(username, safe='')}:{quote(password, safe='')}@127.0.0.1:{broker.port}"


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[ConfiguredBroker]:
    users = {SERVICE: SERVICE_PASSWORD, DEVICE: DEVICE_PASSWORD}
    with ConfiguredBroker(tmp_path / "broker", users, [SERVICE]) as running:
        yield running


@pytest.fixture
def listener(broker: ConfiguredBroker) -> Iterator[BrokerClient]:
    """The regulator's view: a service user reading every topic under the root."""
    client = BrokerClient(broker, SERVICE, SERVICE_PASSWORD, "listener")
    assert not client.connect().is_failure
    assert not client.subscribe("suyuan/v1/#").is_failure
    yield client
    client.close()


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]


def recall_held_by_shop(api: Api) -> str:
    """The importer ships a lot to a shop, which receives it; the regulator recalls the lot."""
    api.add_org("haixian", "importer")
    api.add_org("shop", "retailer")
    assert api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian")).status_code == 201
    for handle, body in (
        ("haixian", {"action": "ship", "counterparty": "shop"}),
        ("shop", {"action": "receive"}),
    ):
        scan = api.as_org(handle, "POST", "/v1/scans", json={"batch_id": BATCH, "location": "Shop", **body})
        assert scan.status_code == 201, scan.text
    recall = {"batch_id": BATCH, "reason": "Vibrio found in sample 检出弧菌", "recall_class": "I"}
    response = api.as_org("samr", "POST", "/v1/recalls", json=recall)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def shops_deliveries(api: Api, recall_id: str) -> list[dict[str, object]]:
    recall = api.as_org("samr", "GET", f"/v1/recalls/{recall_id}").json()
    [shop] = [n for n in recall["notices"] if n["org"] == "shop"]
    return list(shop["deliveries"])


def test_recall_notice_reaches_a_broker_whose_password_needs_percent_encoding(
    tmp_path: Path,
    network: Network,
    database_url: str,
    broker: ConfiguredBroker,
    listener: BrokerClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = url_for(broker, SERVICE, SERVICE_PASSWORD)
    with serve_api(tmp_path, network.client, network.regulator, database_url, url) as api:
        recall_id = recall_held_by_shop(api)

        delivered = NoticeWorker(api.services).run_once()
        message = listener.next_message()
        deliveries = shops_deliveries(api, recall_id)

    assert delivered == 1
    assert message.topic == recall_topic("shop") == "suyuan/v1/shop/recalls"
    assert json.loads(message.payload)["recall_id"] == recall_id
    assert json.loads(message.payload)["reason"] == "Vibrio found in sample 检出弧菌"
    assert [(d["channel"], d["status"], d["last_error"]) for d in deliveries] == [("mqtt", "delivered", None)]
    assert errors_logged(caplog) == []


def test_recall_notice_the_broker_refuses_is_not_counted_as_delivered(
    tmp_path: Path, network: Network, database_url: str, broker: ConfiguredBroker
) -> None:
    # A device's credentials by mistake: the ACL lets a device write only its own prefix.
    url = url_for(broker, DEVICE, DEVICE_PASSWORD)
    with serve_api(tmp_path, network.client, network.regulator, database_url, url) as api:
        recall_id = recall_held_by_shop(api)

        delivered = NoticeWorker(api.services).run_once()
        [delivery] = shops_deliveries(api, recall_id)

    assert delivered == 0
    assert (delivery["status"], delivery["attempts"]) == ("failed", 1)
    assert (
        delivery["last_error"]
        == "failed: the broker refused the message to suyuan/v1/shop/recalls: Not authorized"
    )


def test_notice_reaches_the_alert_topic_without_error_noise(
    broker: ConfiguredBroker, listener: BrokerClient, caplog: pytest.LogCaptureFixture
) -> None:
    body = {"event": "incident.rectified", "note": "厨师帽已发放 hats issued"}

    answer = publish_mqtt(url_for(broker, SERVICE, SERVICE_PASSWORD), alert_topic("canteen"), body)
    message = listener.next_message()

    assert answer is None
    assert (message.topic, json.loads(message.payload)) == ("suyuan/v1/canteen/alerts", body)
    assert errors_logged(caplog) == []


def test_notice_publishing_answers_how_it_failed_instead_of_raising(broker: ConfiguredBroker) -> None:
    wrong_password = publish_mqtt(url_for(broker, SERVICE, "guess"), alert_topic("canteen"), {})
    no_broker = publish_mqtt(f"mqtt://127.0.0.1:{free_port()}", alert_topic("canteen"), {})

    assert (
        wrong_password == f"failed: the broker 127.0.0.1:{broker.port} refused the connection: Not authorized"
    )
    assert str(no_broker).startswith("failed: [Errno 111]")


@pytest.mark.parametrize(
    "url", ["127.0.0.1:1883", "http://127.0.0.1:1883", "mqtt://:1883", "mqtt://127.0.0.1:port"]
)
def test_publish_json_refuses_a_url_that_names_no_broker(url: str) -> None:
    with pytest.raises(BrokerUrlError, match="SUYUAN_MQTT_URL"):
        publish_json(url, alert_topic("canteen"), {})


def test_publish_json_gives_up_on_a_broker_that_does_not_answer() -> None:
    with pytest.raises(PublishError):
        publish_json(f"mqtt://127.0.0.1:{free_port()}", alert_topic("canteen"), {}, timeout_s=1)


def _sources() -> Iterator[Path]:
    for root in ("trace-api/src/trace_api", "ingest/src/ingest", "deploy/src/suyuan"):
        yield from sorted((REPO / root).rglob("*.py"))


def test_every_mqtt_client_and_notice_goes_through_the_one_module() -> None:
    """Clients come from ``BrokerAddress.client`` (which decodes the URL's credentials) and
    notices go out through ``publish_json`` or ``publish_on``: nothing else imports paho's
    publish helpers or builds a paho client of its own; and topics are spelt from ``TOPIC_ROOT``
    (or the functions that build them), not written out."""
    helper = REPO / "trace-api/src/trace_api/devices/mqtt.py"
    topics = REPO / "trace-api/src/trace_api/devices/service.py"
    found = []
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = f"{path.relative_to(REPO)}"
        found += [
            f"{where}:{line} imports paho.mqtt.publish" for line in _imports_of(tree, "paho.mqtt.publish")
        ]
        if path != helper:
            found += [f"{where}:{line} builds a paho client of its own" for line in _paho_clients(tree)]
        if path != topics:
            found += [f"{where}:{line} writes the topic root out" for line in _topic_root_literals(tree)]

    assert found == []


def _imports_of(tree: ast.AST, module: str) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.startswith(module) for a in node.names):
            lines.append(node.lineno)
        if isinstance(node, ast.ImportFrom) and any(
            f"{node.module}.{a.name}".startswith(module) for a in node.names
        ):
            lines.append(node.lineno)
    return lines


def _topic_root_literals(tree: ast.AST) -> list[int]:
    """Lines of string literals holding ``suyuan/v1``, docstrings aside."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and "suyuan/v1" in node.value
        and id(node) not in docstrings
    ]


def _paho_clients(tree: ast.AST) -> list[int]:
    """Lines calling ``paho.mqtt.client.Client``, however the module was imported."""
    modules, classes = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {a.asname or a.name for a in node.names if a.name == "paho.mqtt.client"}
        if isinstance(node, ast.ImportFrom) and node.module == "paho.mqtt.client":
            classes |= {a.asname or a.name for a in node.names if a.name == "Client"}
        if isinstance(node, ast.ImportFrom) and node.module == "paho.mqtt":
            modules |= {a.asname or a.name for a in node.names if a.name == "client"}
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "Client" and ast.unparse(func.value) in modules:
            lines.append(node.lineno)
        if isinstance(func, ast.Name) and func.id in classes:
            lines.append(node.lineno)
    return lines
