"""Risk rules as data: what a rule reads, how it groups, when it raises a warning.

A rules file (TOML) names its ``version`` and holds ``[[rule]]`` tables. Each rule names the record
kinds it reads (``kinds``), the key it groups records by (``key``: payload paths, see
:func:`compile_path`), optional filters (``where``), one condition (``count`` in a sliding
``window``, a ``sequence`` of kinds in order, or a field that ``becomes`` a value), a ``level``
(``blue`` < ``yellow`` < ``orange`` < ``red``, 低/中/高/严重) and a ``message``. The rules shipped
with the package are ``default_rules.toml``; a deployment adds its own file
(``SUYUAN_RISK_RULES``), whose rules replace shipped ones of the same id.

A payload path is dotted (``organisation``, ``epcis.bizLocation``); ``name[]`` reads each element of a
list (a key of each); ``|org`` takes the organisation handle of a ``{org}/{name}`` username.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

KIND_PATTERN = r"^[a-z][a-z0-9_]*(\.[A-Za-z0-9_]+)*$"
PATH_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*(\[\])?(\.[A-Za-z_][A-Za-z0-9_]*(\[\])?)*(\|org)?$"
RULE_ID_PATTERN = r"^[a-z][a-z0-9_]{1,63}$"


class RuleError(ValueError):
    """A rules file that cannot be read; ``field`` names where (``rule[2].window``)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class Level(StrEnum):
    """A warning's level, lowest first (蓝/黄/橙/红)."""

    blue = "blue"
    yellow = "yellow"
    orange = "orange"
    red = "red"


LEVEL_ORDER = {level: n for n, level in enumerate(Level)}

