"""`suyuan ledger`, `suyuan verify` and `suyuan audit` as a user runs them (in process; `suyuan up`
as its own process)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from chain import LocalNode
from tests._cli import Ran, run_suyuan

SUYUAN = [sys.executable, "-m", "suyuan"]


def _run(env: dict[str, str], *args: str, stdin: str | None = None) -> Ran:
    return run_suyuan(env, *args, stdin=stdin)


def _record(i: int) -> dict[str, object]:
    return {
        "kind": "scan.ship",
        "record_id": f"cli-{i}",
        "time": "2026-11-27T08:00:00Z",
        "actor": {"org": "91310000MA1K4XYZ0A", "key_id": "cli"},
        "subjects": [{"type": "batch", "id": "LOT-7"}],
        "payload": {"to": "wholesaler", "quantity": i},
    }


def _append(env: dict[str, str], *records: dict[str, object]) -> list[dict[str, object]]:
    result = _run(env, "ledger", "append", "-", stdin="\n".join(json.dumps(r) for r in records))
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_append_anchor_verify_and_audit(embedded: tuple[dict[str, str], LocalNode]) -> None:
    env, _ = embedded
    receipts = _append(env, *(_record(i) for i in range(5)))
    again = _append(env, _record(2))

    assert [r["index"] for r in receipts] == [0, 1, 2, 3, 4]
    assert again == [{**receipts[2], "duplicate": True}]
    assert "anchored 1 checkpoint(s)" in _run(env, "ledger", "anchor", "--once").stdout

    verified = _run(env, "verify", "cli-3")
    assert verified.returncode == 0, verified.stderr
    assert "inclusion proof of leaf 3 in tree of size 5" in verified.stdout
    assert "root anchored on chain 31337" in verified.stdout
    audited = _run(env, "audit", "--json")
    assert audited.returncode == 0, audited.stderr
    assert json.loads(audited.stdout)["anchors_checked"] == 1
    assert json.loads(audited.stdout)["passed"] is True
    status = json.loads(_run(env, "ledger", "status", "--json").stdout)
    assert (status["size"], status["latest_anchored"], status["pending_checkpoints"]) == (5, 5, [])


def test_proof_bundle_verifies_offline_with_the_log_key(
    embedded: tuple[dict[str, str], LocalNode], tmp_path: Path
) -> None:
    env, _ = embedded
    _append(env, _record(0), _record(1))
    _run(env, "ledger", "anchor", "--once")
    bundle = tmp_path / "bundle.json"
    bundle.write_text(_run(env, "ledger", "proof", "cli-1").stdout)
    key = json.loads(_run(env, "ledger", "status", "--json").stdout)["verifier_key"]

    result = _run(env, "verify", "--bundle", str(bundle), "--key", key, "--offline")

    assert result.returncode == 0, result.stderr
    assert "verified: record 'cli-1' (leaf 1)" in result.stdout


def test_verify_names_the_failing_step_and_exits_non_zero(embedded: tuple[dict[str, str], LocalNode]) -> None:
    env, _ = embedded
    _append(env, _record(0))

    not_checkpointed = _run(env, "verify", "cli-0")
    unknown = _run(env, "verify", "nope")

    assert not_checkpointed.returncode == 1
    assert "verification failed at step 'checkpoint'" in not_checkpointed.stderr
    assert unknown.returncode == 1
    assert "verification failed at step 'record'" in unknown.stderr


def test_audit_points_at_an_altered_record(embedded: tuple[dict[str, str], LocalNode]) -> None:
    env, _ = embedded
    _append(env, *(_record(i) for i in range(6)))
    _run(env, "ledger", "anchor", "--once")
    with sqlite3.connect(Path(env["SUYUAN_DATA_DIR"]) / "suyuan.db") as db:
        db.execute("UPDATE ledger_records SET body = replace(body, 'wholesaler', 'w0lesaler') WHERE idx = 4")

    result = _run(env, "audit")

    assert result.returncode == 1
    assert "audit failed at step 'records' (leaf 4)" in result.stderr


def test_audit_json_reports_a_failed_audit_on_stdout(embedded: tuple[dict[str, str], LocalNode]) -> None:
    env, _ = embedded
    _append(env, *(_record(i) for i in range(6)))
    _run(env, "ledger", "anchor", "--once")
    with sqlite3.connect(Path(env["SUYUAN_DATA_DIR"]) / "suyuan.db") as db:
        db.execute("UPDATE ledger_records SET body = replace(body, 'wholesaler', 'w0lesaler') WHERE idx = 4")

    result = _run(env, "audit", "--json")

    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert (report["passed"], report["step"], report["index"]) == (False, "records", 4)
    assert "audit failed at step 'records' (leaf 4)" in report["message"]


def test_append_rejects_bad_input_with_one_line(embedded: tuple[dict[str, str], LocalNode]) -> None:
    env, _ = embedded
    bad_time = {**_record(0), "time": "yesterday"}

    not_json = _run(env, "ledger", "append", "-", stdin="{nope")
    invalid = _run(env, "ledger", "append", "-", stdin=json.dumps([_record(1), bad_time]))

    assert not_json.returncode == 1
    assert "not JSON" in not_json.stderr
    assert invalid.returncode == 1
    assert invalid.stderr.strip().startswith("error: record 2: time: Value error, must be an RFC 3339")
    assert json.loads(_run(env, "ledger", "status", "--json").stdout)["size"] == 0  # nothing half-appended
    _append(env, _record(1))
    conflict = _run(env, "ledger", "append", "-", stdin=json.dumps({**_record(1), "payload": {"x": 1}}))
    assert conflict.returncode == 1
    assert "record 'cli-1' exists at index 0 with different content" in conflict.stderr


def test_up_anchors_a_new_record_within_ten_seconds(cli_env: dict[str, str]) -> None:
    import signal
    import time

    up = subprocess.Popen(
        [*SUYUAN, "up"], env=cli_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert up.stdout is not None
        lines: list[str] = []
        while not any("Ctrl-C stops" in line for line in lines):
            line = up.stdout.readline()
            assert line, "suyuan up exited early: " + "".join(lines)
            lines.append(line)
        assert any("anchorer: log 'suyuan.local/evidence'" in line for line in lines)
        assert any("cold-chain ingest: off; no MQTT broker configured" in line for line in lines)
        _append(cli_env, _record(0))
        appended = time.monotonic()
        while json.loads(_run(cli_env, "ledger", "status", "--json").stdout)["latest_anchored"] != 1:
            assert time.monotonic() - appended < 10, "record not anchored within 10 s"
        assert _run(cli_env, "verify", "cli-0").returncode == 0
    finally:
        up.send_signal(signal.SIGINT)
        assert up.wait(timeout=30) == 0


def test_consistency_proof_between_two_checkpoints_verifies(
    embedded: tuple[dict[str, str], LocalNode],
) -> None:
    import base64

    from evidence import verify_consistency

    env, _ = embedded
    _append(env, *(_record(i) for i in range(3)))
    _run(env, "ledger", "checkpoint")
    _append(env, *(_record(i) for i in range(3, 8)))

    result = _run(env, "ledger", "consistency", "3", "8")
    bad = _run(env, "ledger", "consistency", "3", "9")

    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    decode = base64.b64decode
    verify_consistency(
        3, 8, [decode(h) for h in answer["proof"]], decode(answer["root1"]), decode(answer["root2"])
    )
    assert bad.returncode == 1
    assert "the log holds 8 records, not 9" in bad.stderr
