"""Faults reported by anyone from an elevator's public page (故障报修).

A report is bounded in size (:data:`MAX_DETAIL`, :data:`MAX_CONTACT`) and in rate: one address
sends at most ``fault_reports_per_hour`` reports, one elevator takes at most
``reports_per_equipment_per_hour`` from everyone (:class:`ReportsLimited` beyond). The address
itself is never stored: a keyed hash of it is, under a secret kept in the data directory, so
that the count works across restarts and the address cannot be recovered from the database.

The ledger record (``equipment.fault_reported``) holds the report's SHA-256, and its notice goes
to the maintenance unit, the user unit and the grid inspector's regulator (their MQTT topics and
webhooks); what the reporter wrote stays in the database, for the elevator's units and regulators
(``GET /v1/equipment/{code}/fault-reports``), and is never shown on the public page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import re
import secrets
import uuid
from pathlib import Path
from typing import Literal, get_args

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, func, select

from evidence import Actor

from ..alerting import AlertSink
from ..errors import DomainError, Unprocessable
from ..orgs.service import Member
from ..services import Services
from ..text import check_line, check_text
from .alerts import record_and_tell
from .facts import FaultReported
from .models import FaultReport
from .rules import EquipmentRules
from .service import equipment_record, find_equipment, public_equipment, utc
from .views import FaultReportView

FaultProblem = Literal["trapped", "stopped", "doors", "noise", "other"]
FAULT_PROBLEMS: tuple[str, ...] = get_args(FaultProblem)
MAX_DETAIL = 500
MAX_CONTACT = 40
#: The key id of records of reports made on a public page (the actor is the service itself).
PUBLIC_REPORT_KEY = "public:fault-report"
_CONTACT = re.compile(r"^[0-9+() -]{3,40}$")
HOUR = dt.timedelta(hours=1)


class ReportsLimited(DomainError):
    """More reports than the page takes in an hour: from this address, or for this elevator."""

    slug, title = "too-many-reports", "Too many reports"


def client_key(services: Services, address: str) -> str:
    """A keyed hash (HMAC-SHA256) of the reporter's address, never the address itself."""
    return hmac.new(_report_secret(services.settings.data_dir), address.encode(), hashlib.sha256).hexdigest()


def _report_secret(data_dir: Path) -> bytes:
    path = data_dir / "equipment" / "report-key"
    try:
        return bytes.fromhex(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".report-key.{uuid.uuid4().hex}")
        tmp.write_text(secrets.token_hex(32))
        os.replace(tmp, path)
        return bytes.fromhex(path.read_text().strip())


def check_report(problem: str, detail: str, contact: str) -> tuple[str, str, str | None]:
    """The report's fields as stored, or a 422 naming the field."""
    if problem not in FAULT_PROBLEMS:
        raise Unprocessable.field("problem", f"must be one of {', '.join(FAULT_PROBLEMS)}")
    detail = detail.strip()
    if len(detail) > MAX_DETAIL:
        raise Unprocessable.field("detail", f"is longer than {MAX_DETAIL} characters")
    try:
        check_text(detail)
    except ValueError as exc:
        raise Unprocessable.field("detail", str(exc)) from exc
    contact = contact.strip()
    if contact and (not _CONTACT.fullmatch(contact) or check_line(contact) != contact):
        raise Unprocessable.field("contact", "must be a telephone number (digits, +, -, spaces, parentheses)")
    return problem, detail, contact or None


def report_fault(
    services: Services,
    session: Session,
    code: str,
    problem: str,
    detail: str,
    contact: str,
    client: str,
    rules: EquipmentRules,
    now: dt.datetime | None = None,
) -> FaultReport:
    """Records a report from the public page, as ``equipment.fault_reported`` (``client``: the
    keyed hash of the reporter's address). Raises :class:`ReportsLimited` beyond the rates."""
    now = utc(now)
    problem, detail, kept_contact = check_report(problem, detail, contact)
    found = public_equipment(session, code)
    e = found.equipment
    _check_rate(
        session, FaultReport.client_key == client, rules.fault_reports_per_hour, now, "from this address"
    )
    _check_rate(
        session,
        FaultReport.equipment_id == e.id,
        rules.reports_per_equipment_per_hour,
        now,
        "for this elevator",
    )
    report = FaultReport(
        id=uuid.uuid4().hex, equipment_id=e.id, problem=problem, detail=detail, contact=kept_contact,
        client_key=client, received_at=now, record_id="", ledger_index=0,
    )  # fmt: skip
    report.record_id = f"equipment:{code}:fault_report:{report.id}"
    digest = hashlib.sha256(f"{detail}\x00{kept_contact or ''}".encode()).hexdigest()
    fact = FaultReported(report_id=report.id, code=code, problem=problem, report_sha256=digest)
    actor = Actor(org=services.ledger.origin, key_id=PUBLIC_REPORT_KEY)
    told = (found.maintainer, found.user, found.grid_regulator)
    record = equipment_record(actor, report.record_id, fact, now, code, *told)
    report.ledger_index = record_and_tell(session, AlertSink.of(services), record, told, now)
    session.add(report)
    session.flush()
    return report


def _check_rate(
    session: Session, where: ColumnElement[bool] | bool, most: int, now: dt.datetime, whose: str
) -> None:
    sent = session.exec(
        select(func.count()).select_from(FaultReport).where(where, col(FaultReport.received_at) > now - HOUR)
    ).one()
    if sent >= most:
        raise ReportsLimited(f"{sent} reports {whose} in the last hour; at most {most} are taken")


def list_fault_reports(session: Session, member: Member, code: str, limit: int) -> list[FaultReportView]:
    found = find_equipment(session, member, code)
    rows = session.exec(
        select(FaultReport)
        .where(FaultReport.equipment_id == found.equipment.id)
        .order_by(col(FaultReport.received_at).desc(), col(FaultReport.id).desc())
        .limit(limit)
    ).all()
    return [FaultReportView(**r.model_dump()) for r in rows]
