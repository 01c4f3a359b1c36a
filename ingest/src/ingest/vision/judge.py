"""Judging kitchen violations from detections: per-frame rules, tracking, smoothing and cooldown.

A frame's detections are judged per cook: no ``chef_hat`` box on the head, no ``mask`` box on
the face, a ``phone`` box at the upper body, a ``cigarette`` box near the face; a ``rodent``, or
any other model class a site configures as a violation, anywhere. Cooks and rodents are followed
from frame to frame by an IoU tracker, and a violation of one tracked subject becomes an incident
only once it has persisted for ``persist_seconds``, seen in at least ``min_hit_ratio`` of the frames
that showed the subject, with gaps (missed detections, a subject briefly hidden) of at most
``max_gap_seconds``. After an incident the same violation is not reported again on the camera (or
on the track, per ``cooldown_scope``) for ``cooldown_seconds``; a violation still going on then is
reported again, its incident covering the time since the last report.

Rules are per site: a JSON or TOML file of :class:`SiteRules` fields, with an optional ``sites``
table of overrides by organisation handle or camera username (``{org}/{name}``).
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .classes import Violation
from .detector import Box, Detection
from .sources import CameraError

F = TypeVar("F")

COOK, CHEF_HAT, MASK, PHONE, CIGARETTE, RODENT = "cook", "chef_hat", "mask", "phone", "cigarette", "rodent"
#: What each built-in violation needs the model to see.
NEEDS: dict[str, frozenset[str]] = {
    Violation.no_chef_hat: frozenset({COOK, CHEF_HAT}),
    Violation.no_mask: frozenset({COOK, MASK}),
    Violation.phone_in_use: frozenset({COOK, PHONE}),
    Violation.smoking: frozenset({COOK, CIGARETTE}),
    Violation.rodent: frozenset({RODENT}),
}


class RulesError(CameraError):
    """A site's rules file cannot be read or is invalid."""


