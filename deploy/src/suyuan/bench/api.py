"""``suyuan bench api``: the trace API under load, on a fresh anvil node and SQLite.

- ``resolver_req_per_s`` against ``baseline_req_per_s``: consumer pages (JSON, every shown record
  verified) against ``/livez`` of the same app, same uvicorn server, same load generator.
- ``trace_ms_p99_10k`` and ``trace_ms_p99_1m``: tracing one lot in networks of 10,000 and of
  1,000,000 recorded events (five events per lot: admitted, shipped, received, shipped, received).
- ``recall_end_to_end_ms``: ``POST /v1/recalls`` on a 5-hop network holding 10,000 items.
- ``codes_per_s``: issuing 50,000 item codes in one call.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import random
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet
from eth_account import Account

from chain import LocalNode, Role, id_hash
from evidence import Anchorer
from regulator_console import mount_console
from trace_api.app import create_app
from trace_api.bulk import LotHistory, bulk_load_lots
from trace_api.chainops import ChainWorker
from trace_api.codes.service import issue_codes
from trace_api.orgs import Member, with_check_character
from trace_api.server import start_server
from trace_api.services import writing
from trace_api.settings import ServiceSettings

from ._network import admit_organisation, fresh_services

Progress = Callable[[str, int, int], None]
HOPS = ("bench-importer", "bench-hub", "bench-distributor", "bench-wholesale", "bench-retail")
KINDS = ("importer", "wholesaler", "wholesaler", "wholesaler", "retailer")


def _uscc(n: int) -> str:
    body = f"91310000MA1B{n:05d}"
    return with_check_character(body)


class _Bench:
    def __init__(self, tmp: Path, node: LocalNode, console: bool = False) -> None:
        self.services = fresh_services(node, ServiceSettings(data_dir=tmp / "data"))
        self.anchor_account = Account.create()
        chain = self.services.chain
        chain.grant_member(
            self.services.regulator_key, self.anchor_account.address, Role.ANCHOR, id_hash("bench")
        )
        self.keys: dict[str, str] = {}
        self.members: dict[str, Member] = {}
        for n, (handle, kind) in enumerate((("bench-samr", "regulator"), *zip(HOPS, KINDS, strict=True))):
            self.members[handle], self.keys[handle] = admit_organisation(
                self.services, handle, handle, kind, _uscc(n)
            )
        app = create_app(self.services)
        if console:
            mount_console(app, Fernet.generate_key())
        self.url, stop_server = start_server(app, "127.0.0.1", 0)
        stop_worker = ChainWorker(self.services).start()  # as `suyuan up` runs it

        def stop() -> None:
            stop_server()
            stop_worker()

        self.stop = stop
        self.http = httpx.Client(base_url=self.url, timeout=120)

    def call(self, handle: str, method: str, url: str, **kwargs: Any) -> Any:
        response = self.http.request(
            method, url, headers={"Authorization": f"Bearer {self.keys[handle]}"}, **kwargs
        )
        if response.status_code >= 300:
            raise RuntimeError(f"{method} {url}: {response.status_code} {response.text}")
        return response.json()

    def admit(self, lot: str) -> str:
        doc = {}
        for kind in ("quarantine", "nucleic_acid_test", "disinfection"):
            doc[kind] = self.call(
                "bench-importer", "POST", "/v1/documents", files={"file": (kind, f"{kind} {lot}".encode())}
            )["sha256"]
        certificates = [
            {
                "cert_type": k,
                "number": f"N-{k}",
                "issuer": "GACC",
                "issued_on": "2026-11-01",
                "result": "negative" if k == "nucleic_acid_test" else "pass",
                "document_sha256": h,
            }
            for k, h in doc.items()
        ]
        body = {
            "gtin": "06901234567892",
            "lot": lot,
            "product_name": "Bench shrimp",
            "quantity": 10_000,
            "unit": "KGM",
            "storage_class": "frozen",
            "origin_country": "EC",
            "producer": "P",
            "establishment_number": "E",
            "production_date": "2026-09-01",
            "expiry_date": "2027-09-01",
            "customs_declaration": "2233",
            "certificates": certificates,
        }
        return str(self.call("bench-importer", "POST", "/v1/batches", json=body)["id"])

    def scan(self, handle: str, **body: Any) -> None:
        self.call(handle, "POST", "/v1/scans", json={"location": "bench", **body})


def _rate(http: httpx.Client, url: str, headers: dict[str, str], seconds: float, threads: int = 4) -> float:
    """Requests per second that ``threads`` clients sustain for ``seconds``."""
    counts = [0] * threads
    deadline = time.perf_counter() + seconds

    def worker(slot: int) -> None:
        with httpx.Client(base_url=str(http.base_url), timeout=60) as client:
            while time.perf_counter() < deadline:
                response = client.get(url, headers=headers)
                if response.status_code != 200:
                    raise RuntimeError(f"{url}: {response.status_code}")
                counts[slot] += 1

    started = time.perf_counter()
    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(counts) / (time.perf_counter() - started)


def _resolver_rates(bench: _Bench, seconds: float) -> dict[str, Any]:
    lot = bench.admit("RES-1")
    codes = bench.call("bench-importer", "POST", f"/v1/batches/{lot}/codes", json={"count": 10})["codes"]
    bench.scan("bench-importer", action="ship", batch_id=lot, counterparty="bench-retail")
    bench.scan("bench-retail", action="receive", batch_id=lot)
    bench.scan("bench-retail", action="sell", code=codes[0])
    Anchorer(bench.services.ledger, lambda: bench.services.chain, bench.anchor_account).step()
    path = "/01/" + codes[0].split("/01/", 1)[1]
    page = bench.http.get(path, headers={"Accept": "application/json"}).json()
    assert page["verification"]["status"] == "verified", page["verification"]
    resolver = _rate(bench.http, path, {"Accept": "application/json"}, seconds)
    baseline = _rate(bench.http, "/livez", {}, seconds)
    return {
        "resolver_req_per_s": round(resolver, 1),
        "baseline_req_per_s": round(baseline, 1),
        "resolver_ratio": round(resolver / baseline, 3),
        "resolver_records_verified": len(page["verification"]["records"]),
    }


def _codes_rate(bench: _Bench, count: int) -> float:
    lot = bench.admit("CODES-1")
    with writing(bench.services) as session:
        started = time.perf_counter()
        issue_codes(bench.services, session, bench.members["bench-importer"], lot, count)
        session.flush()
    return count / (time.perf_counter() - started)


def _recall_ms(bench: _Bench, items: int) -> float:
    """A lot passed down five hops, split at each so that every hop holds part of it, 10,000 items coded."""
    root = bench.admit("RECALL-1")
    bench.call("bench-importer", "POST", f"/v1/batches/{root}/codes", json={"count": items})
    current = root
    for level, (giver, taker) in enumerate(itertools.pairwise(HOPS)):
        child_lot = f"RECALL-1-{level}"
        bench.scan(
            giver, action="split", batch_id=current, children=[{"lot": child_lot, "quantity": 1000 - level}]
        )
        child = f"06901234567892.{child_lot}"
        bench.scan(giver, action="ship", batch_id=child, counterparty=taker)
        bench.scan(taker, action="receive", batch_id=child)
        current = child
    started = time.perf_counter()
    recall = bench.call(
        "bench-samr", "POST", "/v1/recalls", json={"batch_id": root, "reason": "bench", "recall_class": "I"}
    )
    elapsed = (time.perf_counter() - started) * 1000
    assert len(recall["notices"]) == len(HOPS), recall["notices"]
    return elapsed


def _synthetic_network(bench: _Bench, events: int, progress: Progress, tag: str) -> list[str]:
    """Lots with five recorded events each (admitted, shipped, received, shipped, received),
    bulk-loaded: a million events through the API would take hours."""
    path = [bench.members[h].org for h in ("bench-importer", "bench-hub", "bench-retail")]
    admitted_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    lots = events // 5
    ids = []
    chunk = 2000
    for start in range(0, lots, chunk):
        histories = [
            LotHistory("06901234567892", f"{tag}{n}", path, admitted_at)
            for n in range(start, min(lots, start + chunk))
        ]
        bulk_load_lots(bench.services, histories)
        ids += [h.batch_id for h in histories]
        progress(f"network of {events:,} events", min(lots, start + chunk) * 5, events)
    return ids


def _trace_p99_ms(bench: _Bench, lots: list[str], samples: int = 300) -> float:
    rng = random.Random(len(lots))
    timings = []
    for _ in range(samples):
        lot = rng.choice(lots)
        started = time.perf_counter()
        bench.call("bench-samr", "GET", f"/v1/trace/{lot}")
        timings.append((time.perf_counter() - started) * 1000)
    return round(statistics.quantiles(timings, n=100)[98], 2)


def run_api_bench(seconds: float, large: int, progress: Progress) -> dict[str, Any]:
    result: dict[str, Any] = {"bench": "api", "machine": {"cpus": os.cpu_count()}, "database": "sqlite"}
    with (
        tempfile.TemporaryDirectory(prefix="suyuan-bench-api-") as name,
        LocalNode(Path(name) / "anvil", chain_id=31337) as node,
    ):
        bench = _Bench(Path(name), node)
        try:
            result["codes_per_s"] = round(_codes_rate(bench, 50_000))
            progress("codes", 1, 5)
            result.update(_resolver_rates(bench, seconds))
            progress("resolver", 2, 5)
            result["recall_end_to_end_ms"] = round(_recall_ms(bench, 10_000), 1)
            progress("recall", 3, 5)
            small = _synthetic_network(bench, 10_000, progress, "S")
            result["trace_ms_p99_10k"] = _trace_p99_ms(bench, small)
            large_lots = _synthetic_network(bench, large - 10_000, progress, "L")
            key = "trace_ms_p99_1m" if large == 1_000_000 else f"trace_ms_p99_{large}"
            result[key] = _trace_p99_ms(bench, large_lots + small)
            result["trace_ratio_large_to_10k"] = round(result[key] / result["trace_ms_p99_10k"], 2)
        finally:
            bench.http.close()
            bench.stop()
    return result
