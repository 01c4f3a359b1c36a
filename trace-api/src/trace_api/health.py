"""Readiness: whether the service's background work keeps up (``/readyz``).

Not ready when a background loop (the anchorer, the delivery worker) has not completed a pass
within its bound, when a record has waited longer than the anchoring bound (derived from
``SUYUAN_ANCHOR_EVERY_SECONDS``) for an anchored checkpoint, or when a committed fact has waited
longer than :data:`CHAIN_BOUND_S` for its chain call.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session

from evidence import anchor_bound_s

from .chainops import outbox_state
from .services import Services

#: How long a committed fact may wait for its chain call before the service counts as not ready.
CHAIN_BOUND_S = 120.0


def readiness(services: Services) -> tuple[list[dict[str, str]], dict[str, Any]]:
    """(the parts that are not ready, with why; every part's state)."""
    failing: list[dict[str, str]] = []
    parts: dict[str, Any] = {}
    for health in services.background:
        parts[health.name] = health.describe()
        reason = health.stalled()
        if reason is not None:
            failing.append({"part": health.name, "reason": reason})
    report = services.reconcile_report
    if report is not None:
        parts["chain_differences"] = {
            "lots_checked": report.checked,
            "remaining": len(report.remaining),
            "repaired": len(report.repairs),
            "repaired_since_start": services.repaired_since_start,
        }
    _chain_outbox(services, failing, parts)
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


def _chain_outbox(services: Services, failing: list[dict[str, str]], parts: dict[str, Any]) -> None:
    with Session(services.engine) as session:
        waiting, oldest, refused = outbox_state(session)
    age = 0.0 if oldest is None else (dt.datetime.now(dt.UTC) - oldest).total_seconds()
    parts["chain_outbox"] = {
        "pending": waiting,
        "oldest_pending_age_s": round(age, 3),
        "bound_s": CHAIN_BOUND_S,
        "failed": refused,
    }
    if age > CHAIN_BOUND_S:
        failing.append(
            {
                "part": "chain_outbox",
                "reason": f"a fact has waited {age:.0f} s for its chain call (bound {CHAIN_BOUND_S:g} s)",
            }
        )
