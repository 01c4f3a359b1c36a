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
from collections import deque
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
#: The city of a million records (30 days); a stream of another size has a city of its size, so
#: each firm, stall and kitchen writes as many records a month at any size.
PER_MILLION = {
    "firms": 20_000, "stalls": 5000, "kitchens": 5000, "suppliers": 3000, "lots": 50_000, "markets": 40,
}  # fmt: skip
VIOLATIONS = ("no_hat", "no_mask", "smoking", "rodent")
#: Records of each kind in a month of the city of a million records, from each one's rate:
#: a firm's credit grade is given or changes once in five months; a firm's cold store alarms once
#: in two months (most alarms from a few firms: see TROUBLED); a stall records one purchase (a lot
#: bought in) a day, and fails one rapid test in fifty days (2 % of daily tests); a kitchen's
#: cameras catch one violation a month, four in five of them rectified; ten recalls a month in the
#: city. The rest are the traceability records no rule reads (receipts, shipments, scans).
MIX = (
    ("credit.graded", 4000), ("alert.opened", 10_000), ("market.purchase_recorded", 150_000),
    ("market.disposal_opened", 3000), ("incident.detected", 5000), ("incident.rectified", 4000),
    ("recall.issued", 10), ("scan.receive", 823_990),
)  # fmt: skip
#: The share of a kind's records that come from the worst tenth of its firms, stalls or kitchens
#: (a failing compressor alarms twice a week; a kitchen that keeps breaking the rules).
TROUBLED = {"alert.opened": 0.8, "market.disposal_opened": 0.5, "incident.detected": 0.6}
#: The share of lots bought without their certificate (合格证) from the worst tenth of suppliers,
#: and from the others.
UNCERTIFIED = (0.05, 0.005)
#: Credit grades and their shares, with each grade's scores.
GRADES = (("A", 40, 90, 100), ("B", 35, 80, 89), ("C", 17, 65, 79), ("D", 8, 30, 64))


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
        kind, key, where = (
            ("market.disposal_opened", ["market", "stall"], []),
            (
                "market.purchase_recorded",
                ["supplier_id"],
                [{"path": "certified", "op": "==", "value": False}],
            ),
        )[n % 2]
        condition = {"type": "count", "at_least": 3 + n, "window_days": 2 + n}
        rules.append(_rule(f"bench_market_{n}", [kind], key, condition, where=where))
    for n in range(8):
        steps = ["incident.rectified", "incident.detected"]
        rules.append(_rule(
            f"bench_kitchen_{n}", steps, ["organisation", "violation"] if n % 2 else ["organisation"],
            {"type": "sequence", "steps": steps, "window_days": 5 + n * 10},
        ))  # fmt: skip
    for n in range(7):
        rules.append(_rule(
            f"bench_grade_{n}", ["credit.graded"], ["org"],
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
    """``count`` records in time order over 30 days, one at a time, the same ones for the same seed."""
    city = _City(count, random.Random(seed))
    kinds = [k for k, _ in MIX]
    weights = [w for _, w in MIX]
    for i in range(count):
        yield city.record(i, city.chance.choices(kinds, weights)[0])


class _City:
    """Who writes the records: firms, stalls (each in one market), kitchens, suppliers and their
    lots, as many as the stream's size makes; kitchens rectify what was detected, in order."""

    def __init__(self, count: int, chance: random.Random) -> None:
        self.count = count
        self.chance = chance
        size = {name: max(1, n * count // 1_000_000) for name, n in PER_MILLION.items()}
        self.firms, self.stalls, self.kitchens = size["firms"], size["stalls"], size["kitchens"]
        self.suppliers, self.lots, self.markets = size["suppliers"], size["lots"], size["markets"]
        self.detected: deque[tuple[int, str]] = deque()

    def record(self, i: int, kind: str) -> Record:
        at = START + dt.timedelta(seconds=SPAN_S * i / self.count)
        time = at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        actor = {"org": f"91310000MA{self.chance.randrange(self.firms):07d}", "key_id": "bench"}
        payload = self.payload(kind)
        return Record.model_validate(
            {"kind": kind, "record_id": f"bench-{i}", "time": time, "actor": actor, "payload": payload}
        )

    def pick(self, kind: str, among: int) -> int:
        """One of ``among``: from its worst tenth for the TROUBLED share of ``kind``'s records."""
        worst = max(1, among // 10)
        if self.chance.random() < TROUBLED.get(kind, 0.1):
            return self.chance.randrange(worst)
        return self.chance.randrange(among)

    def payload(self, kind: str) -> dict[str, Any]:
        r = self.chance.randrange
        if kind == "alert.opened":
            rule = self.chance.choices(("temperature", "door_open", "silent"), (6, 2, 2))[0]
            firm = self.pick(kind, self.firms)
            return {
                "alert_id": f"AL-{r(10**9)}",
                "rule": rule,
                "device": f"firm-{firm}/t{r(4)}",
                "place": "冷库",
            }
        if kind in ("market.purchase_recorded", "market.disposal_opened"):
            stall = self.pick(kind, self.stalls)
            where = {"market": f"m-{stall % self.markets}", "stall": f"S-{stall}"}
            if kind == "market.disposal_opened":
                return {"disposal_id": f"D-{r(10**9)}", **where}
            lot = r(self.lots)
            supplier = lot % self.suppliers
            certified = self.chance.random() >= UNCERTIFIED[supplier >= max(1, self.suppliers // 10)]
            supplied = {"batch_id": f"lot-{lot}", "supplier_id": f"sup-{supplier}", "certified": certified}
            return {"purchase_id": f"P-{r(10**9)}", **where, **supplied, "quantity": 10}
        if kind == "incident.detected" or (kind == "incident.rectified" and not self.detected):
            kitchen, violation = self.pick("incident.detected", self.kitchens), self.chance.choice(VIOLATIONS)
            if kind == "incident.detected":
                self.detected.append((kitchen, violation))
            return {
                "incident_id": f"I-{r(10**9)}",
                "organisation": f"kitchen-{kitchen}",
                "violation": violation,
            }
        if kind == "incident.rectified":
            kitchen, violation = self.detected.popleft()
            return {
                "incident_id": f"I-{r(10**9)}",
                "organisation": f"kitchen-{kitchen}",
                "violation": violation,
            }
        if kind == "recall.issued":
            lot = r(self.lots)
            return {"recall_id": f"R-{r(10**9)}", "batch_id": f"lot-{lot}", "scope": [f"lot-{lot}"]}
        if kind == "credit.graded":
            grade, _, low, high = self.chance.choices(GRADES, [g[1] for g in GRADES])[0]
            graded = f"firm-{self.pick(kind, self.firms)}"
            return {"org": graded, "uscc": graded, "grade": grade, "score": low + r(high - low + 1)}
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
