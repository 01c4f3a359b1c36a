"""The rule engine: rules applied to records one at a time, each rule's state kept per group.

Pure: it reads records handed to it in ledger order and answers the warnings they raise; where the
records come from and where the state is kept is :mod:`.evaluation`'s. The state is plain JSON by
(rule id, group key), so it is stored as it is and the engine resumes from it; the state of a
rule's group holds only what its condition still needs (the window's record ids and times, the
steps of a sequence taken so far, the last value), and is dropped once it holds nothing.

Times are the records' own (``time``), so a replay raises the same warnings as the first pass.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .rules import Becomes, Count, Filter, Getter, Rule, RuleSet, Sequence, compile_path

State = dict[str, Any]
StateKey = tuple[str, str]
#: Joins the values of a composite key.
KEY_SEPARATOR = " · "
#: Group keys of a rule's learnt lookup entries start so (no payload key does).
LOOKUP_PREFIX = "\x00lookup:"
DAY_S = 86_400.0


@dataclass
class Observed:
    """One ledger record as the engine reads it."""

    index: int
    record_id: str
    kind: str
    time: str
    payload: dict[str, Any]
    actor_org: str = ""
    _epoch: float | None = field(default=None, repr=False)

    @property
    def epoch(self) -> float:
        """The record's time in seconds since the epoch (parsed on first use)."""
        if self._epoch is None:
            self._epoch = dt.datetime.fromisoformat(self.time).timestamp()
        return self._epoch


@dataclass(frozen=True)
class Raised:
    """A warning a rule raised: its group, the records behind it (oldest first), and the record
    that completed it."""

    rule: Rule
    group: str
    evidence: tuple[str, ...]
    record: Observed


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
    ">": operator.gt, ">=": operator.ge, "in": lambda a, b: a in b,
}  # fmt: skip


def _test(check: Filter) -> Callable[[dict[str, Any]], bool]:
    read = compile_path(check.path)
    if check.op == "exists":
        return lambda payload: bool(read(payload))
    compare, wanted = _OPS[check.op], check.value

    def test(payload: dict[str, Any]) -> bool:
        for value in read(payload):
            try:
                if compare(value, wanted):
                    return True
            except TypeError:  # a value of another type than the rule's never matches
                continue
        return False

    return test


class _Compiled:
    """A rule made ready to run: its filters, its key getters by kind, its condition."""

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        self.tests = [_test(f) for f in rule.where]
        default = [compile_path(p) for p in rule.key]
        self.keys: dict[str, list[Getter]] = {
            kind: [compile_path(p) for p in rule.keys[kind]] if kind in rule.keys else default
            for kind in rule.kinds
        }
        self.lookup = rule.lookup
        self.learn_from = compile_path(rule.lookup.from_path) if rule.lookup else None
        self.learn_to = compile_path(rule.lookup.to_path) if rule.lookup else None
        condition = rule.condition
        self.becomes = compile_path(condition.path) if isinstance(condition, Becomes) else None

    def groups(self, record: Observed, states: dict[StateKey, State]) -> list[str]:
        parts = [getter(record.payload) for getter in self.keys[record.kind]]
        if not all(parts):
            return []
        if self.lookup is not None and record.kind == self.lookup.applies_to:
            rid = self.rule.id
            parts = [
                sorted({states[(rid, LOOKUP_PREFIX + str(v))]["to"] for v in values
                        if (rid, LOOKUP_PREFIX + str(v)) in states})
                for values in parts
            ]  # fmt: skip
        if len(parts) == 1:
            return sorted({str(v) for v in parts[0]})
        combos: list[list[str]] = [[]]
        for values in parts:
            combos = [[*c, str(v)] for c in combos for v in dict.fromkeys(values)]
        return sorted({KEY_SEPARATOR.join(c) for c in combos})


