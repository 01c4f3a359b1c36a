"""10,000 scans queued offline on two tills, synced through a lossy link: each recorded exactly once.

Two tills of one retailer, at two places, sell offline; 200 items are sold at both (a copied
code, or a mix-up). Each till then syncs its queue through its own lossy link, both at once: a
fifth of the requests are dropped, cut or lose their answer after the server committed. The
ledger must then hold every sale once, the 200 second sales must be refused as sold twice with a
counterfeit signal each (one, however often the scan was resent), and neither queue may hold a
scan that is still pending.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

from scanners import Retrying, ScanApi, ScanQueue, SyncReport, new_scan, sync_queue
from tests.scanners._lossy import LossyLink
from tests.scanners.conftest import BATCH, Served

CODES = 9_800
SOLD_AT_BOTH = 200
TILLS = {"till-1": "Pudong store, till 1", "till-2": "Xuhui store, till 2"}
OPENING = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def _queue_offline(path: Path, location: str, codes: list[str]) -> None:
    """One till's day of sales, queued without a network, a scan every two seconds."""
    with ScanQueue(path) as queue:
        queue.record(
            new_scan("sell", location, code=code, at=OPENING + dt.timedelta(seconds=2 * i))
            for i, code in enumerate(codes)
        )


def _sync_through(link: LossyLink, path: Path, key: str) -> SyncReport:
    """Syncs the queue at ``path`` through ``link`` (in the caller's thread, with its own connection)."""
    patient = Retrying(retries=60, first_s=0.0, longest_s=0.0)
    with ScanQueue(path) as queue, ScanApi(link.url, key, patient, timeout_s=120) as api:
        return sync_queue(queue, api)


def test_ten_thousand_offline_scans_sync_exactly_once_through_a_lossy_link(
    served: Served, tmp_path: Path
) -> None:
    codes = served.issue(CODES)
    served.ship("shop")
    received = served.api.as_org(
        "shop", "POST", "/v1/scans", json={"action": "receive", "batch_id": BATCH, "location": "Pudong store"}
    )
    assert received.status_code == 201, received.text
    half = (CODES + SOLD_AT_BOTH) // 2
    sold = {"till-1": codes[:half], "till-2": codes[half - SOLD_AT_BOTH :]}
    both = set(codes[half - SOLD_AT_BOTH : half])
    queues = {till: tmp_path / f"{till}.db" for till in TILLS}
    for till, location in TILLS.items():
        _queue_offline(queues[till], location, sold[till])
    assert sum(len(s) for s in sold.values()) == 10_000

    server = urlsplit(served.url)
    upstream = (server.hostname or "", server.port or 80)
    with LossyLink(upstream, seed=1) as link_1, LossyLink(upstream, seed=2) as link_2:
        links = {"till-1": link_1, "till-2": link_2}
        with ThreadPoolExecutor(max_workers=2) as tills:
            syncing = {t: tills.submit(_sync_through, links[t], queues[t], served.key("shop")) for t in TILLS}
            reports = {till: future.result() for till, future in syncing.items()}

    fates = link_1.fates + link_2.fates
    assert min(fates[fate] for fate in ("dropped", "cut", "answer_lost")) >= 1, fates
    assert sum(report.duplicates for report in reports.values()) >= 1
    scans = []
    for path in queues.values():
        with ScanQueue(path) as queue:
            assert queue.counts()["pending"] == 0
            scans += queue.all()
    assert len(scans) == 10_000
    synced = {s.scan_id: s for s in scans if s.state == "synced"}
    refused = [s for s in scans if s.state == "refused"]

    ledger = served.every("/v1/scans", "scans", action="sell")
    assert Counter(s["record_id"] for s in ledger).most_common(1)[0][1] == 1
    assert {s["record_id"] for s in ledger} == {f"scan:{scan_id}" for scan_id in synced}
    assert all(scan.record_id == f"scan:{scan.scan_id}" for scan in synced.values())
    assert sorted(s["code"] for s in ledger) == sorted(codes)
    assert {s["record_id"]: s["time"] for s in ledger} == {s.record_id: s.scanned_at for s in synced.values()}

    assert {(s.subject, s.reason) for s in refused} == {(code, "sold_twice") for code in both}
    assert len(refused) == SOLD_AT_BOTH
    signals = served.every("/v1/signals", "signals", reason="sold_twice")
    assert sorted(s["code"] for s in signals) == sorted(both)
    assert {s.problem["signal_record_id"] for s in refused if s.problem} == {s["record_id"] for s in signals}
