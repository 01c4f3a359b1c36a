"""The rule engine: rules applied to records one at a time, each rule's state kept per group.

Pure: it reads records handed to it in ledger order and answers the warnings they raise; where the
records come from and where the state is kept is :mod:`.evaluation`'s. The state is plain JSON by
(rule id, group key), so it is stored as it is and the engine resumes from it; the state of a
rule's group holds only what its condition still needs (the window's record ids and times, the
steps of a sequence taken so far, the last value), and is dropped once it holds nothing.

Count rules that count the same records (the same kinds, filters and key paths, no lookup) share
one window per group, kept under the id of the first of them in the rules file: a record is
appended once, each rule counts the entries within its own window after the record it last fired
on (``f``), and entries that no rule can count again are dropped. A window, or a sequence with a
window, whose last record has been out of every window for a day of the records' time is
dropped by :meth:`RiskEngine.feed_all`, so the state is bounded by what the windows hold.

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
#: How late (in the records' own time) a record may come and still be counted with the state that
#: expired before it; expired state is looked for by the day it falls due (this long).
LATE_S = DAY_S


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
        #: What a count counts: rules with the same share one window per group.
        self.counts_sig: tuple[Any, ...] = (
            self.filter_sig, tuple(sorted(paths.items())), rule.id if rule.lookup else None,
        )  # fmt: skip

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
class _Share:
    """Count rules that count the same records: one window per group, kept under ``state_id``
    for ``keep_s`` (the longest of their windows)."""

    state_id: str
    #: (rule id, threshold, window in seconds, rule) of each count, in the rules file's order.
    counts: list[tuple[str, int, float, Rule]] = field(default_factory=list)
    keep_s: float = 0.0

    def add(self, compiled: _Compiled) -> None:
        rule = compiled.rule
        self.counts.append((rule.id, compiled.at_least, compiled.window_s, rule))
        self.keep_s = max(self.keep_s, compiled.window_s)


@dataclass
class _Bucket:
    """The rules of one kind that test the same filters and group by the same paths: a record's
    filters and groups are worked out once for all of them; their counts run inline."""

    tests: list[Callable[[dict[str, Any]], bool]]
    getters: list[Getter]
    shares: list[_Share] = field(default_factory=list)
    others: list[_Compiled] = field(default_factory=list)


def _share(compiled_rules: list[_Compiled]) -> dict[str, _Share]:
    """Each count rule's share, by rule id."""
    shares: dict[tuple[Any, ...], _Share] = {}
    found: dict[str, _Share] = {}
    for compiled in compiled_rules:
        if compiled.at_least:
            share = shares.setdefault(compiled.counts_sig, _Share(compiled.rule.id))
            share.add(compiled)
            found[compiled.rule.id] = share
    return found


