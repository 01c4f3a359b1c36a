"""Crash safety: SIGKILLed appenders and anchorers, and a chain node restarted during anchoring.

Every acknowledged record must be in the log, the log must audit clean, and every local
checkpoint must be on chain exactly once with the same root.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from eth_account import Account

from chain import (
    ChainClient,
    Deployment,
    LocalNode,
    ReceiptWait,
    Role,
    connect,
    deploy_contracts,
    id_hash,
)
from evidence import Anchorer, Ledger, audit_log, log_id_of, open_ledger
from tests.conftest import REPO_ROOT, make_record, wait_for_state_dump
from trace_api.settings import ServiceSettings

DEADLINE_S = 90


def _wait_until(condition: Callable[[], bool], what: str, timeout_s: float = DEADLINE_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)  # polling an observable condition, bounded by the deadline


def _on_chain(client: ChainClient, ledger: Ledger) -> list[tuple[int, bytes]]:
    log_id = log_id_of(ledger.origin)
    count = client.checkpoint_count(log_id)
    return [(c.tree_size, c.root_hash) for c in (client.checkpoint_at(log_id, i) for i in range(count))]


def _assert_consistent(ledger: Ledger, client: ChainClient, acknowledged: set[str]) -> None:
    for record_id in acknowledged:
        ledger.get(record_id)  # raises if an acknowledged record was lost
    report = audit_log(ledger, client)
    assert report.records == ledger.size()
    local = [(cp.tree_size, cp.root_hash) for cp in ledger.checkpoints()]
    assert _on_chain(client, ledger) == local  # every checkpoint anchored once, in order, same roots


def _start_appender(
    env: dict[str, str], ledger_url: str, settings: ServiceSettings, prefix: str
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.evidence._appender",
            ledger_url,
            settings.ledger_origin,
            str(settings.ledger_key_file),
            prefix,
            "100000",
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )


def _acknowledged_until_killed(process: subprocess.Popen[str], at_least: int) -> set[str]:
    acknowledged = set()
    assert process.stdout is not None
    while len(acknowledged) < at_least:
        line = process.stdout.readline()
        assert line.startswith("ACK "), f"appender stopped early: {line!r}"
        acknowledged.add(line.split()[1])
    process.send_signal(signal.SIGKILL)
    for line in process.stdout:  # whatever it acknowledged before dying counts too
        if line.startswith("ACK ") and len(line.split()) == 3:
            acknowledged.add(line.split()[1])
    process.wait()
    return acknowledged


def _start_anchorer(env: dict[str, str]) -> subprocess.Popen[bytes]:
    anchor_env = {**env, "SUYUAN_ANCHOR_EVERY_RECORDS": "7", "SUYUAN_ANCHOR_EVERY_SECONDS": "0.3"}
    return subprocess.Popen(
        [sys.executable, "-m", "suyuan", "ledger", "anchor"],
        env=anchor_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_sigkilled_appender_and_anchorer_lose_nothing_and_anchor_once(
    embedded: tuple[dict[str, str], LocalNode], backend: str, request: pytest.FixtureRequest
) -> None:
    env, _ = embedded
    if backend == "postgresql":
        env = {**env, "SUYUAN_DATABASE_URL": request.getfixturevalue("postgres_url")}
    settings = ServiceSettings(
        data_dir=Path(env["SUYUAN_DATA_DIR"]), database_url=env.get("SUYUAN_DATABASE_URL")
    )
    ledger = open_ledger(settings)
    anchorer = _start_anchorer(env)
    acknowledged: set[str] = set()
    try:
        for round_ in range(3):
            appender = _start_appender(env, settings.resolved_database_url, settings, f"round{round_}")
            acknowledged |= _acknowledged_until_killed(appender, at_least=25 + 17 * round_)
            if round_ == 1:
                _wait_until(lambda: (ledger.latest_anchored_size() or 0) > 0, "a first anchor")
                anchorer.send_signal(signal.SIGKILL)
                anchorer.wait()
                anchorer = _start_anchorer(env)
        _wait_until(lambda: ledger.latest_anchored_size() == ledger.size(), "anchoring to catch up")
    finally:
        anchorer.terminate()
        anchorer.wait(timeout=30)
    with_chain = ChainClient(connect(_rpc_url(env)), Deployment.load(settings.deployment_file))
    _assert_consistent(ledger, with_chain, acknowledged)
    assert len(acknowledged) >= 25 + 42 + 59


def _rpc_url(env: dict[str, str]) -> str:
    from chain import running_node_url

    url = running_node_url(Path(env["SUYUAN_DATA_DIR"]) / "chain")
    assert url is not None
    return url


def test_chain_node_restart_during_anchoring_resumes_without_gaps_or_duplicates(
    tmp_path: Path, make_ledger: Callable[..., Ledger]
) -> None:
    node = LocalNode(tmp_path / "chain", chain_id=31337)
    url = node.start()
    port = int(url.rsplit(":", 1)[1])
    regulator, anchor_account = Account.create(), Account.create()
    deployment = deploy_contracts(connect(url), regulator, id_hash("regulator"))
    granted = ChainClient(connect(url), deployment).grant_member(
        regulator, anchor_account.address, Role.ANCHOR, id_hash("r")
    )
    wait_for_state_dump(node, granted.block_number)  # the node has run a while: its setup is on disk
    ledger = make_ledger()
    anchorer = Anchorer(
        ledger,
        lambda: ChainClient(connect(url, timeout_s=5), deployment, wait=ReceiptWait(0.01, timeout_s=5)),
        anchor_account,
        every_records=5,
        every_seconds=0.2,
    )
    stop = threading.Event()
    worker = threading.Thread(target=anchorer.run, args=(stop, 0.05))
    nodes = [node]
    worker.start()
    try:
        for i in range(0, 60, 3):
            ledger.append_many([make_record(k) for k in range(i, i + 3)])
            if i == 30:
                _wait_until(lambda: (ledger.latest_anchored_size() or 0) >= 20, "anchors before the crash")
                nodes[-1].kill()  # anchors since the last state dump are lost with it
            if i == 45:
                _wait_until(lambda: anchorer.stats.failures > 0, "the anchorer to meet the outage")
                nodes.append(LocalNode(tmp_path / "chain", chain_id=31337, port=port))
                nodes[-1].start()
        _wait_until(lambda: ledger.latest_anchored_size() == ledger.size() == 60, "anchoring to catch up")
        stop.set()
        worker.join()
        _assert_consistent(ledger, ChainClient(connect(url), deployment), {f"r-{i}" for i in range(60)})
        assert anchorer.stats.failures > 0  # the outage was seen and survived
    finally:
        stop.set()
        worker.join()
        for each in nodes:
            each.stop()
