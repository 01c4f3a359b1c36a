"""``/v1/credit``: organisations' credit grades (企业信用分级 A/B/C/D) and the scorecard behind them.

The scorecard in force is public. A regulator lists the grades of its jurisdiction and reads any
of its organisations' explanations; an organisation reads its own; nobody else sees a grade here.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlmodel import Session

from ..auth import CurrentMember
from ..context import get_session
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


#: The API's routes, as the application includes them.
router = APIRouter()
router.include_router(api)
