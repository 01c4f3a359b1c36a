"""The broker deployment pieces against the real Mosquitto: password hashes that
``mosquitto_passwd`` and the broker agree with, the device/service ACL, and persistent
sessions that keep queued QoS 1 readings across a graceful restart."""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.mosquitto import acl_text, broker_config, passwd_file, password_hash, verify_password
from tests.ingest._broker import BrokerClient, ConfiguredBroker

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOY = REPO_ROOT / "deploy" / "mosquitto"
MOSQUITTO_PASSWD = "/usr/bin/mosquitto_passwd"

SERVICE = "suyuan"
DEVICE_A = "org-a/probe-1"
DEVICE_B = "org-b/probe-2"
PASSWORDS = {SERVICE: "service-secret", DEVICE_A: "a-secret", DEVICE_B: "b-secret"}
TOPIC_A = "suyuan/v1/org-a/probe-1/temperature"
TOPIC_B = "suyuan/v1/org-b/probe-2/temperature"
INGEST_SHARE = "$share/ingest/suyuan/v1/+/+/+"

SUCCESS = 0
NOT_AUTHORIZED = 135
BAD_USER_NAME_OR_PASSWORD = 134


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[ConfiguredBroker]:
    with ConfiguredBroker(tmp_path, PASSWORDS, [SERVICE]) as running:
        yield running


@pytest.fixture
def clients(broker: ConfiguredBroker) -> Iterator[list[BrokerClient]]:
    opened: list[BrokerClient] = []
    yield opened
    for client in opened:
        client.close()


def connect(
    broker: ConfiguredBroker,
    clients: list[BrokerClient],
    username: str,
    client_id: str,
    *,
    persistent: bool = False,
) -> BrokerClient:
    """Connect with the user's password; ``persistent`` keeps the session for an hour offline."""
    client = BrokerClient(
        broker,
        username,
        PASSWORDS[username],
        client_id,
        clean_start=not persistent,
        session_expiry_s=3600 if persistent else None,
    )
    clients.append(client)
    assert client.connect().value == SUCCESS
    return client


def mosquitto_passwd_entry(tmp_path: Path, username: str, password: str) -> str:
    path = tmp_path / "passwd-from-mosquitto"
    subprocess.run([MOSQUITTO_PASSWD, "-c", "-b", str(path), username, password], check=True, timeout=10)
    user, _, encoded = path.read_text().strip().partition(":")
    assert user == username
    return encoded


def test_password_hash_reproduces_mosquitto_passwd_entry(tmp_path: Path) -> None:
    encoded = mosquitto_passwd_entry(tmp_path, DEVICE_A, "a-secret")
    _, kind, iterations, salt_b64, _ = encoded.split("$")
    salt = base64.b64decode(salt_b64)

    assert (kind, iterations, len(salt)) == ("7", "101", 12)
    assert password_hash("a-secret", salt=salt, iterations=int(iterations)) == encoded
    assert verify_password("a-secret", encoded)
    assert not verify_password("a-secreT", encoded)


def test_password_hash_verifies_with_fresh_salt_each_time() -> None:
    first, second = password_hash("s3cret"), password_hash("s3cret")

    assert first != second
    assert first.startswith("$7$101$")
    assert verify_password("s3cret", first)
    assert verify_password("s3cret", second)
    assert not verify_password("s3cret ", first)


def test_password_hash_rejected_when_salt_is_not_mosquittos_length() -> None:
    # Mosquitto 2.0 silently drops a password file entry whose salt is not 12 bytes.
    with pytest.raises(ValueError, match="12 bytes"):
        password_hash("s3cret", salt=b"short")


def test_verify_password_raises_when_hash_is_malformed() -> None:
    for encoded in ("", "plain", "$6$c2FsdA==$aGFzaA==", "$7$x$c2FsdA==$aGFzaA==", "$7$101$!!$aGFzaA=="):
        with pytest.raises(ValueError, match=r"\$7\$"):
            verify_password("s3cret", encoded)


