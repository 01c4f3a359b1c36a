"""``suyuan bench ledger``: append rate against raw inserts, proof latency at 1k and 1M records,
and on-chain gas per record for checkpoints of 100, 1,000 and 10,000 records against one
transaction per record. Everything runs in a temporary directory on a fresh anvil node.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_typing import HexStr
from sqlalchemy import Column, Integer, LargeBinary, MetaData, Table

from chain import ChainClient, LocalNode, Role, connect, deploy_contracts, id_hash
from evidence import (
    Anchorer,
    Ledger,
    NoteSigner,
    Record,
    generate_signing_key,
    make_engine,
    sqlite_url,
    write_transaction,
)
from trace_api.facts import ReceiveScanned

Progress = Callable[[str, int, int], None]
BATCH = 500
PROOF_SAMPLES = 1000
PROOF_WARM_UP = 200


def _record(i: int, tag: str) -> Record:
    return Record.model_validate(
        {
            "kind": ReceiveScanned.KIND,
            "record_id": f"{tag}-{i}",
            "time": "2026-11-27T08:00:00.000Z",
            "actor": {"org": "91310000MA1K4XYZ0A", "key_id": "scanner-7"},
            "subjects": [
                {"type": "batch", "id": f"batch-{i % 97}"},
                {"type": "code", "id": f"https://id.suyuan.local/01/09506000134352/10/L{i % 97}/21/{i:012d}"},
            ],
            "payload": {"action": "receive", "location": "urn:epc:id:sgln:9506000.13435.0", "quantity": 1},
        }
    )


def _open(path: Path, origin: str) -> Ledger:
    return Ledger(make_engine(sqlite_url(path)), origin, NoteSigner(generate_signing_key(), origin))


def _append_rates(tmp: Path, records: int, progress: Progress) -> dict[str, Any]:
    """Ledger appends against plain inserts of the same canonical bytes into the same database.

    "single": one durable transaction per record, as each API call appends. "batched": 500
    records per transaction, as bulk capture appends. "batched prepared": the same, with the
    canonical bytes made before the append, as EPCIS capture makes them (outside the writer lock).
    """
    ledger = _open(tmp / "rates.db", "bench.suyuan.local/rates")
    raw = Table(
        "raw_records", MetaData(), Column("id", Integer, primary_key=True), Column("body", LargeBinary)
    )
    raw.metadata.create_all(ledger.engine)
    single = [_record(i, "single") for i in range(records)]
    batched = [_record(i, "batched") for i in range(records)]
    prepared = [_record(i, "prepared") for i in range(records)]
    bodies = [r.canonical_bytes() for r in single + batched]
    prepared_bodies = [r.canonical_bytes() for r in prepared]

    def insert_raw(rows: list[tuple[int, bytes]]) -> None:
        with write_transaction(ledger.engine, "raw") as conn:
            conn.exec_driver_sql("INSERT INTO raw_records VALUES (?, ?)", rows)

    timings = {
        "append_per_s": _rate(records, lambda i: ledger.append(single[i]), 1, "append (ledger)", progress),
        "raw_insert_per_s": _rate(
            records, lambda i: insert_raw([(i, bodies[i])]), 1, "insert (raw)", progress
        ),
        "append_batched_per_s": _rate(
            records,
            lambda i: ledger.append_many(batched[i : i + BATCH]),
            BATCH,
            "append batched (ledger)",
            progress,
        ),
        "append_batched_prepared_per_s": _rate(
            records,
            lambda i: ledger.append_many(prepared[i : i + BATCH], bodies=prepared_bodies[i : i + BATCH]),
            BATCH,
            "append batched, bytes made before (ledger)",
            progress,
        ),
        "raw_batched_insert_per_s": _rate(
            records,
            lambda i: insert_raw(
                [(records + k, bodies[records + k]) for k in range(i, min(records, i + BATCH))]
            ),
            BATCH,
            "insert batched (raw)",
            progress,
        ),
    }
    return {
        "records": records,
        "batch": BATCH,
        **{k: round(v) for k, v in timings.items()},
        "append_ratio": round(timings["append_per_s"] / timings["raw_insert_per_s"], 3),
        "append_batched_ratio": round(
            timings["append_batched_per_s"] / timings["raw_batched_insert_per_s"], 3
        ),
        "append_batched_prepared_ratio": round(
            timings["append_batched_prepared_per_s"] / timings["raw_batched_insert_per_s"], 3
        ),
    }


def _rate(count: int, step: Callable[[int], object], stride: int, label: str, progress: Progress) -> float:
    started = time.perf_counter()
    for i in range(0, count, stride):
        step(i)
        progress(label, min(count, i + stride), count)
    return count / (time.perf_counter() - started)


def _build_log(path: Path, size: int, progress: Progress) -> Ledger:
    ledger = _open(path, f"bench.suyuan.local/proofs-{size}")
    chunk = 5000
    for start in range(0, size, chunk):
        ledger.append_many([_record(i, "proof") for i in range(start, min(size, start + chunk))])
        progress(f"build log of {size:,}", min(size, start + chunk), size)
    return ledger


def _proof_p99_ms(ledger: Ledger, size: int) -> float:
    """p99 of inclusion-proof time over random leaves, after a warm-up pass over other random leaves."""
    warm_up = random.Random(-size)
    for _ in range(PROOF_WARM_UP):
        ledger.inclusion_proof(warm_up.randrange(size), size)
    rng = random.Random(size)
    timings = []
    for _ in range(PROOF_SAMPLES):
        index = rng.randrange(size)
        started = time.perf_counter()
        ledger.inclusion_proof(index, size)
        timings.append((time.perf_counter() - started) * 1000)
    return round(statistics.quantiles(timings, n=100)[98], 3)


def _gas_per_record(tmp: Path, progress: Progress) -> dict[str, Any]:
    with LocalNode(tmp / "anvil", chain_id=31337) as node:
        assert node.rpc_url is not None
        w3 = connect(node.rpc_url)
        regulator, anchor_account = Account.create(), Account.create()
        client = ChainClient(w3, deploy_contracts(w3, regulator, id_hash("bench")))
        client.grant_member(regulator, anchor_account.address, Role.ANCHOR, id_hash("bench"))
        ledger = _open(tmp / "gas.db", "bench.suyuan.local/gas")
        anchorer = Anchorer(ledger, lambda: client, anchor_account)
        unbatched = []
        for i in range(20):
            ledger.append(_record(i, "gas"))
            unbatched.append(_anchor_now(ledger, anchorer, client))
        result: dict[str, Any] = {"gas_per_record_unbatched": round(statistics.mean(unbatched))}
        appended = 20
        for covered in (100, 1000, 10_000):
            for start in range(0, covered, BATCH):
                ledger.append_many(
                    [_record(appended + start + k, "gas") for k in range(min(BATCH, covered - start))]
                )
            appended += covered
            result[f"gas_per_record_{covered}"] = round(_anchor_now(ledger, anchorer, client) / covered, 2)
            progress("gas per record", covered, 10_000)
        result["ratio_unbatched_to_1000"] = round(
            result["gas_per_record_unbatched"] / result["gas_per_record_1000"], 1
        )
        return result


def _anchor_now(ledger: Ledger, anchorer: Anchorer, client: ChainClient) -> int:
    checkpoint = ledger.checkpoint()
    assert checkpoint is not None
    anchorer.step()
    stored = ledger.checkpoint_at_size(checkpoint.tree_size)
    assert stored is not None
    assert stored.anchor_tx is not None
    return int(client.w3.eth.get_transaction_receipt(HexStr(stored.anchor_tx))["gasUsed"])


def run_ledger_bench(records: int, large: int, progress: Progress) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="suyuan-bench-ledger-") as name:
        tmp = Path(name)
        result: dict[str, Any] = {
            "bench": "ledger",
            "database": "sqlite (WAL, synchronous=FULL)",
            "machine": {"cpus": os.cpu_count()},
        }
        result.update(_append_rates(tmp, records, progress))
        small = _build_log(tmp / "proofs-1k.db", 1000, progress)
        result["proof_ms_p99_1k"] = _proof_p99_ms(small, 1000)
        big = _build_log(tmp / "proofs-large.db", large, progress)
        key = "proof_ms_p99_1m" if large == 1_000_000 else f"proof_ms_p99_{large}"
        result[key] = _proof_p99_ms(big, large)
        result["proof_ratio_large_to_1k"] = round(result[key] / result["proof_ms_p99_1k"], 2)
        result.update(_gas_per_record(tmp, progress))
        return result
