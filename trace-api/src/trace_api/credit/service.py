"""Grades as their callers see them: a regulator sees every organisation of its jurisdiction, an
organisation its own grade and the factors behind it, and nobody else anything of it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from sqlmodel import Session, col, or_, select

from ..errors import Forbidden, NotFound
from ..orgs.models import Organisation, OrgType
from ..orgs.service import Member
from .models import CreditGrade
from .scorecard import Scorecard

GradeFilter = Literal["A", "B", "C", "D"]


@dataclass(frozen=True)
class GradeQuery:
    grade: GradeFilter | None = None
    #: Part of the name, handle or credit code.
    text: str | None = None


def is_regulator(member: Member) -> bool:
    return member.org.org_type is OrgType.regulator


def org_for(session: Session, member: Member, handle: str) -> Organisation:
    """The organisation whose grade ``member`` asks for: its own, or, for a regulator, one of its
    jurisdiction. Another organisation's is not found (403 for a regulator of elsewhere)."""
    org = session.exec(select(Organisation).where(Organisation.handle == handle)).first()
    if org is None or org.org_type is OrgType.regulator:
        raise NotFound(f"no organisation {handle} with a credit grade")
    if org.id == member.org.id:
        return org
    if not is_regulator(member):
        raise NotFound(f"no organisation {handle} with a credit grade that this caller may see")
    if org.jurisdiction != member.org.jurisdiction:
        raise Forbidden(
            f"{member.org.handle} supervises {member.org.jurisdiction!r}; {handle} is in {org.jurisdiction!r}"
        )
    return org


def list_grades(
    session: Session, member: Member, wanted: GradeQuery, limit: int = 100
) -> list[tuple[Organisation, CreditGrade]]:
    """The graded organisations of the regulator's jurisdiction, worst grade first."""
    if not is_regulator(member):
        raise Forbidden(f"only a market regulator lists credit grades; {member.org.handle} is not one")
    query = (
        select(Organisation, CreditGrade)
        .join(CreditGrade, col(CreditGrade.org_id) == col(Organisation.id))
        .where(Organisation.jurisdiction == member.org.jurisdiction)
    )
    if wanted.grade is not None:
        query = query.where(CreditGrade.grade == wanted.grade)
    if wanted.text:
        pattern = f"%{wanted.text}%"
        columns = (Organisation.name, Organisation.handle, Organisation.uscc)
        query = query.where(or_(*(col(c).like(pattern) for c in columns)))
    query = query.order_by(col(CreditGrade.grade).desc(), col(CreditGrade.score), col(Organisation.handle))
    return [(org, grade) for org, grade in session.exec(query.limit(limit)).all()]


def grade_row(session: Session, org: Organisation) -> CreditGrade | None:
    return session.get(CreditGrade, org.id)


def describe_grade(org: Organisation, grade: CreditGrade | None, *, full: bool = True) -> dict[str, Any]:
    """The grade with its explanation (``full``): ``base`` plus every factor's ``points`` is ``score``."""
    data: dict[str, Any] = {
        "org": org.handle,
        "name": org.name,
        "uscc": org.uscc,
        "jurisdiction": org.jurisdiction,
    }
    if grade is None:
        return data | {"grade": None, "score": None, "explanation": None}
    data |= {
        "grade": grade.grade,
        "score": grade.score,
        "scorecard_version": grade.scorecard_version,
        "record_id": grade.record_id,
        "ledger_index": grade.ledger_index,
        "graded_at": grade.graded_at.isoformat(),
        "scored_at": grade.scored_at.isoformat(),
    }
    if full:
        data["explanation"] = json.loads(grade.factors)
    return data


def describe_scorecard(scorecard: Scorecard) -> dict[str, Any]:
    return scorecard.model_dump(mode="json")
