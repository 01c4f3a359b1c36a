"""Syncing through a link that fails on cue: what is retried, how long the scanner waits, what it
gives up on, and a batch too large for the server sent again in halves."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from scanners import ApiUnreachable, Retrying, ScanApi, ScanQueue, new_scan, sync_queue
from tests.scanners._lossy import LossyLink
from tests.scanners.conftest import BATCH, GTIN, Served


def _upstream(served: Served) -> tuple[str, int]:
    server = urlsplit(served.url)
    return server.hostname or "", server.port or 80


def _sells(served: Served, path: Path, count: int) -> list[str]:
    """``count`` items shipped to and received by the retailer, queued as sales at its till."""
    codes = served.issue(count)
    served.ship("shop")
    receipt = {"action": "receive", "batch_id": BATCH, "location": "Pudong store"}
    assert served.api.as_org("shop", "POST", "/v1/scans", json=receipt).status_code == 201
    with ScanQueue(path) as queue:
        queue.record(new_scan("sell", "Pudong store, till 1", code=code) for code in codes)
    return codes


def test_sync_retries_a_busy_server_and_a_cut_waiting_as_asked(served: Served, tmp_path: Path) -> None:
    _sells(served, tmp_path / "till.db", 3)
    waits: list[float] = []

    with (
        LossyLink(_upstream(served), seed=0, script=["busy", "cut", "passed"]) as link,
        ScanQueue(tmp_path / "till.db") as queue,
        ScanApi(link.url, served.key("shop"), Retrying(retries=3, first_s=0.5), sleep=waits.append) as api,
    ):
        report = sync_queue(queue, api)
        counts = queue.counts()

    assert waits == [2.0, 1.0]  # the server's Retry-After, then the doubled first wait
    assert (report.sent, report.recorded, report.duplicates) == (3, 3, 0)
    assert counts == {"pending": 0, "synced": 3, "refused": 0}
    assert len(served.every("/v1/scans", "scans", action="sell")) == 3


def test_sync_gives_up_after_its_retries_and_leaves_the_scans_pending(served: Served, tmp_path: Path) -> None:
    _sells(served, tmp_path / "till.db", 2)
    waits: list[float] = []

    with (
        LossyLink(_upstream(served), seed=0, script=["dropped", "answer_lost", "cut"]) as link,
        ScanQueue(tmp_path / "till.db") as queue,
        ScanApi(link.url, served.key("shop"), Retrying(retries=2, first_s=0.5), sleep=waits.append) as api,
    ):
        with pytest.raises(
            ApiUnreachable, match=r"^cannot reach the trace API at http://127\.0\.0\.1:\d+: .*\(3 tries\)$"
        ):
            sync_queue(queue, api)
        counts = queue.counts()
        again = sync_queue(queue, api)  # the link passes everything from now on

    assert waits == [0.5, 1.0]
    assert counts == {"pending": 2, "synced": 0, "refused": 0}
    # The second try's answer was lost after the server committed: the resent scans are its answers.
    assert (again.recorded, again.duplicates) == (2, 2)
    assert len(served.every("/v1/scans", "scans", action="sell")) == 2


def test_a_batch_too_large_for_the_server_is_sent_in_halves(served: Served, tmp_path: Path) -> None:
    unknown = f"{GTIN}.NO-SUCH-LOT"
    with ScanQueue(tmp_path / "till.db") as queue:
        queue.record(new_scan("destroy", "Pudong store", batch_id=unknown) for _ in range(2001))

        with ScanApi(served.url, served.key("shop"), Retrying(retries=0)) as api:
            report = sync_queue(queue, api, batch_size=2001)
        refused = queue.refused()

    assert (report.sent, report.refused) == (2001, 2001)
    assert {(scan.reason, scan.detail) for scan in refused} == {("unknown_lot", f"no batch '{unknown}'")}
