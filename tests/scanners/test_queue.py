"""The scan queue: scans on disk before they are shown, answers kept, the login kept across restarts."""

from __future__ import annotations

import stat
from pathlib import Path

from scanners import ScannerSettings, ScanQueue, load_login, new_scan, save_login

CODE = "https://trace.example.cn/01/09506000134352/10/L2026-001/21/ABC123"


def test_queue_keeps_scans_and_answers_across_restarts(tmp_path: Path) -> None:
    path = tmp_path / "till" / "queue.db"
    with ScanQueue(path) as queue:
        first, second = queue.record(
            [new_scan("sell", "Pudong store", code=CODE), new_scan("sell", "Pudong store", code=CODE + "X")]
        )
        queue.settle([{"scan_id": first.scan_id, "status": "recorded", "record_id": "scan:1", "index": 7}])

    with ScanQueue(path) as reopened:
        assert reopened.counts() == {"pending": 1, "synced": 1, "refused": 0}
        synced, pending = reopened.by_id([first.scan_id, second.scan_id])
        assert (synced.state, synced.record_id, synced.index) == ("synced", "scan:1", 7)
        assert (pending.state, pending.body) == ("pending", second.body)
        assert [scan.scan_id for scan in reopened.pending(10)] == [second.scan_id]


def test_scan_body_is_what_is_sent_with_its_id_and_time(tmp_path: Path) -> None:
    with ScanQueue(tmp_path / "queue.db") as queue:
        (scan,) = queue.record(
            [new_scan("ship", "Cold store 3", batch_id="09506000134352.L1", counterparty="shop")]
        )

    assert scan.body.startswith('{"action":"ship","batch_id":"09506000134352.L1","counterparty":"shop"')
    assert f'"scan_id":"{scan.scan_id}"' in scan.body
    assert f'"time":"{scan.scanned_at}"' in scan.body
    assert scan.scanned_at[-6] in "+-"  # an RFC 3339 time with its offset


def test_a_settled_scan_keeps_its_first_answer(tmp_path: Path) -> None:
    problem = {
        "status": 409,
        "title": "Counterfeit signal recorded",
        "detail": "sold before",
        "reason": "sold_twice",
    }
    with ScanQueue(tmp_path / "queue.db") as queue:
        (scan,) = queue.record([new_scan("sell", "Till 2", code=CODE)])

        first = queue.settle([{"scan_id": scan.scan_id, "status": "refused", "problem": problem}])
        again = queue.settle([{"scan_id": scan.scan_id, "status": "recorded", "record_id": "scan:x"}])
        unknown = queue.settle([{"scan_id": scan.scan_id, "status": "pending"}, {"scan_id": "nope"}])

        (refused,) = queue.refused()
    assert (first.refused, again.recorded, unknown.recorded) == (1, 0, 0)
    assert (refused.state, refused.reason, refused.detail, refused.record_id) == (
        "refused",
        "sold_twice",
        "sold before",
        None,
    )


def test_refusal_without_a_reason_names_the_field_of_the_scan(tmp_path: Path) -> None:
    problem = {
        "status": 422,
        "title": "Unprocessable",
        "errors": [{"field": "scans[0].code", "reason": "bad"}],
    }
    with ScanQueue(tmp_path / "queue.db") as queue:
        (scan,) = queue.record([new_scan("sell", "Till 2", code=CODE)])
        queue.settle([{"scan_id": scan.scan_id, "status": "refused", "problem": problem}])
        (refused,) = queue.refused()

    assert (refused.reason, refused.detail) == ("code", "code: bad")


def test_login_is_stored_with_the_key_readable_by_its_owner_only(tmp_path: Path) -> None:
    settings = ScannerSettings(data_dir=tmp_path, scan_queue=tmp_path / "pda" / "queue.db")
    with ScanQueue(settings.queue_path) as queue:
        save_login(queue, "https://trace.example.cn/", "sk-secret", "Cold store 3")

    with ScanQueue(settings.queue_path) as queue:
        login = load_login(settings, queue)
        overridden = load_login(settings.model_copy(update={"api_url": "http://127.0.0.1:9"}), queue)

    key_file = tmp_path / "pda" / "queue.key"
    assert (login.api_url, login.key, login.location) == (
        "https://trace.example.cn",
        "sk-secret",
        "Cold store 3",
    )
    assert overridden.api_url == "http://127.0.0.1:9"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(settings.queue_path.stat().st_mode) == 0o600


def test_queue_lives_under_the_data_dir_by_default(tmp_path: Path) -> None:
    assert ScannerSettings(data_dir=tmp_path).queue_path == tmp_path.resolve() / "scanner" / "queue.db"
