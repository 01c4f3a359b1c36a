"""Readiness: whether the service's background work keeps up (``/readyz``).

Not ready when a background loop (the anchorer, the workers, the reconciler, the ingest worker)
has not completed a pass within its bound, when a record has waited longer than the anchoring
bound (derived from ``SUYUAN_ANCHOR_EVERY_SECONDS``) for an anchored checkpoint, when a committed
fact has waited longer than ``SUYUAN_CHAIN_OUTBOX_BOUND_SECONDS`` for its chain call, or while the
reconciler's last pass left differences between the chain and the database it could not repair
(``GET /v1/chain/differences`` lists them): the service then no longer keeps what its answers
promise, and stays not ready until a pass finds both agreeing again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session

from evidence import anchor_bound_s

from .chainops import outbox_state
from .risk.evaluation import CURSOR
from .risk.models import RiskCursor
from .services import Services


def readiness(services: Services) -> tuple[list[dict[str, str]], dict[str, Any]]:
    """(the parts that are not ready, with why; every part's state)."""
    failing: list[dict[str, str]] = []
    parts: dict[str, Any] = {}
    for health in services.background:
        parts[health.name] = health.describe()
        reason = health.stalled()
        if reason is not None:
            failing.append({"part": health.name, "reason": reason})
    _chain_differences(services, failing, parts)
    _chain_outbox(services, failing, parts)
    _risk_cursor(services, parts)
    bound = anchor_bound_s(services.settings.anchor_every_seconds)
    waiting = services.ledger.unanchored_since()
    age = 0.0 if waiting is None else (dt.datetime.now(dt.UTC) - waiting).total_seconds()
    parts["checkpoints"] = {"oldest_unanchored_record_age_s": round(age, 3), "bound_s": bound}
    if age > bound:
        failing.append(
            {
                "part": "checkpoints",
                "reason": f"a record has waited {age:.0f} s for an anchored checkpoint (bound {bound:g} s)",
            }
        )
    return failing, parts


def _chain_differences(services: Services, failing: list[dict[str, str]], parts: dict[str, Any]) -> None:
    report = services.reconcile_report
    if report is None:
        return
    remaining = len(report.remaining)
    parts["chain_differences"] = {
        "lots_checked": report.checked,
        "remaining": remaining,
        "repaired": len(report.repairs),
        "repaired_since_start": services.repaired_since_start,
    }
    if remaining:
        reason = (
            f"the chain and the database differ in {remaining} way(s) the last reconcile could not "
            "repair (GET /v1/chain/differences)"
        )
        failing.append({"part": "chain_differences", "reason": reason})


def _chain_outbox(services: Services, failing: list[dict[str, str]], parts: dict[str, Any]) -> None:
    with Session(services.engine) as session:
        waiting, oldest, refused = outbox_state(session)
    age = 0.0 if oldest is None else (dt.datetime.now(dt.UTC) - oldest).total_seconds()
    bound = services.settings.chain_outbox_bound_seconds
    parts["chain_outbox"] = {
        "pending": waiting,
        "oldest_pending_age_s": round(age, 3),
        "bound_s": bound,
        "failed": refused,
    }
    if age > bound:
        failing.append(
            {
                "part": "chain_outbox",
                "reason": f"a fact has waited {age:.0f} s for its chain call (bound {bound:g} s)",
            }
        )


def _risk_cursor(services: Services, parts: dict[str, Any]) -> None:
    """How far the risk engine has read the log (once it has run): progress, never a failure,
    since its loop's own health says whether it keeps going."""
    with Session(services.engine) as session:
        cursor = session.get(RiskCursor, CURSOR)
    if cursor is None:
        return
    parts["risk_cursor"] = {
        "next_index": cursor.next_index,
        "behind": max(0, services.ledger.size() - cursor.next_index),
        "records_read": cursor.records_read,
        "warnings_raised": cursor.warnings_raised,
        "rules_version": cursor.rules_version,
    }
