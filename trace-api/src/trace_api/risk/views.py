"""Warnings as callers see them: the lists (open first by level), and one warning with its
evidence records and its workflow's records from the ledger."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from sqlmodel import Session, col, func, select

from evidence import Ledger, UnknownRecord, leaf_hash

from .._paging import newest_after, page_of
from ..errors import Forbidden
from ..orgs.models import OrgType
from ..orgs.service import Member
from ..paperwork.applicants import handle_of, ledger_history
from .models import RiskWarning, WarningStatus
from .rules import LEVEL_ORDER, Level

StatusFilter = Literal["all", "active", "open", "assigned", "handled", "closed"]
ACTIVE = (WarningStatus.open, WarningStatus.assigned, WarningStatus.handled)


@dataclass(frozen=True)
class WarningQuery:
    status: StatusFilter = "active"
    level: Level | None = None
    rule: str | None = None


def check_regulator(member: Member) -> None:
    if member.org.org_type is not OrgType.regulator:
        raise Forbidden(f"only a market regulator reads risk warnings; {member.org.handle} is not one")


def list_warnings(
    session: Session, member: Member, wanted: WarningQuery, limit: int = 50, cursor: str | None = None
) -> tuple[list[RiskWarning], str | None]:
    """Newest first, a page at a time (keyset)."""
    check_regulator(member)
    query = select(RiskWarning)
    if wanted.status == "active":
        query = query.where(col(RiskWarning.status).in_(ACTIVE))
    elif wanted.status != "all":
        query = query.where(RiskWarning.status == wanted.status)
    if wanted.level is not None:
        query = query.where(RiskWarning.level == wanted.level.value)
    if wanted.rule:
        query = query.where(RiskWarning.rule_id == wanted.rule)
    after = newest_after(session, RiskWarning, cursor, "raised_at")
    if after is not None:
        query = query.where(after)
    query = query.order_by(col(RiskWarning.raised_at).desc(), col(RiskWarning.id).desc()).limit(limit + 1)
    return page_of(session.exec(query).all(), limit, lambda w: w.id)


def count_active_by_level(session: Session) -> dict[str, int]:
    """Warnings not closed, by level, highest first: one grouped count over the (status, level)
    index, never the warnings one by one."""
    rows = session.exec(
        select(RiskWarning.level, func.count())
        .where(col(RiskWarning.status).in_(ACTIVE))
        .group_by(col(RiskWarning.level))
    ).all()
    counts = {level.value: 0 for level in sorted(Level, key=LEVEL_ORDER.__getitem__, reverse=True)}
    for level, n in rows:
        counts[level] = counts.get(level, 0) + n
    return counts


def describe_warning(session: Session, warning: RiskWarning) -> dict[str, Any]:
    data = warning.model_dump(mode="json", exclude={"org_id", "assignee_id", "evidence"})
    data.update(
        evidence=json.loads(warning.evidence),
        organisation=handle_of(session, warning.org_id),
        assignee=handle_of(session, warning.assignee_id),
    )
    return data


def describe_in_full(ledger: Ledger, session: Session, warning: RiskWarning) -> dict[str, Any]:
    """The warning, each evidence record (kind, index, time, payload, leaf hash) and its history."""
    data = describe_warning(session, warning)
    records = []
    for record_id in data["evidence"]:
        try:
            stored = ledger.get(record_id, conn=session.connection())
        except UnknownRecord:
            records.append({"record_id": record_id, "missing": True})
            continue
        record = stored.record()
        records.append({
            "record_id": record_id, "kind": record.kind, "index": stored.index, "time": record.time,
            "actor": record.actor.org, "leaf_hash": leaf_hash(stored.body).hex(), "payload": record.payload,
        })  # fmt: skip
    data["evidence_records"] = records
    data["history"] = ledger_history(ledger, session, "risk_warning", warning.id)
    return data
