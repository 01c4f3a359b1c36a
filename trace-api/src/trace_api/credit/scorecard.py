"""The credit scorecard: a versioned, documented data file (TOML) that says how an organisation's
evidence becomes a score and a grade A/B/C/D. The package's own is ``scorecard.toml``; a deployment
names its own with ``SUYUAN_CREDIT_SCORECARD``. Loading checks it against the factors the code
knows (:mod:`.factors`): a factor or an outcome the code does not define is an error, named.
"""

from __future__ import annotations

import os
import tomllib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .factors import every_factor

Grade = Literal["A", "B", "C", "D"]
#: Best first.
GRADES: tuple[Grade, ...] = ("A", "B", "C", "D")
SCORECARD_ENV = "SUYUAN_CREDIT_SCORECARD"


class ScorecardError(ValueError):
    """A scorecard file that cannot be used, with where and why."""


def _default_frequencies() -> dict[Grade, int]:
    return {"A": 1, "B": 2, "C": 4, "D": 12}


class FactorTerms(BaseModel):
    """One factor's terms: its label, its weight (the most points it takes off), its window, the
    points each outcome of a matter takes off, and the grade an outcome caps the grade at."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = Field(min_length=1)
    weight: int = Field(ge=0)
    window_days: int = Field(ge=1)
    points: dict[str, int]
    caps: dict[str, Grade] = Field(default_factory=dict)


class Scorecard(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = Field(min_length=1, max_length=40)
    title: str
    base: int = Field(gt=0)
    #: The minimum score of A, B and C; below C's it is D.
    grades: dict[Literal["A", "B", "C"], int]
    factors: dict[str, FactorTerms]
    #: How many times a year a firm of each grade is drawn for inspection (双随机).
    inspections_per_year: dict[Grade, int] = Field(default_factory=_default_frequencies)

    @model_validator(mode="after")
    def _check(self) -> Scorecard:
        if set(self.grades) != {"A", "B", "C"}:
            raise ValueError("grades must give the minimum score of A, B and C")
        if not self.base >= self.grades["A"] > self.grades["B"] > self.grades["C"]:
            raise ValueError("grades: base >= A > B > C must hold")
        if set(self.inspections_per_year) != set(GRADES) or not all(
            0 <= n <= 12 for n in self.inspections_per_year.values()
        ):
            raise ValueError("inspections_per_year must give 0 to 12 inspections for each of A, B, C and D")
        known = every_factor()
        for name, terms in self.factors.items():
            if name not in known:
                raise ValueError(f"factors.{name}: no such factor (known: {', '.join(sorted(known))})")
            for outcome in {*terms.points, *terms.caps}:
                if outcome not in known[name].outcomes:
                    raise ValueError(
                        f"factors.{name}: {outcome!r} is not an outcome of {name} "
                        f"({', '.join(known[name].outcomes)})"
                    )
        return self

    def grade_of(self, score: int) -> Grade:
        for grade in GRADES[:3]:
            if score >= self.grades[grade]:  # type: ignore[index]
                return grade
        return "D"

    def kinds_read(self) -> frozenset[str]:
        """The record kinds (or ``prefix.*``) the scorecard's factors read."""
        known = every_factor()
        return frozenset(kind for name in self.factors for kind in known[name].reads)


def parse_scorecard(text: str, source: str = "scorecard") -> Scorecard:
    try:
        return Scorecard.model_validate(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise ScorecardError(f"{source}: not TOML: {exc}") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "".join(f"{p}: " for p in [".".join(str(p) for p in first["loc"])] if p)
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ScorecardError(f"{source}: {where}{message}") from exc


def default_scorecard_text() -> str:
    return resources.files(__package__).joinpath("scorecard.toml").read_text(encoding="utf-8")


@cache
def _load(path: str | None) -> Scorecard:
    if path is None:
        return parse_scorecard(default_scorecard_text(), "scorecard.toml")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ScorecardError(f"{SCORECARD_ENV}={path}: {exc.strerror}") from exc
    return parse_scorecard(text, path)


def load_scorecard(path: str | Path | None = None) -> Scorecard:
    """The scorecard at ``path``, else at ``$SUYUAN_CREDIT_SCORECARD``, else the package's."""
    chosen = path if path is not None else os.environ.get(SCORECARD_ENV) or None
    return _load(None if chosen is None else str(chosen))