def test_passwd_file_sorted_one_line_per_user() -> None:
    entries = [("suyuan", "$7$101$c$h"), ("org-b/probe-2", "$7$101$b$h"), ("org-a/x", "$7$101$a$h")]
    rendered = passwd_file(entries)

    assert rendered == "org-a/x:$7$101$a$h\norg-b/probe-2:$7$101$b$h\nsuyuan:$7$101$c$h\n"


@pytest.mark.parametrize(
    "username", ["org-a:probe", "org-a/probe\n", "org-a/\rprobe", "", " org-a/x", "#org"]
)
def test_passwd_file_rejects_user_name_that_breaks_the_file(username: str) -> None:
    with pytest.raises(ValueError, match="user name") as raised:
        passwd_file([("fine", "$7$101$a$h"), (username, "$7$101$a$h")])
    assert repr(username) in str(raised.value)


def test_acl_text_matches_shipped_acl() -> None:
    assert (DEPLOY / "acl").read_text() == acl_text([SERVICE])


def test_broker_config_matches_shipped_config() -> None:
    expected = broker_config(
        1883,
        Path("/var/lib/mosquitto"),
        Path("/etc/mosquitto/suyuan/passwd"),
        Path("/etc/mosquitto/suyuan/acl"),
        bind="0.0.0.0",
    )
    assert (DEPLOY / "mosquitto.conf").read_text() == expected


def test_acl_text_rejects_service_user_with_wildcard() -> None:
    # Mosquitto denies every ACL check to such a user once pattern ACLs exist.
    with pytest.raises(ValueError, match="ingest#"):
        acl_text(["ingest#"])


def test_device_connects_with_our_hash(broker: ConfiguredBroker, clients: list[BrokerClient]) -> None:
    connect(broker, clients, DEVICE_A, "org-a-probe-1")


def test_device_refused_with_wrong_password(broker: ConfiguredBroker) -> None:
    client = BrokerClient(broker, DEVICE_A, "not-the-secret", "org-a-probe-1")
    try:
        reason = client.connect()
    finally:
        client.close()

    assert reason.is_failure
    # Mosquitto 2.0 answers 135 Not authorized; the MQTT 5 spec also allows 134.
    assert reason.value in (NOT_AUTHORIZED, BAD_USER_NAME_OR_PASSWORD)


def test_device_reading_reaches_service_share(broker: ConfiguredBroker, clients: list[BrokerClient]) -> None:
    service = connect(broker, clients, SERVICE, "ingest-1")
    assert service.subscribe(INGEST_SHARE).value == 1  # granted QoS 1
    device = connect(broker, clients, DEVICE_A, "org-a-probe-1")

    assert device.publish(TOPIC_A, b"4.5").value == SUCCESS
    message = service.next_message()
    assert (message.topic, message.payload) == (TOPIC_A, b"4.5")


def test_device_publish_under_other_device_refused(
    broker: ConfiguredBroker, clients: list[BrokerClient]
) -> None:
    service = connect(broker, clients, SERVICE, "ingest-1")
    assert service.subscribe(INGEST_SHARE).value == 1
    device_a = connect(broker, clients, DEVICE_A, "org-a-probe-1")
    device_b = connect(broker, clients, DEVICE_B, "org-b-probe-2")

    forged = device_a.publish(TOPIC_B, b"forged")
    assert forged.value == NOT_AUTHORIZED
    # Mosquitto 2.0 also drops the connection of a client whose publish it refused.
    assert device_a.disconnected.wait(5)
    # The forged reading was refused before device B's was accepted; the service gets
    # messages in the order the broker routed them, so B's comes first if the forgery is gone.
    assert device_b.publish(TOPIC_B, b"genuine").value == SUCCESS
    assert service.next_message().payload == b"genuine"


def test_device_cannot_publish_alerts_but_service_can(
    broker: ConfiguredBroker, clients: list[BrokerClient]
) -> None:
    device = connect(broker, clients, DEVICE_A, "org-a-probe-1")
    service = connect(broker, clients, SERVICE, "ingest-1")

    assert device.publish("suyuan/v1/org-a/alerts", b"fake alert").value == NOT_AUTHORIZED
    for topic in ("suyuan/v1/org-a/alerts", "suyuan/v1/org-a/recalls"):
        assert not service.publish(topic, b"{}").is_failure  # 16 "No matching subscribers" is fine
    assert service.publish("suyuan/v1/org-a/probe-1/temperature", b"1").value == NOT_AUTHORIZED


