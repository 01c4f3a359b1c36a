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
import gc
import json
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
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
        found = self._epoch
        if found is None:
            found = self._epoch = dt.datetime.fromisoformat(self.time).timestamp()
        return found


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
    """A rule made ready to run: its filters, its key getters by kind, its condition. Rules of a
    kind with the same ``filter_sig`` and ``key_sigs`` share a :class:`_Bucket`."""

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        self.tests = [_test(f) for f in rule.where]
        self.filter_sig = tuple((f.path, f.op, json.dumps(f.value, sort_keys=True)) for f in rule.where)
        paths = {kind: tuple(rule.keys.get(kind, rule.key)) for kind in rule.kinds}
        self.key_sigs = paths
        self.keys: dict[str, list[Getter]] = {
            kind: [compile_path(p) for p in ps] for kind, ps in paths.items()
        }
        self.lookup = rule.lookup
        self.learn_from = compile_path(rule.lookup.from_path) if rule.lookup else None
        self.learn_to = compile_path(rule.lookup.to_path) if rule.lookup else None
        condition = rule.condition
        self.becomes = compile_path(condition.path) if isinstance(condition, Becomes) else None
        self.window_s = (condition.window_days or 0.0) * DAY_S if not isinstance(condition, Becomes) else 0.0
        #: A count's threshold; 0 for the other conditions.
        self.at_least = condition.at_least if isinstance(condition, Count) else 0

    def translated(self, record: Observed, states: dict[StateKey, State]) -> list[str]:
        """The groups of a record whose keys go through the rule's lookup (a lot to its supplier)."""
        rid = self.rule.id
        parts = []
        for getter in self.keys[record.kind]:
            found = (states.get((rid, LOOKUP_PREFIX + str(v))) for v in getter(record.payload))
            parts.append(sorted({entry["to"] for entry in found if entry is not None}))
        return _combine(parts)


def _groups(getters: list[Getter], payload: dict[str, Any]) -> list[str]:
    """The group keys of a payload: one value per path joined, for each combination of values."""
    if len(getters) == 1:
        values = getters[0](payload)
        return [str(values[0])] if len(values) == 1 else sorted({str(v) for v in values})
    return _combine([getter(payload) for getter in getters])


def _combine(parts: list[list[Any]]) -> list[str]:
    if not all(parts):
        return []
    if all(len(values) == 1 for values in parts):
        return [KEY_SEPARATOR.join(str(values[0]) for values in parts)]
    combos: list[list[str]] = [[]]
    for values in parts:
        combos = [[*c, str(v)] for c in combos for v in dict.fromkeys(values)]
    return sorted({KEY_SEPARATOR.join(c) for c in combos})


@dataclass
class _Bucket:
    """The rules of one kind that test the same filters and group by the same paths: a record's
    filters and groups are worked out once for all of them; their counts run inline."""

    tests: list[Callable[[dict[str, Any]], bool]]
    getters: list[Getter]
    #: (rule id, threshold, window in seconds, rule) of each count.
    counts: list[tuple[str, int, float, Rule]] = field(default_factory=list)
    others: list[_Compiled] = field(default_factory=list)


