"""The local anvil node: pinned hardfork, zero fees, state persisted across restarts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from eth_account import Account

from chain import (
    EVM_VERSION,
    ChainClient,
    LocalNode,
    NodeError,
    Role,
    connect,
    deploy_contracts,
    id_hash,
    running_node_url,
)
from chain._toolchain import find_anvil
from tests.conftest import wait_for_state_dump


def _seeded_chain(node: LocalNode) -> tuple[ChainClient, bytes]:
    assert node.rpc_url is not None
    w3 = connect(node.rpc_url)
    regulator, importer = Account.create(), Account.create()
    client = ChainClient(w3, deploy_contracts(w3, regulator, id_hash("regulator")))
    client.grant_member(regulator, importer.address, Role.IMPORTER, id_hash("importer"))
    batch = id_hash("persisted batch")
    client.register_batch(importer, batch, b"\x09" * 32)
    return client, batch


def test_node_runs_pinned_hardfork_with_zero_fees(anvil: LocalNode) -> None:
    assert anvil.rpc_url is not None
    w3 = connect(anvil.rpc_url)
    info = w3.provider.make_request("anvil_nodeInfo", [])["result"]  # type: ignore[arg-type]

    assert info["hardFork"].lower() == EVM_VERSION
    assert w3.eth.gas_price == 0
    assert w3.eth.get_block("latest")["baseFeePerGas"] == 0
    assert anvil.rpc_url.startswith("http://127.0.0.1:")


def test_state_survives_clean_restart(tmp_path: Path) -> None:
    node = LocalNode(tmp_path, chain_id=31337)
    node.start()
    client, batch = _seeded_chain(node)
    block = client.w3.eth.block_number
    node.stop()

    node.start()
    try:
        assert node.rpc_url is not None
        restarted = ChainClient(connect(node.rpc_url), client.deployment)
        assert restarted.w3.eth.block_number == block
        assert restarted.batch(batch).admission_hash == b"\x09" * 32
    finally:
        node.stop()


def test_state_survives_sigkill_after_periodic_dump(tmp_path: Path) -> None:
    node = LocalNode(tmp_path, chain_id=31337)
    node.start()
    client, batch = _seeded_chain(node)
    wait_for_state_dump(node, client.w3.eth.block_number)
    node.kill()

    node.start()
    try:
        assert node.rpc_url is not None
        assert ChainClient(connect(node.rpc_url), client.deployment).batch(batch).holder != ""
    finally:
        node.stop()


def test_node_records_its_url_while_running(tmp_path: Path) -> None:
    from chain import running_node_url

    with LocalNode(tmp_path, chain_id=31337) as node:
        assert running_node_url(tmp_path) == node.rpc_url
    assert running_node_url(tmp_path) is None


def test_missing_anvil_binary_gives_clear_error(tmp_path: Path) -> None:
    node = LocalNode(tmp_path, chain_id=31337, anvil_binary=tmp_path / "no-such-anvil")

    with pytest.raises(NodeError, match="anvil not found"):
        node.start()


def test_anvil_that_exits_at_start_reports_its_output(tmp_path: Path) -> None:
    occupied = LocalNode(tmp_path / "a", chain_id=31337)
    occupied.start()
    try:
        assert occupied.rpc_url is not None
        port = int(occupied.rpc_url.rsplit(":", 1)[1])
        clash = LocalNode(tmp_path / "b", chain_id=31337, port=port)
        with pytest.raises(NodeError, match="anvil exited"):
            clash.start()
    finally:
        occupied.stop()


def _gone(pid: int) -> bool:
    """Whether ``pid`` exited (a zombie nobody reaped yet counts as exited)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def _wait_gone(pid: int, timeout_s: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if _gone(pid):
            return True
        time.sleep(0.05)  # another process's exit: polled, bounded by the deadline
    return False


STARTER = """
import signal, sys
from pathlib import Path
from chain import LocalNode
node = LocalNode(Path(sys.argv[1]), chain_id=31337)
node.start()
print(node._process.pid, flush=True)
signal.pause()
"""


def test_node_dies_when_the_process_that_started_it_is_killed(tmp_path: Path) -> None:
    starter = subprocess.Popen(
        [sys.executable, "-c", STARTER, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    assert starter.stdout is not None
    anvil_pid = int(starter.stdout.readline())
    assert not _gone(anvil_pid)

    starter.kill()
    starter.wait()

    assert _wait_gone(anvil_pid), "anvil outlived the process that started it"
    assert running_node_url(tmp_path) is None


def test_next_start_stops_a_node_whose_owner_is_gone(tmp_path: Path) -> None:
    node = LocalNode(tmp_path, chain_id=31337)
    binary = find_anvil(None)
    assert binary is not None
    orphan = subprocess.Popen(node.command(binary), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    dead_owner = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    node.info_file.write_text(
        json.dumps({"pid": orphan.pid, "owner": int(dead_owner.stdout), "rpc_url": "http://127.0.0.1:1"})
    )

    adopted = running_node_url(tmp_path)
    node.start()
    try:
        replaced = json.loads(node.info_file.read_text())
    finally:
        node.stop()

    assert adopted is None
    assert orphan.wait(timeout=15) is not None  # stopped, not left running beside the new node
    assert replaced["pid"] != orphan.pid
    assert replaced["owner"] == os.getpid()
