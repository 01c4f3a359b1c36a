"""``suyuan bench scanners``: how fast a scanner's queue syncs through ``POST /v1/scans:batch``,
against the same kind of scans posted one by one through ``POST /v1/scans``, in the same run.

A fresh anvil node, SQLite, the app served by uvicorn on 127.0.0.1 and one httpx client in the
same process. A retailer holds two lots (bulk-loaded: admitted by an importer, shipped, received)
with item codes issued; each scan is a sale of one item with its own ``scan_id`` and scan time,
so every scan goes through the whole path: custody rules, a ledger record with its EPCIS event,
the code's state, and the exactly-once bookkeeping (its outcome kept under its scan_id).

- ``batched_scans_per_s``: ``scans`` sales synced in batches of ``batch_size``.
- ``one_by_one_scans_per_s``: ``one_by_one`` other sales, one request each.
- ``resent_scans_per_s``: the batched scans sent again (every one answered ``duplicate``).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from chain import LocalNode
from trace_api.app import create_app
from trace_api.bulk import LotHistory, bulk_load_lots
from trace_api.codes.service import issue_codes
from trace_api.orgs import Member, with_check_character
from trace_api.server import start_server
from trace_api.services import Services, writing
from trace_api.settings import ServiceSettings

from ._network import admit_organisation, fresh_services

Progress = Callable[[str, int, int], None]
GTIN = "06901234567892"
BATCHED_LOT, ONE_BY_ONE_LOT = "SCAN-BATCHED", "SCAN-SINGLE"


def _shop(tmp: Path, node: LocalNode, codes: dict[str, int]) -> tuple[Services, str, dict[str, list[str]]]:
    """Services with a retailer holding a lot per entry of ``codes``, that many codes issued each;
    the retailer's key and each lot's code URIs."""
    services = fresh_services(node, ServiceSettings(data_dir=tmp / "data"))
    importer, _ = admit_organisation(
        services, "bench-importer", "importer", "importer", with_check_character("91310000MA1C00001")
    )
    shop, key = admit_organisation(
        services, "bench-shop", "shop", "retailer", with_check_character("91310000MA1C00002")
    )
    admitted_at = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    bulk_load_lots(services, [LotHistory(GTIN, lot, [importer.org, shop.org], admitted_at) for lot in codes])
    return services, key, {lot: _issue(services, shop, lot, count) for lot, count in codes.items()}


def _issue(services: Services, holder: Member, lot: str, count: int) -> list[str]:
    with writing(services) as session:
        issued = issue_codes(services, session, holder, f"{GTIN}.{lot}", count)
    return [code.uri(services.settings.public_url) for code in issued]


def _sales(codes: list[str]) -> list[dict[str, Any]]:
    """One sale per code, each scanned a second after the one before, at one of four tills."""
    start = dt.datetime(2026, 11, 20, 8, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    return [
        {
            "scan_id": str(uuid.uuid4()),
            "action": "sell",
            "code": code,
            "location": f"bench store, till {n % 4 + 1}",
            "time": (start + dt.timedelta(seconds=n)).isoformat(),
        }
        for n, code in enumerate(codes)
    ]


def _sync(http: httpx.Client, sales: list[dict[str, Any]], size: int, progress: Progress) -> float:
    """Scans per second synced in batches of ``size``; every scan must come back recorded."""
    started = time.perf_counter()
    for start in range(0, len(sales), size):
        response = http.post("/v1/scans:batch", json={"scans": sales[start : start + size]})
        if response.status_code != 200:
            raise RuntimeError(f"POST /v1/scans:batch: {response.status_code} {response.text[:300]}")
        refused = [r for r in response.json()["results"] if r["status"] != "recorded"]
        if refused:
            raise RuntimeError(f"bench scans refused: {refused[:3]}")
        progress("batched", min(len(sales), start + size), len(sales))
    return len(sales) / (time.perf_counter() - started)


def _one_by_one(http: httpx.Client, sales: list[dict[str, Any]], progress: Progress) -> float:
    started = time.perf_counter()
    for n, sale in enumerate(sales, start=1):
        response = http.post("/v1/scans", json=sale)
        if response.status_code != 201:
            raise RuntimeError(f"POST /v1/scans: {response.status_code} {response.text[:300]}")
        if n % 100 == 0 or n == len(sales):
            progress("one by one", n, len(sales))
    return len(sales) / (time.perf_counter() - started)


def run_scanners_bench(scans: int, one_by_one: int, batch_size: int, progress: Progress) -> dict[str, Any]:
    result: dict[str, Any] = {"bench": "scanners", "machine": {"cpus": os.cpu_count()}, "database": "sqlite"}
    with (
        tempfile.TemporaryDirectory(prefix="suyuan-bench-scanners-") as name,
        LocalNode(Path(name) / "anvil", chain_id=31337) as node,
    ):
        services, key, codes = _shop(Path(name), node, {BATCHED_LOT: scans, ONE_BY_ONE_LOT: one_by_one})
        url, stop = start_server(create_app(services), "127.0.0.1", 0)
        headers = {"Authorization": f"Bearer {key}"}
        try:
            with httpx.Client(base_url=url, headers=headers, timeout=600) as http:
                batched = _sales(codes[BATCHED_LOT])
                size_before = services.ledger.size()
                batched_rate = _sync(http, batched, batch_size, progress)
                single_rate = _one_by_one(http, _sales(codes[ONE_BY_ONE_LOT]), progress)
                resent_rate = _sync_again(http, batched, batch_size, progress)
                appended = services.ledger.size() - size_before
        finally:
            stop()
    if appended != scans + one_by_one:
        raise RuntimeError(f"{scans + one_by_one} sales made {appended} ledger records")
    result |= {
        "scans": scans,
        "batch_size": batch_size,
        "one_by_one_scans": one_by_one,
        "batched_scans_per_s": round(batched_rate, 1),
        "one_by_one_scans_per_s": round(single_rate, 1),
        "ratio": round(batched_rate / single_rate, 2),
        "resent_scans_per_s": round(resent_rate, 1),
        "ledger_records_appended": appended,
    }
    return result


def _sync_again(http: httpx.Client, sales: list[dict[str, Any]], size: int, progress: Progress) -> float:
    """Scans per second of the same batches sent again: each must be answered as a duplicate."""
    started = time.perf_counter()
    for start in range(0, len(sales), size):
        response = http.post("/v1/scans:batch", json={"scans": sales[start : start + size]})
        if response.status_code != 200 or response.json()["duplicates"] != len(sales[start : start + size]):
            raise RuntimeError(f"resent batch not answered as duplicates: {response.text[:300]}")
        progress("resent", min(len(sales), start + size), len(sales))
    return len(sales) / (time.perf_counter() - started)
