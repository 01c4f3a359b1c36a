"""A warning is told after its commit: on the regulators' MQTT topic and their signed webhooks,
once each."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests._mqtt import Inbox
from tests._webhooks import Receiver
from tests.api.conftest import Api
from trace_api.notices import NoticeSender
from trace_api.risk import RiskEvaluator, default_rules, warning_topic
from trace_api.webhooks.service import sign

from .conftest import excursion


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_warning_goes_out_on_mqtt_and_webhooks_after_commit(api: Api, mqtt_url: str) -> None:
    api.add_org("coldstore", "importer")
    inbox = Inbox(mqtt_url, warning_topic("samr"))
    receiver = Receiver(path="/hooks/risk")
    try:
        hook = api.as_org("samr", "POST", "/v1/webhooks", json={"url": receiver.url}).json()
        for day in (0, 1, 2):
            excursion(api, "coldstore", day)
        (warning,) = RiskEvaluator(api.services, default_rules()).run_once()
        before = (list(receiver.received), inbox.messages[:])
        sender = NoticeSender(api.services)
        delivered = sender.run_once(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))
        again = sender.run_once(dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
        assert inbox.arrived.wait(10)
    finally:
        receiver.close()
        inbox.close()
    assert before == ([], [])
    assert (delivered, again) == (2, 0)
    headers, body = receiver.received[0]
    assert headers["Suyuan-Signature"] == sign(hook["secret"], body)
    assert headers["Suyuan-Event"] == "risk.warning_raised"
    for told in (json.loads(body), inbox.messages[0]):
        assert (told["warning_id"], told["level"], told["rule"]) == (
            warning.id,
            "orange",
            "coldchain_excursions",
        )
        assert told["evidence"] == json.loads(warning.evidence)
