"""``suyuan bench epcis``: capture rate for a 10,000-event document, query latency over 1M events,
and how long ``/livez`` takes to answer while a capture runs behind the same uvicorn server.

Capture runs through the real path (schema validation, Event Hash IDs, ledger records, query
index), sent as a client must send it: ``rollback`` up to ``SUYUAN_EPCIS_ROLLBACK_MAX_EVENTS``
events, ``proceed`` (written in chunks) above. The 1,000,000 stored events for the query figure
are bulk-loaded into the query tables (:func:`trace_api.bulk.bulk_store_epcis_events`): the
query reads only those, and capturing a million events first would take longer than the
benchmark is worth.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import Session

from chain import LocalNode
from trace_api.app import create_app
from trace_api.bulk import bulk_store_epcis_events
from trace_api.epcis import EPCIS_CONTEXT, document_prehashes
from trace_api.epcis.capture import Behaviour
from trace_api.epcis.capture_jobs import BEHAVIOUR_HEADER, capture_document
from trace_api.epcis.hashing import hash_path_counts
from trace_api.epcis.query import query_events
from trace_api.orgs import Member, with_check_character
from trace_api.server import start_server
from trace_api.services import Services
from trace_api.settings import ServiceSettings

from ._network import admit_organisation, fresh_services

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


def _services(tmp: Path, node: LocalNode) -> tuple[Services, Member, str]:
    services = fresh_services(node, ServiceSettings(data_dir=tmp / "data"))
    uscc = with_check_character("91310000MA1E00001")
    member, key = admit_organisation(services, "bench-partner", "partner", "wholesaler", uscc)
    return services, member, key


def _behaviour(services: Services, count: int) -> Behaviour:
    """As a client must send the document: ``rollback`` up to its limit, else ``proceed`` (in chunks)."""
    return "rollback" if count <= services.settings.epcis_rollback_max_events else "proceed"


def _capture_rate(services: Services, member: Member, count: int) -> dict[str, Any]:
    """Capture rate of a ``count``-event document, how many of its events the fast hash path
    could not take (hashed by the reference instead), and the rates of both hash paths alone."""
    document = _document(count)
    before = hash_path_counts()
    started = time.perf_counter()
    job = capture_document(services, member, document, _behaviour(services, count))
    elapsed = time.perf_counter() - started
    after = hash_path_counts()
    if job.status != "succeeded":
        raise RuntimeError(f"bench capture failed: {job.errors[:300]}")
    return {
        "capture_events_per_s": round(count / elapsed, 1),
        "capture_hash_fallback_events": after["reference"] - before["reference"],
        "capture_hash_expansions": after["expansions"] - before["expansions"],
        "hash_events_per_s": round(_hash_rate(document, reference=False), 1),
        "reference_hash_events_per_s": round(_hash_rate(document, reference=True), 1),
    }


def _hash_rate(document: dict[str, Any], reference: bool) -> float:
    """Pre-hash strings of the document's events per second: ``reference`` by epcis-event-hash-generator
    itself, one call for the whole document (its fastest use), else by the fast path."""
    started = time.perf_counter()
    prehashes = document_prehashes(document, reference=reference)
    elapsed = time.perf_counter() - started
    return len(prehashes) / elapsed


def _livez_during_capture(services: Services, key: str, count: int) -> dict[str, float]:
    """``/livez`` latencies (ms) probed every 50 ms while a ``count``-event document is captured
    over HTTP by the same server, against the same probe with no capture running."""
    url, stop = start_server(create_app(services), "127.0.0.1", 0)
    try:
        headers = {"Authorization": f"Bearer {key}", BEHAVIOUR_HEADER: _behaviour(services, count)}
        answered = threading.Event()
        failure: list[str] = []

        def capture() -> None:
            try:
                with httpx.Client(base_url=url, timeout=600) as client:
                    document = _document(count, offset=count)
                    response = client.post("/epcis/capture", json=document, headers=headers)
                    if response.status_code >= 400 or response.json().get("status") != "succeeded":
                        failure.append(response.text[:300])
            finally:
                answered.set()

        with httpx.Client(base_url=url, timeout=600) as client:
            idle = [_probe(client) for _ in range(40)]
            thread = threading.Thread(target=capture, name="bench-capture", daemon=True)
            thread.start()
            busy = []
            while not answered.is_set():
                busy.append(_probe(client))
                answered.wait(0.05)
            thread.join()
        if failure:
            raise RuntimeError(f"bench capture over HTTP failed: {failure[0]}")
        return {
            "livez_ms_p50_idle": round(statistics.median(idle), 2),
            "livez_ms_p50_during_capture": round(statistics.median(busy), 2),
            "livez_ms_max_during_capture": round(max(busy), 2),
            "livez_probes_during_capture": len(busy),
        }
    finally:
        stop()


def _probe(client: httpx.Client) -> float:
    started = time.perf_counter()
    client.get("/livez").raise_for_status()
    return (time.perf_counter() - started) * 1000


def _bulk_events(services: Services, member: Member, total: int, progress: Progress) -> None:
    chunk = 20_000
    for start in range(0, total, chunk):
        events = [
            (f"ni:///sha-256;{n:064x}?ver=CBV2.0", _event(BULK_OFFSET + n))
            for n in range(start, min(total, start + chunk))
        ]
        bulk_store_epcis_events(services, member.org, events)
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


def run_epcis_bench(events: int, stored: int, progress: Progress, probed: int = 1500) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory(prefix="suyuan-bench-epcis-") as name,
        LocalNode(Path(name) / "anvil", chain_id=31337) as node,
    ):
        services, member, key = _services(Path(name), node)
        result: dict[str, Any] = {"bench": "epcis", "database": "sqlite", "document_events": events}
        result["capture_behaviour"] = _behaviour(services, events)
        result.update(_capture_rate(services, member, events))
        progress("capture", events, events)
        result["probed_capture_events"] = probed
        result.update(_livez_during_capture(services, key, probed))
        _bulk_events(services, member, stored - events, progress)
        result["stored_events"] = stored
        key = "query_ms_p99" if stored == 1_000_000 else f"query_ms_p99_{stored}"
        result[key] = _query_p99_ms(services, member, stored - events)
        return result