def test_device_subscribed_to_other_device_receives_nothing(
    broker: ConfiguredBroker, clients: list[BrokerClient]
) -> None:
    device_a = connect(broker, clients, DEVICE_A, "org-a-probe-1")
    device_b = connect(broker, clients, DEVICE_B, "org-b-probe-2")

    # Mosquitto 2.0's acl_file does not check SUBSCRIBE at all (the SUBACK grants it); it
    # checks read access for each message it would deliver.
    suback = device_a.subscribe("suyuan/v1/org-b/+/+")
    assert suback.value in (0, 1, NOT_AUTHORIZED)
    assert device_b.publish(TOPIC_B, b"private").value == SUCCESS
    # B's reading was routed before its PUBACK; had it been queued for A, it would reach A
    # ahead of the PUBACK for A's own publish below.
    assert not device_a.publish(TOPIC_A, b"barrier").is_failure
    assert device_a.messages.empty()


def test_device_subscribing_to_a_share_group_not_the_workers_diverts_no_reading(
    broker: ConfiguredBroker, clients: list[BrokerClient]
) -> None:
    # Mosquitto 2.0's acl_file does not check SUBSCRIBE: a device that joined the workers' own
    # share group would be handed its turn of readings and they would be dropped. The workers'
    # group is therefore a configured secret (SUYUAN_MQTT_SHARE_GROUP); a guess diverts nothing.
    service = connect(broker, clients, SERVICE, "ingest-1")
    assert service.subscribe(INGEST_SHARE).value == 1
    intruder = connect(broker, clients, DEVICE_B, "org-b-probe-2")
    intruder.subscribe("$share/suyuan-ingest/suyuan/v1/+/+/+")
    intruder.subscribe("suyuan/v1/#")
    device = connect(broker, clients, DEVICE_A, "org-a-probe-1")

    assert service.subscribe("suyuan/v1/+/alerts").value == 1
    payloads = [str(i).encode() for i in range(4)]
    assert all(code.value == SUCCESS for code in device.publish_all((TOPIC_A, p) for p in payloads))
    # The alert is routed after every reading was acknowledged, so it reaches the service last.
    assert not service.publish("suyuan/v1/org-a/alerts", b"barrier").is_failure
    received = []
    while (message := service.next_message()).topic == TOPIC_A:
        received.append(message.payload)

    assert received == payloads
    assert intruder.messages.empty()


def test_persistent_session_keeps_queued_readings_across_graceful_restart(
    broker: ConfiguredBroker, clients: list[BrokerClient]
) -> None:
    ingest = connect(broker, clients, SERVICE, "ingest-durable", persistent=True)
    assert ingest.subscribe(INGEST_SHARE).value == 1
    ingest.close()
    device = connect(broker, clients, DEVICE_A, "org-a-probe-1")
    payloads = [f"{i}".encode() for i in range(50)]
    codes = device.publish_all((TOPIC_A, payload) for payload in payloads)
    assert [code.value for code in codes] == [SUCCESS] * 50
    device.close()

    port = broker.port
    broker.restart()
    assert broker.port == port

    ingest = connect(broker, clients, SERVICE, "ingest-durable", persistent=True)
    assert ingest.session_present
    assert [ingest.next_message().payload for _ in payloads] == payloads


def test_offline_session_queue_is_not_capped(broker: ConfiguredBroker, clients: list[BrokerClient]) -> None:
    # Mosquitto's default max_queued_messages (1000) would silently drop the rest.
    ingest = connect(broker, clients, SERVICE, "ingest-durable", persistent=True)
    assert ingest.subscribe(INGEST_SHARE).value == 1
    ingest.close()
    device = connect(broker, clients, DEVICE_A, "org-a-probe-1")
    payloads = [f"{i}".encode() for i in range(1500)]
    assert not any(code.is_failure for code in device.publish_all((TOPIC_A, p) for p in payloads))

    ingest = connect(broker, clients, SERVICE, "ingest-durable", persistent=True)
    assert [ingest.next_message().payload for _ in payloads] == payloads
