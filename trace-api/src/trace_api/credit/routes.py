"""``/v1/credit``: organisations' credit grades (企业信用分级 A/B/C/D) and the scorecard behind them.

The scorecard in force is public. A regulator lists the grades of its jurisdiction and reads any
of its organisations' explanations; an organisation reads its own; nobody else sees a grade here.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from sqlmodel import Session

from ..auth import CurrentMember, Regulator
from ..context import get_services, get_session
from ..services import Services
from . import pages
from .disclosure import BlacklistIn, blacklist_org
from .plans import PlanIn, describe_plan, draw_inspection_plan, list_plans
from .repairs import RepairIn, RepairReviewIn, apply_repair, describe_repair, list_repairs, review_repair
from .scorecard import load_scorecard
from .service import (
    GradeFilter,
    GradeQuery,
    describe_grade,
    describe_scorecard,
    grade_row,
    list_grades,
    org_for,
)

api = APIRouter(prefix="/v1/credit", tags=["credit"])
SessionDep = Annotated[Session, Depends(get_session)]
ServicesDep = Annotated[Services, Depends(get_services)]


@api.get("/scorecard")
def scorecard() -> dict[str, Any]:
    """The scorecard grades are computed under: its version, base, grade thresholds and factors,
    each with its weight, window and the points each outcome takes off."""
    return describe_scorecard(load_scorecard())


@api.get("/grades")
def grades(
    member: CurrentMember,
    session: SessionDep,
    grade: Annotated[GradeFilter | None, Query(description="Only this grade")] = None,
    q: Annotated[
        str | None, Query(max_length=100, description="Part of a name, handle or credit code")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """The graded organisations of the regulator's jurisdiction, worst first (regulators only)."""
    found = list_grades(session, member, GradeQuery(grade, q), limit)
    return {"grades": [describe_grade(org, row, full=False) for org, row in found]}


@api.get("/grades/{handle}")
def grade(handle: str, member: CurrentMember, session: SessionDep) -> dict[str, Any]:
    """An organisation's grade and its explanation: ``explanation.base`` plus each factor's
    ``points`` is ``score``; each factor names the ledger records behind it. The organisation
    itself, or a regulator of its jurisdiction."""
    org = org_for(session, member, handle)
    return describe_grade(org, grade_row(session, org))


@api.post("/plans", status_code=201)
def draw_plan(data: PlanIn, regulator: Regulator, services: ServicesDep) -> dict[str, Any]:
    """Draw the inspection plan (双随机) of the regulator's jurisdiction for a month: firms at
    random with a frequency by grade, two inspectors each from ``seed`` (or one the server draws).
    The inspectors are the regulator's registered ones (``POST /v1/enforcement/inspectors``): those
    ``inspectors`` names (by badge number, name, or ``<name> <badge number>``; any other entry is
    refused, naming it) or, left out, all of them. Recorded as ``credit.plan_drawn`` with
    everything needed to draw it again."""
    return describe_plan(draw_inspection_plan(services.ledger, load_scorecard(), regulator, data))


@api.get("/plans")
def plans(regulator: Regulator, session: SessionDep) -> dict[str, Any]:
    """The jurisdiction's inspection plans, newest month first."""
    return {"plans": [describe_plan(plan) for plan in list_plans(session, regulator)]}


@api.post("/repairs", status_code=201)
def apply(
    data: RepairIn, member: CurrentMember, services: ServicesDep, session: SessionDep
) -> dict[str, Any]:
    """A firm applies to repair its credit (信用修复) with a statement and documents it uploaded."""
    return describe_repair(session, apply_repair(services.ledger, member, data))


@api.get("/repairs")
def repairs(
    member: CurrentMember,
    session: SessionDep,
    status: Annotated[Literal["pending", "accepted", "rejected"] | None, Query()] = None,
) -> dict[str, Any]:
    """Credit repairs: a regulator's jurisdiction's, a firm's own."""
    return {"repairs": [describe_repair(session, r) for r in list_repairs(session, member, status)]}


@api.post("/repairs/{repair_id}/review")
def review(
    repair_id: str, data: RepairReviewIn, regulator: Regulator, services: ServicesDep, session: SessionDep
) -> dict[str, Any]:
    """A regulator of the firm's jurisdiction accepts or rejects the repair; accepted, the findings
    up to the application stop counting and the grade is given again (``credit.graded``)."""
    repair, grade = review_repair(services.ledger, load_scorecard(), regulator, repair_id, data)
    answer = describe_repair(session, repair)
    if grade is not None:
        answer["grade"] = {"grade": grade.grade, "score": grade.score, "record_id": grade.record_id}
    return answer


@api.post("/blacklist", status_code=201)
def blacklist(data: BlacklistIn, regulator: Regulator, services: ServicesDep) -> dict[str, Any]:
    """Put a firm of the jurisdiction on the list of serious violators (严重违法失信名单), with the
    reason and the ledger records it rests on; shown on ``/credit-disclosure``."""
    listing = blacklist_org(services.ledger, regulator, data)
    return {"id": listing.id, "org": data.org, "reason": listing.reason, "record_id": listing.record_id}


#: The API's routes and the public disclosure page, as the application includes them.
router = APIRouter()
router.include_router(api)
router.include_router(pages.router)
