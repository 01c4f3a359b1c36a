"""What the client needs on Besu QBFT that anvil does not show by itself, against real anvil nodes:
blocks whose ``extraData`` is QBFT's (longer than 32 bytes), receipt waits that follow the block
period, and a chain that mines nothing."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account import Account
from web3 import HTTPProvider, Web3
from web3.exceptions import ExtraDataLengthError

from chain import (
    ChainClient,
    LocalNode,
    Role,
    Settings,
    TransactionFailed,
    connect,
    deploy_contracts,
    id_hash,
)
from suyuan.besu import decode_qbft_extra_data, qbft_extra_data

VALIDATORS = [f"0x{i:040x}" for i in range(1, 5)]
#: What a Besu QBFT block carries in extraData: vanity, validators, vote, round, seals (here none).
QBFT_EXTRA_DATA = qbft_extra_data(VALIDATORS)
BLOCK_READS = {"eth_getBlockByNumber", "eth_getBlockByHash"}


class QbftProxy:
    """A JSON-RPC proxy in front of a real node that answers blocks with QBFT's extraData, as Besu
    does, and counts the calls it forwards by method."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.calls: Counter[str] = Counter()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                request = self.rfile.read(int(self.headers["Content-Length"]))
                answer = httpx.post(
                    proxy.upstream, content=request, headers={"Content-Type": "application/json"}
                ).json()
                sent = json.loads(request)
                for call, reply in zip(
                    *(x if isinstance(x, list) else [x] for x in (sent, answer)), strict=True
                ):
                    proxy.calls[call["method"]] += 1
                    if call["method"] in BLOCK_READS and isinstance(reply.get("result"), dict):
                        reply["result"]["extraData"] = QBFT_EXTRA_DATA
                body = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> QbftProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def qbft_proxy(anvil: LocalNode) -> Iterator[QbftProxy]:
    with QbftProxy(anvil.rpc_url or "") as proxy:
        yield proxy


def _member_granted(client: ChainClient, regulator: Any) -> int:
    """Grants a role through ``client``; returns the block it was mined in."""
    member = Account.create()
    result = client.grant_member(regulator, member.address, Role.TRADER, id_hash("org:trader"))
    assert client.has_role(member.address, Role.TRADER)
    return result.block_number


def test_the_client_reads_qbft_blocks_and_waits_for_receipts_through_them(qbft_proxy: QbftProxy) -> None:
    w3 = connect(qbft_proxy.url)
    regulator = Account.create()
    client = ChainClient(w3, deploy_contracts(w3, regulator, id_hash("org:regulator")))

    block_number = _member_granted(client, regulator)
    block = w3.eth.get_block(block_number)
    latest = w3.eth.get_block("latest")
    by_hash = w3.eth.get_block(block["hash"])

    assert qbft_proxy.calls["eth_getBlockByNumber"] >= 2  # the blocks came through the proxy
    assert len(bytes.fromhex(QBFT_EXTRA_DATA[2:])) > 32
    for read in (block, latest, by_hash):
        assert read["proofOfAuthorityData"].to_0x_hex() == QBFT_EXTRA_DATA
        assert decode_qbft_extra_data(read["proofOfAuthorityData"].to_0x_hex()).validators == VALIDATORS
    assert by_hash["number"] == block_number


def test_qbft_blocks_are_refused_without_the_poa_middleware(qbft_proxy: QbftProxy) -> None:
    plain = Web3(HTTPProvider(qbft_proxy.url))

    with pytest.raises(ExtraDataLengthError):
        plain.eth.get_block("latest")


@pytest.fixture
def interval_node(tmp_path: Path) -> Iterator[LocalNode]:
    """A node of this test's own that mines a block every 2 s, as a QBFT network with a 2 s period."""
    with LocalNode(tmp_path / "anvil", chain_id=31337, persist=False, block_time_s=2) as node:
        yield node


def test_receipts_are_polled_at_a_tenth_of_the_block_period(interval_node: LocalNode) -> None:
    settings = Settings(rpc_url=interval_node.rpc_url, block_period_seconds=2)
    with QbftProxy(interval_node.rpc_url or "") as proxy:
        w3 = connect(proxy.url)
        regulator = Account.create()
        client = ChainClient(
            w3, deploy_contracts(w3, regulator, id_hash("org:regulator")), wait=settings.receipt_wait
        )
        proxy.calls.clear()
        started = time.monotonic()
        for _ in range(2):
            _member_granted(client, regulator)
        took = time.monotonic() - started

    assert settings.receipt_wait.poll_s == pytest.approx(0.2)
    assert took > 2  # both waited for their blocks
    # At most five polls a second of waiting; polling every 10 ms makes several times more.
    assert proxy.calls["eth_getTransactionReceipt"] <= took * 5 + 2, (proxy.calls, took)


def test_a_receipt_is_waited_for_as_many_block_periods_as_configured(tmp_path: Path) -> None:
    settings = Settings(block_period_seconds=2, receipt_timeout_blocks=3)
    with LocalNode(tmp_path / "anvil", chain_id=31337, persist=False) as node:
        w3 = connect(node.rpc_url or "")
        regulator = Account.create()
        client = ChainClient(
            w3, deploy_contracts(w3, regulator, id_hash("org:regulator")), wait=settings.receipt_wait
        )
        w3.provider.make_request("evm_setAutomine", [False])  # type: ignore[arg-type] # the chain halts
        member = Account.create()
        started = time.monotonic()
        with pytest.raises(TransactionFailed, match=r"not mined within 6 s"):
            client.grant_member(regulator, member.address, Role.TRADER, id_hash("org:trader"))
        waited = time.monotonic() - started
        w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type] # the chain resumes

        assert 6 <= waited < 20
        assert client.has_role(member.address, Role.TRADER)  # the transaction was kept, and mined once