Path_ = Annotated[str, Field(pattern=PATH_PATTERN, max_length=200)]
Kind = Annotated[str, Field(pattern=KIND_PATTERN, max_length=64)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Filter(_Strict):
    """A test of one payload value: ``exists`` takes no value; ``in`` a list."""

    path: Path_
    op: Literal["==", "!=", "<", "<=", ">", ">=", "in", "exists"] = "=="
    value: Any = None


class Count(_Strict):
    """``at_least`` matching records of one group within ``window_days`` (a sliding window)."""

    type: Literal["count"]
    at_least: int = Field(ge=1, le=10_000)
    window_days: float = Field(gt=0, le=3660)


class Sequence(_Strict):
    """Records of the ``steps`` kinds in that order for one group, the last within ``window_days``
    of the first (if given): e.g. a violation after its rectification."""

    type: Literal["sequence"]
    steps: list[Kind] = Field(min_length=2, max_length=10)
    window_days: float | None = Field(default=None, gt=0, le=3660)


class Becomes(_Strict):
    """The value at ``path`` of a group's records turns into ``value`` (from anything else)."""

    type: Literal["becomes"]
    path: Path_
    value: Any


Condition = Annotated[Count | Sequence | Becomes, Field(discriminator="type")]


class Lookup(_Strict):
    """A mapping the rule learns from records of ``kind``: ``from_path``'s value to ``to_path``'s
    (a lot to its supplier); the keys of records of ``applies_to`` are translated through it (a
    recall's lots to their suppliers), and a key it has not learnt names no group."""

    kind: Kind
    from_path: Path_
    to_path: Path_
    applies_to: Kind


class Rule(_Strict):
    id: Annotated[str, Field(pattern=RULE_ID_PATTERN)]
    version: int = Field(default=1, ge=1)
    title: str = Field(min_length=1, max_length=200)
    kinds: list[Kind] = Field(min_length=1, max_length=20)
    #: The payload paths whose values together name the group (a firm, a stall, a supplier).
    key: list[Path_] = Field(min_length=1, max_length=5)
    #: Per kind, other key paths (the same number), for kinds that name the group otherwise.
    keys: dict[str, list[str]] = Field(default_factory=dict)
    where: list[Filter] = Field(default_factory=list, max_length=10)
    condition: Condition
    lookup: Lookup | None = None
    level: Level
    message: str = Field(min_length=1, max_length=500)

    @model_validator(mode="after")
    def _consistent(self) -> Rule:
        if isinstance(self.condition, Sequence):
            missing = [k for k in self.condition.steps if k not in self.kinds]
            if missing:
                raise ValueError(f"condition.steps names kinds the rule does not read: {missing}")
        for kind, paths in self.keys.items():
            if kind not in self.kinds:
                raise ValueError(f"keys names {kind!r}, a kind the rule does not read")
            if len(paths) != len(self.key):
                raise ValueError(f"keys.{kind} has {len(paths)} paths; key has {len(self.key)}")
        if self.lookup is not None and self.lookup.applies_to not in self.kinds:
            raise ValueError(
                f"lookup.applies_to names {self.lookup.applies_to!r}, a kind the rule does not read"
            )
        return self

    def reads(self) -> set[str]:
        """Every kind the rule needs, its lookup's included."""
        return set(self.kinds) | ({self.lookup.kind} if self.lookup else set())


class RuleSet(_Strict):
    version: str = Field(min_length=1, max_length=40)
    rules: list[Rule] = Field(default_factory=list, alias="rule", max_length=1000)

    def kinds(self) -> set[str]:
        return {k for rule in self.rules for k in rule.reads()}

    def merged(self, other: RuleSet) -> RuleSet:
        """These rules with ``other``'s added, ``other``'s winning where an id is in both."""
        by_id = {r.id: r for r in self.rules} | {r.id: r for r in other.rules}
        return RuleSet.model_validate(
            {"version": f"{self.version}+{other.version}", "rule": list(by_id.values())}
        )


def parse_rules(text: str, origin: str = "rules") -> RuleSet:
    """A rules file's text as a :class:`RuleSet`; :class:`RuleError` names the first bad field."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(origin, f"not TOML: {exc}") from exc
    try:
        found = RuleSet.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first["loc"]).lstrip(".")
        raise RuleError(where or origin, first["msg"]) from exc
    seen: set[str] = set()
    for n, rule in enumerate(found.rules):
        if rule.id in seen:
            raise RuleError(f"rule[{n}].id", f"{rule.id!r} is given twice")
        seen.add(rule.id)
    return found


def default_rules() -> RuleSet:
    return parse_rules(resources.files(__package__).joinpath("default_rules.toml").read_text("utf-8"))


def load_rules(extra: Path | None = None) -> RuleSet:
    """The shipped rules, with a deployment's file's rules added (theirs win on an id)."""
    rules = default_rules()
    if extra is None:
        return rules
    try:
        text = extra.read_text("utf-8")
    except OSError as exc:
        raise RuleError(str(extra), f"cannot be read: {exc.strerror}") from exc
    return rules.merged(parse_rules(text, str(extra)))


# -- paths ------------------------------------------------------------------------------------

Getter = Callable[[dict[str, Any]], list[Any]]


@dataclass(frozen=True)
class _Step:
    name: str
    each: bool


def compile_path(path: str) -> Getter:
    """A function giving the values at ``path`` in a payload (none where it is missing)."""
    org = path.endswith("|org")
    steps = [_Step(p.removesuffix("[]"), p.endswith("[]")) for p in path.removesuffix("|org").split(".")]
    if len(steps) == 1 and not steps[0].each and not org:
        name = steps[0].name

        def one(payload: dict[str, Any]) -> list[Any]:
            value = payload.get(name)
            return [] if value is None else [value]

        return one

    def walk(payload: dict[str, Any]) -> list[Any]:
        values = list(_walk([payload], steps))
        if org:
            return [v.split("/", 1)[0] for v in values if isinstance(v, str) and "/" in v]
        return values

    return walk


def _walk(values: list[Any], steps: list[_Step]) -> Iterator[Any]:
    for value in values:
        if not steps:
            if value is not None:
                yield value
            continue
        step, rest = steps[0], steps[1:]
        if not isinstance(value, dict) or value.get(step.name) is None:
            continue
        found = value[step.name]
        if step.each:
            yield from _walk(found if isinstance(found, list) else [], rest)
        else:
            yield from _walk([found], rest)