class RiskEngine:
    """Applies a rule set to records in ledger order; :attr:`states` is every group's state."""

    def __init__(self, rules: RuleSet, states: Mapping[StateKey, State] | None = None) -> None:
        self.rules = rules
        self.states: dict[StateKey, State] = dict(states or {})
        self._dirty: set[StateKey] = set()
        self._by_kind: dict[str, list[_Compiled]] = {}
        self._learners: dict[str, list[_Compiled]] = {}
        for rule in rules.rules:
            compiled = _Compiled(rule)
            for kind in rule.kinds:
                self._by_kind.setdefault(kind, []).append(compiled)
            if rule.lookup is not None:
                self._learners.setdefault(rule.lookup.kind, []).append(compiled)

    def kinds(self) -> set[str]:
        return self.rules.kinds()

    def feed(self, record: Observed) -> list[Raised]:
        """The warnings ``record`` raises, the states it touches updated."""
        raised: list[Raised] = []
        for compiled in self._by_kind.get(record.kind, ()):
            if all(test(record.payload) for test in compiled.tests):
                for group in compiled.groups(record, self.states):
                    found = self._apply(compiled, group, record)
                    if found is not None:
                        raised.append(Raised(compiled.rule, group, found, record))
        for compiled in self._learners.get(record.kind, ()):
            self._learn(compiled, record)
        return raised

    def feed_all(self, records: Iterable[Observed]) -> list[Raised]:
        return [raised for record in records for raised in self.feed(record)]

    def take_changes(self) -> dict[StateKey, State | None]:
        """The states changed since the last call (None: dropped), to be stored."""
        changed = {key: self.states.get(key) for key in self._dirty}
        self._dirty.clear()
        return changed

    def _learn(self, compiled: _Compiled, record: Observed) -> None:
        assert compiled.learn_from is not None
        assert compiled.learn_to is not None
        targets = compiled.learn_to(record.payload)
        if not targets:
            return
        for value in compiled.learn_from(record.payload):
            self._set((compiled.rule.id, LOOKUP_PREFIX + str(value)), {"to": str(targets[0])})

    def _set(self, key: StateKey, state: State | None) -> None:
        if state is None:
            self.states.pop(key, None)
        else:
            self.states[key] = state
        self._dirty.add(key)

    def _apply(self, compiled: _Compiled, group: str, record: Observed) -> tuple[str, ...] | None:
        key = (compiled.rule.id, group)
        condition = compiled.rule.condition
        if isinstance(condition, Count):
            return self._count(key, condition, record)
        if isinstance(condition, Sequence):
            return self._sequence(key, condition, record)
        assert compiled.becomes is not None
        return self._becomes(key, condition, compiled.becomes(record.payload), record)

    def _count(self, key: StateKey, condition: Count, record: Observed) -> tuple[str, ...] | None:
        since = record.epoch - condition.window_days * DAY_S
        window = [w for w in self.states.get(key, {}).get("w", ()) if w[0] > since]
        window.append([record.epoch, record.record_id])
        if len(window) >= condition.at_least:
            self._set(key, None)
            return tuple(rid for _, rid in window)
        self._set(key, {"w": window})
        return None

    def _sequence(self, key: StateKey, condition: Sequence, record: Observed) -> tuple[str, ...] | None:
        state = self.states.get(key)
        steps = condition.steps
        window = condition.window_days
        if state is not None and window is not None and record.epoch - state["t"] > window * DAY_S:
            state = None
        if state is not None and steps[len(state["e"])] == record.kind:
            evidence = [*state["e"], record.record_id]
            if len(evidence) == len(steps):
                self._set(key, None)
                return tuple(evidence)
            self._set(key, {"t": state["t"], "e": evidence})
        elif record.kind == steps[0]:
            self._set(key, {"t": record.epoch if condition.window_days else 0, "e": [record.record_id]})
        return None

    def _becomes(
        self, key: StateKey, condition: Becomes, values: list[Any], record: Observed
    ) -> tuple[str, ...] | None:
        if not values:
            return None
        value = values[0]
        before = self.states.get(key, {}).get("v")
        if value == before:
            return None
        self._set(key, {"v": value})
        return (record.record_id,) if value == condition.value else None