def _plan(compiled_rules: list[_Compiled]) -> dict[str, list[_Bucket]]:
    plans: dict[str, dict[tuple[Any, ...], _Bucket]] = {}
    for compiled in compiled_rules:
        for kind in compiled.rule.kinds:
            if compiled.lookup is not None and kind == compiled.lookup.applies_to:
                continue  # its keys go through its lookup: see RiskEngine._translating
            sig = (compiled.filter_sig, compiled.key_sigs[kind])
            bucket = plans.setdefault(kind, {}).setdefault(sig, _Bucket(compiled.tests, compiled.keys[kind]))
            if compiled.at_least:
                bucket.counts.append((compiled.rule.id, compiled.at_least, compiled.window_s, compiled.rule))
            else:
                bucket.others.append(compiled)
    return {kind: list(buckets.values()) for kind, buckets in plans.items()}


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pauses the cyclic garbage collector (reference counting goes on), if it was running."""
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if running:
            gc.enable()


class RiskEngine:
    """Applies a rule set to records in ledger order; :attr:`states` is every group's state."""

    def __init__(self, rules: RuleSet, states: Mapping[StateKey, State] | None = None) -> None:
        self.rules = rules
        self.states: dict[StateKey, State] = dict(states or {})
        self._dirty: set[StateKey] = set()
        self._learners: dict[str, list[_Compiled]] = {}
        self._translating: dict[str, list[_Compiled]] = {}
        every = [_Compiled(rule) for rule in rules.rules]
        for compiled in every:
            if compiled.lookup is not None:
                self._learners.setdefault(compiled.lookup.kind, []).append(compiled)
                self._translating.setdefault(compiled.lookup.applies_to, []).append(compiled)
        self._plans = _plan(every)

    def kinds(self) -> set[str]:
        return self.rules.kinds()

    def feed(self, record: Observed) -> list[Raised]:
        """The warnings ``record`` raises, the states it touches updated."""
        raised: list[Raised] = []
        payload = record.payload
        for bucket in self._plans.get(record.kind, ()):
            if bucket.tests and not all(test(payload) for test in bucket.tests):
                continue
            for group in _groups(bucket.getters, payload):
                for rule_id, at_least, window_s, rule in bucket.counts:
                    found = self._count((rule_id, group), at_least, window_s, record)
                    if found is not None:
                        raised.append(Raised(rule, group, found, record))
                for compiled in bucket.others:
                    found = self._apply(compiled, group, record)
                    if found is not None:
                        raised.append(Raised(compiled.rule, group, found, record))
        for compiled in self._translating.get(record.kind, ()):
            if all(test(payload) for test in compiled.tests):
                for group in compiled.translated(record, self.states):
                    found = self._apply(compiled, group, record)
                    if found is not None:
                        raised.append(Raised(compiled.rule, group, found, record))
        for learner in self._learners.get(record.kind, ()):
            self._learn(learner, record)
        return raised

    def feed_all(self, records: Iterable[Observed]) -> list[Raised]:
        """The warnings a batch of records raises. The cyclic garbage collector waits meanwhile:
        the states are many small lists that it would walk again and again, and a batch makes no
        cycles."""
        with paused_gc():
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
            return self._count(key, condition.at_least, compiled.window_s, record)
        if isinstance(condition, Sequence):
            return self._sequence(key, condition, compiled.window_s, record)
        assert compiled.becomes is not None
        return self._becomes(key, condition, compiled.becomes(record.payload), record)

    def _count(
        self, key: StateKey, at_least: int, window_s: float, record: Observed
    ) -> tuple[str, ...] | None:
        """Keeps the group's window in place: its [time, record id] pairs within ``window_s``."""
        at = record.epoch
        state = self.states.get(key)
        if state is None:
            window: list[Any] = []
            self.states[key] = {"w": window}
        else:
            window = state["w"]
            if window and window[0][0] <= at - window_s:
                since = at - window_s
                window[:] = [w for w in window if w[0] > since]
        window.append((at, record.record_id))
        self._dirty.add(key)
        if len(window) >= at_least:
            del self.states[key]  # the window starts afresh
            return tuple(rid for _, rid in window)
        return None

    def _sequence(
        self, key: StateKey, condition: Sequence, window_s: float, record: Observed
    ) -> tuple[str, ...] | None:
        state = self.states.get(key)
        steps = condition.steps
        if state is not None and window_s and record.epoch - state["t"] > window_s:
            state = None
        if state is not None and steps[len(state["e"])] == record.kind:
            evidence = [*state["e"], record.record_id]
            if len(evidence) == len(steps):
                self._set(key, None)
                return tuple(evidence)
            self._set(key, {"t": state["t"], "e": evidence})
        elif record.kind == steps[0]:
            self._set(key, {"t": record.epoch if window_s else 0, "e": [record.record_id]})
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