def _plan(compiled_rules: list[_Compiled], shares: dict[str, _Share]) -> dict[str, list[_Bucket]]:
    plans: dict[str, dict[tuple[Any, ...], _Bucket]] = {}
    for compiled in compiled_rules:
        for kind in compiled.rule.kinds:
            if compiled.lookup is not None and kind == compiled.lookup.applies_to:
                continue  # its keys go through its lookup: see RiskEngine._translating
            sig = (compiled.filter_sig, compiled.key_sigs[kind])
            bucket = plans.setdefault(kind, {}).setdefault(sig, _Bucket(compiled.tests, compiled.keys[kind]))
            if not compiled.at_least:
                bucket.others.append(compiled)
            elif (share := shares[compiled.rule.id]) not in bucket.shares:
                bucket.shares.append(share)
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
        self._shares = _share(every)
        self._plans = _plan(every, self._shares)
        #: How long after its newest record a state may matter, by the first part of its key.
        self._expiry: dict[str, float] = {s.state_id: s.keep_s for s in self._shares.values()}
        for compiled in every:
            if isinstance(compiled.rule.condition, Sequence) and compiled.window_s:
                self._expiry[compiled.rule.id] = compiled.window_s
        #: The keys of windows and timed sequences by the LATE_S-long period they may expire by.
        self._due: dict[int, set[StateKey]] = {}
        for key, state in self.states.items():
            self._check_due(key, state)
        #: Every kind some rule or lookup reads: feed_all passes the others by.
        self._reads = set(self._plans) | set(self._translating) | set(self._learners)

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
                for share in bucket.shares:
                    self._count(share, group, record, raised)
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
        """The warnings a batch of records raises, then the state that expired dropped (see
        :meth:`expire`). The cyclic garbage collector waits meanwhile: the states are many small
        lists that it would walk again and again, and a batch makes no cycles."""
        last: Observed | None = None
        reads = self._reads
        with paused_gc():
            found: list[Raised] = []
            for last in records:
                if last.kind in reads:
                    found += self.feed(last)
            if last is not None:
                self.expire(last.epoch)
        return found

    def expire(self, now: float) -> int:
        """Drops the windows and timed sequences whose last record is more than their window and
        :data:`LATE_S` before ``now`` (seconds since the epoch); answers how many. Run by
        :meth:`feed_all`; it looks only at the keys that fell due by ``now`` (by the day)."""
        gone = 0
        for period in sorted(p for p in self._due if p * LATE_S <= now):
            for key in self._due.pop(period):
                state = self.states.get(key)
                if state is None:
                    continue
                if self._check_due(key, state, now):
                    self._set(key, None)
                    gone += 1
        return gone

    def _check_due(self, key: StateKey, state: State, now: float | None = None) -> bool:
        """Whether ``key``'s state has expired by ``now``; if not, it is due again when it may."""
        keep = self._expiry.get(key[0])
        if keep is None:
            return False
        window = state.get("w")
        last = window[-1][0] if window else state.get("t")
        if last is None:
            return False
        if now is not None and last + keep + LATE_S <= now:
            return True
        self._due.setdefault(int((last + keep) / LATE_S) + 2, set()).add(key)
        return False

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
            raised: list[Raised] = []
            self._count(self._shares[compiled.rule.id], group, record, raised)
            return raised[0].evidence if raised else None
        if isinstance(condition, Sequence):
            return self._sequence(key, condition, compiled.window_s, record)
        assert compiled.becomes is not None
        return self._becomes(key, condition, compiled.becomes(record.payload), record)

    def _count(self, share: _Share, group: str, record: Observed, raised: list[Raised]) -> None:
        """Appends ``record`` to the group's shared window: its [time, record id, ledger index]
        entries within the longest window. A rule raises once it counts ``at_least`` entries
        within its window after the one it last fired on (``f``: rule id to ledger index), and
        entries every rule has fired past are dropped."""
        at = record.epoch
        key = (share.state_id, group)
        state = self.states.get(key)
        if state is None:
            window: list[Any] = []
            state = self.states[key] = {"w": window}
        else:
            window = state["w"]
            since = at - share.keep_s
            if window[0][0] <= since:
                window[:] = [w for w in window if w[0] > since]
        window.append((at, record.record_id, record.index))
        self._dirty.add(key)
        self._due.setdefault(int((at + share.keep_s) / LATE_S) + 2, set()).add(key)
        size = len(window)
        fired: dict[str, int] | None = None
        for rule_id, at_least, window_s, rule in share.counts:
            if size < at_least:
                continue
            after = state.get("f", {}).get(rule_id, -1)
            since = at - window_s
            counted = [w for w in window if w[0] > since and w[2] > after]
            if len(counted) >= at_least:  # the rule's window starts afresh
                fired = state.setdefault("f", {})
                fired[rule_id] = record.index
                raised.append(Raised(rule, group, tuple(w[1] for w in counted), record))
        if fired is None:
            return
        if len(fired) == len(share.counts):
            done = min(fired.values())
            window[:] = [w for w in window if w[2] > done]
            if not window:
                del self.states[key]

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
            if window_s:
                self._due.setdefault(int((record.epoch + window_s) / LATE_S) + 2, set()).add(key)
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