class SiteRules(BaseModel):
    """Which violations one site (a restaurant, a canteen, one camera) judges, and how strictly."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    violations: frozenset[str] = Field(
        default=frozenset(Violation),
        description="built-in violations to judge, plus any model class whose mere presence is one",
    )
    min_confidence: float = Field(default=0.35, ge=0, le=1, description="detections below are ignored")
    class_min_confidence: dict[str, float] = Field(
        default_factory=dict, description="per-class thresholds overriding min_confidence"
    )
    persist_seconds: float = Field(default=3.0, ge=0, description="how long a violation lasts to count")
    max_gap_seconds: float = Field(
        default=1.0, gt=0, description="misses shorter than this are bridged; at least one frame's time"
    )
    min_hit_ratio: float = Field(
        default=0.5, ge=0, le=1, description="share of the subject's frames that must show the violation"
    )
    cooldown_seconds: float = Field(default=60.0, ge=0, description="quiet time after an incident")
    cooldown_scope: Literal["camera", "track"] = "camera"
    head_fraction: float = Field(default=0.25, gt=0, le=1, description="top share of a cook box: the head")
    upper_body_fraction: float = Field(default=0.6, gt=0, le=1)
    min_overlap: float = Field(
        default=0.5, gt=0, le=1, description="share of an item's box inside a cook's region to belong to it"
    )
    track_iou: float = Field(default=0.2, gt=0, le=1, description="IoU that continues a track")

    @field_validator("violations")
    @classmethod
    def _names(cls, value: frozenset[str]) -> frozenset[str]:
        for name in value:
            if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
                raise ValueError(f"{name!r} is not a violation or class name (lower-case letters, digits, _)")
        return value

    @property
    def extra_classes(self) -> frozenset[str]:
        """Model classes configured as violations in themselves."""
        return self.violations - frozenset(Violation)

    def threshold(self, class_name: str) -> float:
        return self.class_min_confidence.get(class_name, self.min_confidence)

    def check_model(self, class_names: Sequence[str]) -> None:
        """Raises :class:`RulesError` when a configured violation needs a class the model lacks."""
        known = set(class_names)
        for name in sorted(self.violations):
            missing = NEEDS.get(name, frozenset({name})) - known
            if missing:
                raise RulesError(
                    f"violation {name!r} needs the model class(es) {', '.join(sorted(missing))}, "
                    f"which the model does not have (it has {', '.join(class_names)})"
                )


def load_site_rules(path: Path | None, site: str | None = None) -> SiteRules:
    """The rules in ``path`` (JSON or TOML) for ``site``: an org handle or camera username, the
    username's ``sites`` entry over the organisation's over the file's top level. Defaults for None.
    """
    if path is None:
        return SiteRules()
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except OSError as exc:
        raise RulesError(f"site rules {path}: {exc.strerror or exc}") from exc
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise RulesError(f"site rules {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise RulesError(f"site rules {path}: expected a table of settings")
    sites = data.pop("sites", {})
    if not isinstance(sites, dict):
        raise RulesError(f"site rules {path}: sites: expected a table by organisation or camera")
    merged: dict[str, Any] = dict(data)
    keys = [] if site is None else [site.split("/", 1)[0], site] if "/" in site else [site]
    for key in keys:
        override = sites.get(key, {})
        if not isinstance(override, dict):
            raise RulesError(f"site rules {path}: sites.{key}: expected a table of settings")
        merged.update(override)
    try:
        return SiteRules.model_validate(merged)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "rules"
        raise RulesError(f"site rules {path}: {where}: {first['msg']}") from exc


# -- one frame -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """A violation seen in one frame: its subject (a cook, a rodent) and the boxes that show it."""

    violation: str
    confidence: float
    subject: Detection
    evidence: tuple[Detection, ...] = ()


def _area(box: Box) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def _intersection(a: Box, b: Box) -> float:
    return _area((max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])))


def iou(a: Box, b: Box) -> float:
    inter = _intersection(a, b)
    union = _area(a) + _area(b) - inter
    return inter / union if union > 0 else 0.0


def _share_inside(item: Box, region: Box) -> float:
    area = _area(item)
    return _intersection(item, region) / area if area > 0 else 0.0


def regions(cook: Box, rules: SiteRules) -> dict[str, Box]:
    """Where on a cook each item belongs. A hat may stand well above the box (a person box may or
    may not include it); a phone is held beside the head or in front of the chest."""
    x1, y1, x2, y2 = cook
    w, h, head = x2 - x1, y2 - y1, rules.head_fraction * (y2 - y1)
    return {
        CHEF_HAT: (x1, y1 - 0.35 * h, x2, y1 + head),
        MASK: (x1, y1 - 0.05 * h, x2, y1 + head + 0.05 * h),
        PHONE: (x1 - 0.25 * w, y1 - 0.05 * h, x2 + 0.25 * w, y1 + rules.upper_body_fraction * h),
        CIGARETTE: (x1 - 0.25 * w, y1 - 0.05 * h, x2 + 0.25 * w, y1 + head + 0.1 * h),
    }


def judge_frame(detections: Sequence[Detection], rules: SiteRules) -> list[Finding]:
    """The violations one frame shows, already filtered by the rules' confidence thresholds."""
    kept = [d for d in detections if d.confidence >= rules.threshold(d.class_name)]
    by_class: dict[str, list[Detection]] = {}
    for d in kept:
        by_class.setdefault(d.class_name, []).append(d)
    cooks = by_class.get(COOK, [])
    items = _assign_items(cooks, by_class, rules)
    findings: list[Finding] = []
    for index, cook in enumerate(cooks):
        findings += _judge_cook(cook, items.get(index, {}), rules.violations)
    if Violation.rodent in rules.violations:
        findings += [Finding(Violation.rodent.value, d.confidence, d) for d in by_class.get(RODENT, [])]
    for name in sorted(rules.extra_classes):
        findings += [Finding(name, d.confidence, d) for d in by_class.get(name, [])]
    return findings


