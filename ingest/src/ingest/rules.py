"""Alert rules (GB 31605 cold-chain limits, doors, silent devices) and how one rule's state moves.

An alert opens when a condition has held for longer than its rule allows (a brief excursion while
loading is not an alert), and closes with the first reading back in range. Rules are read from a
JSON or TOML file named by ``SUYUAN_ALERT_RULES``; unset, the defaults below apply.
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from trace_api.batches.models import StorageClass


class TemperatureRule(BaseModel):
    """The range a storage class keeps, and how long it may be left before an alert."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_celsius: float | None = None
    max_celsius: float | None = None
    for_seconds: float = Field(default=600, ge=0)

    @model_validator(mode="after")
    def _range(self) -> TemperatureRule:
        if (
            self.min_celsius is not None
            and self.max_celsius is not None
            and self.min_celsius > self.max_celsius
        ):
            raise ValueError("min_celsius is above max_celsius")
        return self

    def in_range(self, celsius: float) -> bool:
        low_ok = self.min_celsius is None or celsius >= self.min_celsius
        return low_ok and (self.max_celsius is None or celsius <= self.max_celsius)

    def describe(self) -> str:
        if self.min_celsius is None:
            return f"above {self.max_celsius:g} °C"
        if self.max_celsius is None:
            return f"below {self.min_celsius:g} °C"
        return f"outside {self.min_celsius:g}–{self.max_celsius:g} °C"


def _gb31605() -> dict[StorageClass, TemperatureRule]:
    return {
        StorageClass.frozen: TemperatureRule(max_celsius=-18),
        StorageClass.chilled: TemperatureRule(min_celsius=0, max_celsius=4),
        StorageClass.ambient: TemperatureRule(),
    }


class AlertRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    temperature: dict[StorageClass, TemperatureRule] = Field(default_factory=_gb31605)
    door_open_seconds: float = Field(default=300, ge=0, description="a door open longer than this")
    silent_seconds: float = Field(default=900, gt=0, description="a device heard from longer ago than this")

    @model_validator(mode="before")
    @classmethod
    def _over_defaults(cls, data: Any) -> Any:
        """A class named in the file changes only the fields it gives; the rest stay GB 31605's."""
        if not isinstance(data, dict) or not isinstance(data.get("temperature"), dict):
            return data
        merged: dict[Any, Any] = {k.value: v.model_dump() for k, v in _gb31605().items()}
        for name, given in data["temperature"].items():
            base = merged.get(name)
            merged[name] = {**base, **given} if isinstance(base, dict) and isinstance(given, dict) else given
        return {**data, "temperature": merged}


class RulesError(ValueError):
    pass


def load_rules(path: Path | None) -> AlertRules:
    """The rules in ``path`` (JSON or TOML); the defaults when ``path`` is None."""
    if path is None:
        return AlertRules()
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
        return AlertRules.model_validate(data)
    except OSError as exc:
        raise RulesError(f"alert rules {path}: {exc.strerror or exc}") from exc
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        if isinstance(exc, ValidationError):
            first = exc.errors(include_url=False)[0]
            where = ".".join(str(p) for p in first["loc"])
            raise RulesError(f"alert rules {path}: {where}: {first['msg']}") from exc
        raise RulesError(f"alert rules {path}: {exc}") from exc


@dataclass
class RuleState:
    """One rule of one device: the newest time looked at, the current bad run, the open alert."""

    last_time: dt.datetime
    pending_since: dt.datetime | None = None
    worst: float | None = None
    alert_id: str | None = None


@dataclass(frozen=True)
class Transition:
    """What a reading or the clock did to a rule: open an alert (since ``started``) or close it."""

    action: str  # "open" or "close"
    started: dt.datetime
    worst: float | None


def observe(
    state: RuleState, at: dt.datetime, bad: bool, value: float | None, limit_s: float, higher_is_worse: bool
) -> Transition | None:
    """Moves the rule's state with one reading taken at ``at``; older readings do not move it."""
    if at < state.last_time:
        return None
    state.last_time = at
    if not bad:
        opened = state.alert_id is not None
        worst, started = state.worst, state.pending_since
        state.pending_since, state.worst = None, None
        if opened and started is not None:
            return Transition("close", started, worst)
        return None
    if state.pending_since is None:
        state.pending_since, state.worst = at, value
    elif value is not None and state.worst is not None:
        state.worst = max(state.worst, value) if higher_is_worse else min(state.worst, value)
    return due(state, at, limit_s)


def due(state: RuleState, now: dt.datetime, limit_s: float) -> Transition | None:
    """Opens the alert once the bad run has lasted longer than ``limit_s`` (by reading time or clock)."""
    pending = state.pending_since
    if state.alert_id is None and pending is not None and (now - pending).total_seconds() >= limit_s:
        return Transition("open", pending, state.worst)
    return None
