"""``/v1/risk``: the risk rules in force, the warnings they raised with their evidence, the
engine's progress through the log, and each warning's workflow (assign, handle, close)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlmodel import Session

from ..auth import Regulator
from ..context import get_services, get_session
from ..errors import Unavailable
from ..params import DEFAULT_LIMIT, Cursor, Limit
from ..services import Services
from .evaluation import RiskEvaluator
from .rules import Level, RuleError, RuleSet, load_rules
from .views import StatusFilter, WarningQuery, count_active_by_level, describe_in_full, describe_warning
from .views import list_warnings as find_warnings
from .workflow import AssignIn, NoteIn, get_warning, step_warning

router = APIRouter(prefix="/v1/risk", tags=["risk"])

SessionDep = Annotated[Session, Depends(get_session)]
ServicesDep = Annotated[Services, Depends(get_services)]


def rules_in_force(services: Services) -> RuleSet:
    try:
        return load_rules(services.settings.risk_rules)
    except RuleError as exc:
        raise Unavailable(f"the risk rules cannot be read: {exc}") from exc


@router.get("/rules")
def rules(regulator: Regulator, services: ServicesDep) -> dict[str, Any]:
    """The rules in force (the shipped ones and the deployment's) and the rules file's version."""
    found = rules_in_force(services)
    return {"version": found.version, "rules": [r.model_dump(mode="json") for r in found.rules]}


@router.get("/progress")
def progress(regulator: Regulator, services: ServicesDep) -> dict[str, Any]:
    """Where the engine stands in the log: the next index it reads and how far behind it is."""
    return RiskEvaluator(services, rules_in_force(services)).progress().describe()


@router.get("/warnings")
def warnings(
    regulator: Regulator,
    session: SessionDep,
    status: StatusFilter = "active",
    level: Level | None = None,
    rule: Annotated[str | None, Query(max_length=64)] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Warnings, newest first, a page at a time (``active``: not closed), and the count of those
    not closed by level."""
    found, next_cursor = find_warnings(session, regulator, WarningQuery(status, level, rule), limit, cursor)
    return {
        "warnings": [describe_warning(session, w) for w in found],
        "active_by_level": count_active_by_level(session),
        "next_cursor": next_cursor,
    }


@router.get("/warnings/{warning_id}")
def warning(
    warning_id: str, regulator: Regulator, services: ServicesDep, session: SessionDep
) -> dict[str, Any]:
    """The warning with its evidence records (kind, index, time, payload, leaf hash) and the
    records of its workflow."""
    return describe_in_full(services.ledger, session, get_warning(session, regulator, warning_id))


def _answer(session: Session, done: Any) -> dict[str, Any]:
    return {
        **describe_warning(session, done.warning),
        "record_id": done.record_id,
        "ledger_index": done.ledger_index,
    }


@router.post("/warnings/{warning_id}/assign", status_code=201)
def assign(
    warning_id: str, data: AssignIn, regulator: Regulator, services: ServicesDep, session: SessionDep
) -> dict[str, Any]:
    """A regulator of the warning's jurisdiction assigns it to a regulator organisation of that
    jurisdiction (``assignee``). Recorded as ``risk.warning_assigned``."""
    return _answer(session, step_warning(services, regulator, warning_id, "assign", data.note, data.assignee))


@router.post("/warnings/{warning_id}/handle", status_code=201)
def handle(
    warning_id: str, data: NoteIn, regulator: Regulator, services: ServicesDep, session: SessionDep
) -> dict[str, Any]:
    """The assignee says how it handled the warning. Recorded as ``risk.warning_handled``."""
    return _answer(session, step_warning(services, regulator, warning_id, "handle", data.note))


@router.post("/warnings/{warning_id}/close", status_code=201)
def close(
    warning_id: str, data: NoteIn, regulator: Regulator, services: ServicesDep, session: SessionDep
) -> dict[str, Any]:
    """A regulator of the jurisdiction closes the warning. Recorded as ``risk.warning_closed``."""
    return _answer(session, step_warning(services, regulator, warning_id, "close", data.note))