def _assign_items(
    cooks: list[Detection], by_class: dict[str, list[Detection]], rules: SiteRules
) -> dict[int, dict[str, list[Detection]]]:
    """Each hat, mask, phone and cigarette goes to at most one cook: the one whose region holds the
    largest share of it (at least ``min_overlap``), the nearest head on a tie. Cooks side by side
    would otherwise share the phone one of them holds."""
    where = [regions(c.box, rules) for c in cooks]
    assigned: dict[int, dict[str, list[Detection]]] = {}
    for name in (CHEF_HAT, MASK, PHONE, CIGARETTE):
        for item in by_class.get(name, []):
            scored = [
                (_share_inside(item.box, where[i][name]), -_head_distance(cooks[i].box, item.box), i)
                for i in range(len(cooks))
            ]
            share, _, owner = max(scored, default=(0.0, 0.0, -1))
            if share >= rules.min_overlap:
                assigned.setdefault(owner, {}).setdefault(name, []).append(item)
    return assigned


def _head_distance(cook: Box, item: Box) -> float:
    head_x, head_y = (cook[0] + cook[2]) / 2, cook[1] + 0.1 * (cook[3] - cook[1])
    return math.hypot((item[0] + item[2]) / 2 - head_x, (item[1] + item[3]) / 2 - head_y)


def _judge_cook(cook: Detection, items: dict[str, list[Detection]], on: frozenset[str]) -> list[Finding]:
    found: list[Finding] = []
    if Violation.no_chef_hat in on and not items.get(CHEF_HAT):
        found.append(Finding(Violation.no_chef_hat.value, cook.confidence, cook))
    if Violation.no_mask in on and not items.get(MASK):
        found.append(Finding(Violation.no_mask.value, cook.confidence, cook))
    for violation, name in ((Violation.phone_in_use, PHONE), (Violation.smoking, CIGARETTE)):
        held = items.get(name, []) if violation in on else []
        if held:
            best = max(held, key=lambda d: d.confidence)
            found.append(Finding(violation.value, min(cook.confidence, best.confidence), cook, (best,)))
    return found


# -- across frames ---------------------------------------------------------------------------------


@dataclass
class _Track:
    id: int
    class_name: str
    box: Box
    last_seen: float


class IouTracker:
    """Greedy IoU matching of subjects to the tracks of their class; a track unseen for longer than
    ``max_age`` seconds ends. Small fast subjects (rodents) also match by centre distance."""

    def __init__(self, min_iou: float, max_age: float) -> None:
        self.min_iou, self.max_age = min_iou, max_age
        self.tracks: dict[int, _Track] = {}
        self._next = 1

    def update(self, at: float, subjects: Sequence[Detection]) -> list[int]:
        """The track id of each subject, in order."""
        self.tracks = {i: t for i, t in self.tracks.items() if at - t.last_seen <= self.max_age}
        pairs = sorted(
            (
                (score, si, ti)
                for si, s in enumerate(subjects)
                for ti, t in self.tracks.items()
                if t.class_name == s.class_name and (score := _match_score(t.box, s.box, self.min_iou)) > 0
            ),
            reverse=True,
        )
        ids: list[int | None] = [None] * len(subjects)
        taken: set[int] = set()
        for _, si, ti in pairs:
            if ids[si] is None and ti not in taken:
                ids[si] = ti
                taken.add(ti)
        result: list[int] = []
        for si, subject in enumerate(subjects):
            track_id = ids[si]
            if track_id is None:
                track_id, self._next = self._next, self._next + 1
            self.tracks[track_id] = _Track(track_id, subject.class_name, subject.box, at)
            result.append(track_id)
        return result


def _match_score(track: Box, box: Box, min_iou: float) -> float:
    overlap = iou(track, box)
    if overlap >= min_iou:
        return overlap
    size = max(track[2] - track[0], track[3] - track[1])
    dx = (track[0] + track[2] - box[0] - box[2]) / 2
    dy = (track[1] + track[3] - box[1] - box[3]) / 2
    distance = math.hypot(dx, dy)
    return 0.01 * (1 - distance / size) if size > 0 and distance < size else 0.0


