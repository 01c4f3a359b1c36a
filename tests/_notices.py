"""Owed notices in tests: the sender's first try refused while the broker is away, then one delivery."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import paho.mqtt.client as mqtt

from tests.ingest._broker import BrokerClient
from trace_api.notices import NoticeSender, OwedNotice


def refused_while_away(
    sender: NoticeSender, owed: Callable[[], Sequence[OwedNotice]], now: dt.datetime
) -> None:
    """The sender's first try fails (no broker answers): one attempt recorded, nothing delivered."""
    assert sender.run_once(now) == 0
    [failed] = owed()
    assert (failed.attempts, failed.delivered_at) == (1, None)
    assert str(failed.last_error).startswith("failed:")


def delivered_once(sender: NoticeSender, listener: BrokerClient, now: dt.datetime) -> mqtt.MQTTMessage:
    """With the broker back, the notice is sent once its backoff has passed, and only once; the
    ``listener`` (closed here) hears it on the organisations' alert topics."""
    try:
        assert not listener.connect().is_failure
        assert not listener.subscribe("suyuan/v1/+/alerts").is_failure
        assert sender.run_once(now + dt.timedelta(seconds=1)) == 0  # not due before its backoff
        assert sender.run_once(now + dt.timedelta(seconds=3)) == 1
        message = listener.next_message()
        assert sender.run_once(now + dt.timedelta(days=1)) == 0  # delivered once
    finally:
        listener.close()
    return message
