"""Risk warnings over the real trace API (real anvil, database and ledger): records of the kinds
the rules read are appended to the ledger as their domains write them, then evaluated."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from evidence import Actor, Record, Subject, rfc3339
from tests.api.conftest import Api
from tests.api.conftest import api as api  # the trace API (a fixture)
from trace_api.facts import AlertOpened

_serial = itertools.count()
START = dt.datetime(2026, 12, 1, 8, tzinfo=dt.UTC)


def append(api: Api, handle: str, kind: str, payload: dict[str, Any], day: float = 0) -> str:
    """Appends a record of ``kind`` as organisation ``handle``'s; answers its record id."""
    uscc = api.client.get("/v1/organisations/me", headers=api.headers(handle)).json()["uscc"]
    record_id = f"{kind}:test-{next(_serial)}"
    record = Record(
        kind=kind, record_id=record_id, time=rfc3339(START + dt.timedelta(days=day)),
        actor=Actor(org=uscc, key_id="test"), subjects=[Subject(type="org", id=uscc)], payload=payload,
    )  # fmt: skip
    api.services.ledger.append(record)
    return record_id


def excursion(api: Api, handle: str, day: float) -> str:
    fact = AlertOpened(
        alert_id=f"AL-{next(_serial)}", rule="temperature", device=f"{handle}/t1", place="冷库 1",
        storage_class="frozen", detail="-12.0 °C > -18 °C", started_at=rfc3339(START),
    )  # fmt: skip
    return append(api, handle, AlertOpened.KIND, fact.payload(), day)