@dataclass(frozen=True)
class IncidentCandidate(Generic[F]):
    """A violation that persisted: its span (source seconds), best frame and that frame's boxes."""

    violation: str
    started_at: float
    ended_at: float
    confidence: float
    track_id: int
    best_at: float
    frame: F
    subject: Detection
    evidence: tuple[Detection, ...]
    frames_seen: int

    @property
    def boxes(self) -> tuple[Detection, ...]:
        return (self.subject, *self.evidence)


@dataclass
class _Run(Generic[F]):
    """One subject's current spell of one violation."""

    first: float
    last: float
    best: Finding
    best_at: float
    best_frame: F
    hits: int = 1
    misses: int = 0

    def see(self, at: float, finding: Finding, frame: F) -> None:
        self.last, self.hits = at, self.hits + 1
        if finding.confidence > self.best.confidence:
            self.best, self.best_at, self.best_frame = finding, at, frame

    def restart(self, at: float, finding: Finding, frame: F) -> None:
        """After a report: the next one covers the time from now."""
        self.first = self.last = self.best_at = at
        self.best, self.best_frame, self.hits, self.misses = finding, frame, 1, 0


@dataclass
class Judge(Generic[F]):
    """Turns a camera's detections, frame by frame in time order, into incident candidates.

    ``F`` is whatever the caller keeps of a frame (the picture, for the snapshot); the judge only
    holds on to the best frame of each running violation.
    """

    rules: SiteRules
    tracker: IouTracker = field(init=False)
    runs: dict[tuple[int, str], _Run[F]] = field(init=False, default_factory=dict)
    #: When each cooldown key was last reported (source seconds).
    reported: dict[tuple[int, str] | str, float] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.tracker = IouTracker(self.rules.track_iou, self.rules.max_gap_seconds)

    def observe(self, at: float, detections: Sequence[Detection], frame: F) -> list[IncidentCandidate[F]]:
        """Takes one frame taken at ``at`` seconds; returns the incidents it completes."""
        findings = judge_frame(detections, self.rules)
        subjects = list({id(f.subject): f.subject for f in findings}.values())
        subjects += [
            d
            for d in detections
            if d.class_name == COOK
            and d.confidence >= self.rules.threshold(COOK)
            and all(d is not s for s in subjects)
        ]
        track_ids = dict(zip((id(s) for s in subjects), self.tracker.update(at, subjects), strict=True))
        seen_now: dict[tuple[int, str], Finding] = {}
        for finding in sorted(findings, key=lambda f: -f.confidence):
            key = (track_ids[id(finding.subject)], finding.violation)
            if key in seen_now:
                continue
            seen_now[key] = finding
            run = self.runs.get(key)
            if run is None or at - run.last > self.rules.max_gap_seconds:
                self.runs[key] = _Run(at, at, finding, at, frame)
            else:
                run.see(at, finding, frame)
        visible = set(track_ids.values())
        for key, run in list(self.runs.items()):
            if key in seen_now:
                continue
            if at - run.last > self.rules.max_gap_seconds:
                del self.runs[key]
            elif key[0] in visible:
                run.misses += 1
        due = (self._due(key, at, seen_now[key], frame) for key in sorted(seen_now))
        return [c for c in due if c is not None]

    def _due(self, key: tuple[int, str], at: float, now: Finding, frame: F) -> IncidentCandidate[F] | None:
        run, rules = self.runs[key], self.rules
        if run.last - run.first < rules.persist_seconds:
            return None
        if run.hits < rules.min_hit_ratio * (run.hits + run.misses):
            return None
        scope: tuple[int, str] | str = key if rules.cooldown_scope == "track" else key[1]
        last = self.reported.get(scope)
        if last is not None and at - last < rules.cooldown_seconds:
            return None
        self.reported[scope] = at
        best = run.best
        candidate = IncidentCandidate(
            violation=key[1], started_at=run.first, ended_at=at, confidence=best.confidence,
            track_id=key[0], best_at=run.best_at, frame=run.best_frame, subject=best.subject,
            evidence=best.evidence, frames_seen=run.hits,
        )  # fmt: skip
        run.restart(at, now, frame)
        return candidate
