"""``suyuan bench epcis``: capture rate for a 10,000-event document, query latency over 1M events.

Capture runs through the real path (schema validation, Event Hash IDs, ledger records, query
index). The 1,000,000 stored events for the query figure are written straight into the query
tables in bulk: the query reads only those, and capturing a million events first would take
longer than the benchmark is worth.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eth_account import Account
from sqlmodel import Session

from chain import ChainClient, Keystore, LocalNode, connect, deploy_contracts, id_hash
from evidence import open_ledger

from ..orgs._uscc import with_check_character
from ..orgs.service import Member, OrganisationIn, create_organisation
from ..services import Services
from ..settings import ServiceSettings
from .capture_jobs import capture_document
from .documents import EPCIS_CONTEXT
from .models import EpcisEvent, EpcisEventKey
from .query import query_events

Progress = Callable[[str, int, int], None]
BIZ_STEPS = ("shipping", "receiving", "storing", "retail_selling", "commissioning")
BULK_OFFSET = 1_000_000


def _event(n: int) -> dict[str, Any]:
    day = dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=n * 37)
    return {
        "type": "ObjectEvent",
        "action": "OBSERVE",
        "eventTime": day.isoformat().replace("+00:00", "Z"),
        "eventTimeZoneOffset": "+08:00",
        "epcList": [f"urn:epc:id:sgtin:0614141.107346.{n}"],
        "bizStep": BIZ_STEPS[n % len(BIZ_STEPS)],
        "disposition": "in_progress",
        "readPoint": {"id": f"urn:epc:id:sgln:0614141.00777.{n % 50}"},
    }


def _document(count: int, offset: int = 0) -> dict[str, Any]:
    return {
        "@context": [EPCIS_CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-01-01T00:00:00Z",
        "epcisBody": {"eventList": [_event(offset + n) for n in range(count)]},
    }


def _services(tmp: Path, node: LocalNode) -> tuple[Services, Member]:
    assert node.rpc_url is not None
    w3 = connect(node.rpc_url)
    regulator = Account.create()
    chain = ChainClient(w3, deploy_contracts(w3, regulator, id_hash("bench")))
    settings = ServiceSettings(data_dir=tmp / "data")
    ledger = open_ledger(settings)
    services = Services(
        settings, ledger.engine, ledger, chain, Keystore(settings.keys_dir, "b", scrypt_n=2**10), regulator
    )
    services.create_tables()
    body = "91310000MA1E00001"
    data = OrganisationIn.model_validate(
        {
            "handle": "bench-partner",
            "name": "partner",
            "org_type": "wholesaler",
            "uscc": with_check_character(body),
            "jurisdiction": "bench",
        }
    )
    with Session(services.engine) as session:
        org, key = create_organisation(services, session, data)
    return services, Member(org=org, key_id=key.split("_")[1], kind="member")


def _capture_rate(services: Services, member: Member, count: int) -> float:
    document = _document(count)
    started = time.perf_counter()
    job = capture_document(services, member, document, "rollback")
    elapsed = time.perf_counter() - started
    if job.status != "succeeded":
        raise RuntimeError(f"bench capture failed: {job.errors[:300]}")
    return count / elapsed


def _bulk_events(services: Services, member: Member, total: int, progress: Progress) -> None:
    now = dt.datetime.now(dt.UTC)
    events_table = EpcisEvent.__table__  # type: ignore[attr-defined]
    keys_table = EpcisEventKey.__table__  # type: ignore[attr-defined]
    chunk = 20_000
    with services.engine.begin() as conn:
        for start in range(0, total, chunk):
            rows, keys = [], []
            for n in range(start, min(total, start + chunk)):
                event = _event(BULK_OFFSET + n)
                event_id = f"ni:///sha-256;{n:064x}?ver=CBV2.0"
                rows.append(
                    {
                        "event_id": event_id,
                        "event_type": "ObjectEvent",
                        "action": "OBSERVE",
                        "event_time": dt.datetime.fromisoformat(event["eventTime"].replace("Z", "+00:00")),
                        "record_time": now,
                        "biz_step": event["bizStep"],
                        "disposition": "in_progress",
                        "read_point": event["readPoint"]["id"],
                        "biz_location": None,
                        "org_id": member.org.id,
                        "capture_id": None,
                        "record_id": event_id,
                        "body": json.dumps(event),
                    }
                )
                keys += [
                    {"event_id": event_id, "kind": kind, "value": event["epcList"][0]}
                    for kind in ("epc", "anyEPC")
                ]
            conn.execute(events_table.insert(), rows)
            conn.execute(keys_table.insert(), keys)
            progress("store events", min(total, start + chunk), total)


def _query_p99_ms(services: Services, member: Member, bulk: int, samples: int = 300) -> float:
    rng = random.Random(7)
    timings = []
    with Session(services.engine) as session:
        for _ in range(samples):
            n = BULK_OFFSET + rng.randrange(bulk)
            params = {
                "MATCH_epc": [f"urn:epc:id:sgtin:0614141.107346.{n}"],
                "EQ_bizStep": [BIZ_STEPS[n % 5]],
                "GE_eventTime": ["2026-01-01T00:00:00Z"],
                "perPage": ["100"],
            }
            started = time.perf_counter()
            rows, _ = query_events(session, member, params)
            timings.append((time.perf_counter() - started) * 1000)
            if len(rows) != 1:
                raise RuntimeError(f"query found {len(rows)} events, expected 1")
    return round(statistics.quantiles(timings, n=100)[98], 2)


def run_epcis_bench(events: int, stored: int, progress: Progress) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory(prefix="suyuan-bench-epcis-") as name,
        LocalNode(Path(name) / "anvil", chain_id=31337) as node,
    ):
        services, member = _services(Path(name), node)
        result: dict[str, Any] = {"bench": "epcis", "database": "sqlite", "document_events": events}
        result["capture_events_per_s"] = round(_capture_rate(services, member, events), 1)
        progress("capture", events, events)
        _bulk_events(services, member, stored - events, progress)
        result["stored_events"] = stored
        key = "query_ms_p99" if stored == 1_000_000 else f"query_ms_p99_{stored}"
        result[key] = _query_p99_ms(services, member, stored - events)
        return result
