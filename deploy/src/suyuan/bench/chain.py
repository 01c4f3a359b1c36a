"""``suyuan bench chain``: gas per operation and sustained custody-transfer throughput on anvil.

The baseline is the same transfers sent through bare web3.py (build, sign, send, wait with the
same receipt polling), so ``ratio`` shows what the client's checks cost.
"""

from __future__ import annotations

import os
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3.types import Nonce, TxParams, Wei

from chain import ChainClient, LocalNode, Role, connect, deploy_contracts, id_hash

Progress = Callable[[str, int, int], None]


def _noop(label: str, done: int, total: int) -> None:
    return None


def run_chain_bench(transfers: int = 500, progress: Progress = _noop) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory(prefix="suyuan-bench-") as tmp,
        LocalNode(Path(tmp), chain_id=31337) as node,
    ):
        assert node.rpc_url is not None
        w3 = connect(node.rpc_url)
        regulator, importer, trader_a, trader_b, anchorer = (Account.create() for _ in range(5))
        client = ChainClient(w3, deploy_contracts(w3, regulator, id_hash("bench-regulator")))
        gas = {
            "grant_member": client.grant_member(
                regulator, importer.address, Role.IMPORTER, id_hash("imp")
            ).gas_used
        }
        client.grant_member(regulator, trader_a.address, Role.TRADER, id_hash("a"))
        client.grant_member(regulator, trader_b.address, Role.TRADER, id_hash("b"))
        client.grant_member(regulator, anchorer.address, Role.ANCHOR, id_hash("bench-regulator"))
        gas.update(_gas_per_operation(client, regulator, importer, trader_a, trader_b, anchorer))
        client_rate = _transfer_rate(client, importer, trader_a, trader_b, transfers, "client", progress)
        baseline_rate = _baseline_transfer_rate(client, importer, trader_a, trader_b, transfers, progress)
        return {
            "bench": "chain",
            "node": "anvil (embedded default)",
            "machine": {"cpus": _cpus(), "python": platform.python_version()},
            "gas": gas,
            "transfers": transfers,
            "tx_per_s": round(client_rate, 1),
            "baseline_tx_per_s": round(baseline_rate, 1),
            "ratio": round(client_rate / baseline_rate, 3),
        }


def _cpus() -> int:
    return os.cpu_count() or 1


def _gas_per_operation(
    client: ChainClient,
    regulator: LocalAccount,
    importer: LocalAccount,
    trader_a: LocalAccount,
    trader_b: LocalAccount,
    anchorer: LocalAccount,
) -> dict[str, int]:
    batch = id_hash("gas-batch")
    gas = {"register_batch": client.register_batch(importer, batch, b"\x01" * 32).gas_used}
    gas["transfer_custody"] = client.transfer_custody(
        importer, batch, trader_a.address, b"\x02" * 32
    ).gas_used
    children = [id_hash("gas-child-1"), id_hash("gas-child-2")]
    gas["split_batch"] = client.split_batch(trader_a, batch, children, b"\x03" * 32).gas_used
    gas["issue_recall"] = client.issue_recall(regulator, batch, b"\x04" * 32).gas_used
    gas["lift_recall"] = client.lift_recall(regulator, batch, b"\x05" * 32).gas_used
    log_id = id_hash("bench-log")
    gas["anchor_checkpoint"] = client.commit_checkpoint(anchorer, log_id, 1000, b"\x06" * 32).gas_used
    return gas


def _prepare_batch(client: ChainClient, importer: LocalAccount, trader_a: LocalAccount, label: str) -> bytes:
    batch = id_hash(f"throughput-{label}")
    client.register_batch(importer, batch, b"\x07" * 32)
    client.transfer_custody(importer, batch, trader_a.address, b"\x08" * 32)
    return batch


def _transfer_rate(
    client: ChainClient,
    importer: LocalAccount,
    trader_a: LocalAccount,
    trader_b: LocalAccount,
    transfers: int,
    label: str,
    progress: Progress,
) -> float:
    batch = _prepare_batch(client, importer, trader_a, label)
    pair = (trader_a, trader_b)
    started = time.perf_counter()
    for i in range(transfers):
        client.transfer_custody(pair[i % 2], batch, pair[(i + 1) % 2].address, (i + 1).to_bytes(32, "big"))
        progress("transfer_custody (client)", i + 1, transfers)
    return transfers / (time.perf_counter() - started)


def _baseline_transfer_rate(
    client: ChainClient,
    importer: LocalAccount,
    trader_a: LocalAccount,
    trader_b: LocalAccount,
    transfers: int,
    progress: Progress,
) -> float:
    batch = _prepare_batch(client, importer, trader_a, "baseline")
    w3, registry = client.w3, client.contracts["BatchRegistry"]
    pair = (trader_a, trader_b)
    nonces: dict[str, int] = {a.address: w3.eth.get_transaction_count(a.address) for a in pair}
    started = time.perf_counter()
    for i in range(transfers):
        sender, receiver = pair[i % 2], pair[(i + 1) % 2]
        params: TxParams = {
            "from": sender.address,
            "chainId": client.chain_id,
            "gas": 100_000,
            "gasPrice": Wei(0),
            "nonce": Nonce(nonces[sender.address]),
        }
        nonces[sender.address] += 1
        fn = registry.functions.transferCustody(batch, receiver.address, (i + 1).to_bytes(32, "big"))
        tx = cast(dict[str, Any], fn.build_transaction(params))
        tx_hash = w3.eth.send_raw_transaction(sender.sign_transaction(tx).raw_transaction)
        w3.eth.wait_for_transaction_receipt(tx_hash, poll_latency=0.01)
        progress("transfer_custody (bare web3)", i + 1, transfers)
    return transfers / (time.perf_counter() - started)
