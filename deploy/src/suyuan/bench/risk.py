"""``suyuan bench risk``: the risk engine's rule evaluation over a replayed stream of ledger records,
next to replaying the same stream without rules.

A temporary SQLite ledger is filled with ``records`` synthetic records (default 1,000,000) of the
kinds the rules read, from many firms, stalls, kitchens and suppliers over 30 days, with a share of
kinds no rule reads (scans). Both replays read the whole log from index 0 through the engine's
cursor read (:meth:`evidence.Ledger.records_from`, batches of 5,000) and decode each record as the
engine does; one also feeds every record to a :class:`~trace_api.risk.RiskEngine` holding 50 rules
(the 5 shipped, and 45 more of the three condition types). Each replay runs twice, interleaved,
and the faster run counts, since the machine may be shared. Writing the warnings and the states
(one transaction per batch in the job) is not part of the figure.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import time
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from evidence import Ledger, NoteSigner, Record, generate_signing_key, make_engine, sqlite_url
from trace_api.risk import RiskEngine, RuleSet, default_rules
from trace_api.risk.engine import paused_gc
from trace_api.risk.evaluation import observed

Progress = Callable[[str, int, int], None]
READ_BATCH = 5000
APPEND_BATCH = 5000
TARGET_RATIO = 0.5
START = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
SPAN_S = 30 * 86_400
FIRMS, STALLS, KITCHENS, SUPPLIERS, LOTS = 20_000, 5000, 5000, 3000, 50_000
VIOLATIONS = ("no_hat", "no_mask", "smoking", "rodent")
#: Kinds of the stream and their weights; ``scan.receive`` is read by no rule.
MIX = (
    ("alert.opened", 25), ("market.purchase_recorded", 20), ("market.disposal_opened", 5),
    ("incident.detected", 10), ("incident.rectified", 5), ("recall.issued", 1), ("credit.graded", 4),
    ("scan.receive", 30),
)  # fmt: skip


def bench_rules() -> RuleSet:
    """The 5 shipped rules and 45 more: counts, sequences and field changes over the same kinds."""
    rules: list[dict[str, Any]] = [r.model_dump(mode="json", by_alias=True) for r in default_rules().rules]
    for n in range(20):
        rules.append(_rule(
            f"bench_excursions_{n}", ["alert.opened"], ["device|org"],
            {"type": "count", "at_least": 2 + n % 5, "window_days": 1 + n % 14},
            where=[{"path": "rule", "op": "==", "value": ("temperature", "door_open", "silent")[n % 3]}],
        ))  # fmt: skip
    for n in range(10):
        kind, key = (
            ("market.disposal_opened", ["market", "stall"]),
            ("market.purchase_recorded", ["supplier_id"]),
        )[n % 2]
        rules.append(
            _rule(
                f"bench_market_{n}", [kind], key, {"type": "count", "at_least": 3 + n, "window_days": 2 + n}
            )
        )
    for n in range(8):
        steps = ["incident.rectified", "incident.detected"]
        rules.append(_rule(
            f"bench_kitchen_{n}", steps, ["organisation", "violation"] if n % 2 else ["organisation"],
            {"type": "sequence", "steps": steps, "window_days": 5 + n * 10},
        ))  # fmt: skip
    for n in range(7):
        rules.append(_rule(
            f"bench_grade_{n}", ["credit.graded"], ["organisation"],
            {"type": "becomes", "path": "grade", "value": "CD"[n % 2]},
            where=[{"path": "score", "op": "<", "value": 90 - n * 5}],
        ))  # fmt: skip
    return RuleSet.model_validate({"version": "bench", "rule": rules})


def _rule(
    rule_id: str,
    kinds: list[str],
    key: list[str],
    condition: dict[str, Any],
    where: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "id": rule_id, "title": rule_id, "kinds": kinds, "key": key, "condition": condition,
        "where": where or [], "level": "blue", "message": rule_id,
    }  # fmt: skip


def synthetic_records(count: int, seed: int = 7) -> Iterator[Record]:
    """``count`` records, one at a time, the same ones for the same seed."""
    chance = random.Random(seed)
    kinds = [k for k, _ in MIX]
    weights = [w for _, w in MIX]
    for i in range(count):
        yield _record(i, chance.choices(kinds, weights)[0], chance, count)


def _record(i: int, kind: str, chance: random.Random, count: int) -> Record:
    at = START + dt.timedelta(seconds=SPAN_S * i / count)
    time = at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    actor = {"org": f"91310000MA{chance.randrange(FIRMS):07d}", "key_id": "bench"}
    payload = _payload(kind, chance)
    return Record.model_validate(
        {"kind": kind, "record_id": f"bench-{i}", "time": time, "actor": actor, "payload": payload}
    )


def _payload(kind: str, chance: random.Random) -> dict[str, Any]:
    r = chance.randrange
    if kind == "alert.opened":
        rule = chance.choices(("temperature", "door_open", "silent"), (6, 2, 2))[0]
        return {
            "alert_id": f"AL-{r(10**9)}",
            "rule": rule,
            "device": f"firm-{r(FIRMS)}/t{r(4)}",
            "place": "冷库",
        }
    if kind == "market.purchase_recorded":
        lot = r(LOTS)
        where = {"market": f"m-{r(40)}", "stall": f"S-{r(STALLS)}"}
        supplied = {"batch_id": f"lot-{lot}", "supplier_id": f"sup-{lot % SUPPLIERS}", "quantity": 10}
        return {"purchase_id": f"P-{r(10**9)}", **where, **supplied}
    if kind == "market.disposal_opened":
        return {"disposal_id": f"D-{r(10**9)}", "market": f"m-{r(40)}", "stall": f"S-{r(STALLS)}"}
    if kind in ("incident.detected", "incident.rectified"):
        return {
            "incident_id": f"I-{r(10**9)}",
            "organisation": f"kitchen-{r(KITCHENS)}",
            "violation": chance.choice(VIOLATIONS),
        }
    if kind == "recall.issued":
        lot = r(LOTS)
        return {"recall_id": f"R-{r(10**9)}", "batch_id": f"lot-{lot}", "scope": [f"lot-{lot}"]}
    if kind == "credit.graded":
        return {"organisation": f"firm-{r(FIRMS)}", "grade": chance.choice("ABCD"), "score": r(100)}
    return {"action": "receive", "quantity": 1}


def _fill(ledger: Ledger, count: int, progress: Progress) -> None:
    """Appends the synthetic records a batch at a time (a million do not fit in memory at once)."""
    stream = synthetic_records(count)
    for start in range(0, count, APPEND_BATCH):
        ledger.append_many(list(islice(stream, APPEND_BATCH)))
        progress("bench risk: fill the ledger", min(count, start + APPEND_BATCH), count)


def replay(ledger: Ledger, engine: RiskEngine | None) -> tuple[int, int, float]:
    """Reads the whole log through the engine's cursor read, feeding ``engine`` if given: (records
    read, warnings raised, seconds). Both ways decode each batch with the collector paused, as
    :meth:`RiskEngine.feed_all` evaluates one."""
    began = time.perf_counter()
    cursor = read = raised = 0
    while True:
        found, cursor = ledger.records_from(cursor, READ_BATCH)
        with paused_gc():
            batch = [observed(stored) for stored in found]
        if engine is not None:
            raised += len(engine.feed_all(batch))
        read += len(found)
        if len(found) < READ_BATCH:
            return read, raised, time.perf_counter() - began


def run_risk_bench(records: int, progress: Progress) -> dict[str, Any]:
    rules = bench_rules()
    with tempfile.TemporaryDirectory(prefix="suyuan-bench-risk-") as tmp:
        origin = "bench.suyuan.local/risk"
        ledger = Ledger(
            make_engine(sqlite_url(Path(tmp) / "risk.db")), origin, NoteSigner(generate_signing_key(), origin)
        )
        try:
            _fill(ledger, records, progress)
            bare, ruled, warnings, groups = [], [], 0, 0
            for _ in range(2):
                bare.append(replay(ledger, None)[2])
                engine = RiskEngine(rules)
                read, warnings, seconds = replay(ledger, engine)
                ruled.append(seconds)
                groups = len(engine.states)
                progress("bench risk: replay", len(bare) + len(ruled), 4)
        finally:
            ledger.engine.dispose()
    replay_per_s, evaluate_per_s = records / min(bare), records / min(ruled)
    return {
        "records": records,
        "rules": len(rules.rules),
        "replay_per_s": round(replay_per_s),
        "evaluate_per_s": round(evaluate_per_s),
        "ratio": round(evaluate_per_s / replay_per_s, 3),
        "target_ratio": TARGET_RATIO,
        "warnings_raised": warnings,
        "groups_with_state": groups,
        "records_read": read,
    }
