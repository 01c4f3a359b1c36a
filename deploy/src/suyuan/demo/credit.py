"""``suyuan up --demo``'s credit grades (企业信用分级): one pass of the grader over what the demo
seeded (the overdue elevator, the market's failed rapid test, …), so that the console's grades are
there at once rather than at the background grader's next tick, and the demo regulator's
inspection plan (双随机) for the month, drawn from its registered inspectors (the demo's roster is
registered first where it is not yet). The grades and the plan go to ``credit-demo.json`` in the
data directory; a later run reads no record twice and draws no second plan for the month.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlmodel import Session, select

from trace_api.credit import (
    CreditGrade,
    CreditGrader,
    CreditPlan,
    PlanIn,
    draw_inspection_plan,
    load_scorecard,
)
from trace_api.enforcement import Inspector, InspectorIn, add_inspector
from trace_api.orgs.models import Organisation
from trace_api.orgs.service import Member
from trace_api.services import Services

from .filings import write_private

DEMO_FILE = "credit-demo.json"
REGULATOR = "demo-samr"
#: The demo regulator's law-enforcement officers (执法人员名录), made up: registered as its inspectors.
INSPECTORS = ("王强 31010001", "李娜 31010002", "张伟 31010003", "陈静 31010004")


def seed_credit(services: Services) -> dict[str, Any]:
    """Grades the demo's organisations now; returns (and writes) each graded one's grade and score."""
    done = CreditGrader(services.ledger).run_once()
    with Session(services.engine) as session:
        rows = session.exec(
            select(Organisation.handle, CreditGrade.grade, CreditGrade.score)
            .join(CreditGrade, CreditGrade.org_id == Organisation.id)  # type: ignore[arg-type]
            .order_by(Organisation.handle)
        ).all()
        plan = _plan(services, session)
    info = {
        "plan": plan,
        "records_read": done.records_read,
        "grades": [{"org": handle, "grade": grade, "score": score} for handle, grade, score in rows],
    }
    write_private(
        services.settings.data_dir / DEMO_FILE, json.dumps(info, indent=2, ensure_ascii=False) + "\n"
    )
    return info


def _plan(services: Services, session: Session) -> str | None:
    """The demo regulator's plan for this month: drawn once, its id."""
    regulator = session.exec(select(Organisation).where(Organisation.handle == REGULATOR)).first()
    if regulator is None:
        return None
    period = dt.datetime.now(dt.UTC).strftime("%Y-%m")
    drawn = session.exec(
        select(CreditPlan).where(
            CreditPlan.jurisdiction == regulator.jurisdiction, CreditPlan.period == period
        )
    ).first()
    if drawn is not None:
        return drawn.id
    member = Member(org=regulator, key_id="demo", kind="member")
    for entry in INSPECTORS:
        name, badge = entry.rsplit(" ", 1)
        if session.exec(select(Inspector).where(Inspector.badge_no == badge)).first() is None:
            add_inspector(services, member, InspectorIn(name=name, badge_no=badge))
    plan = draw_inspection_plan(services.ledger, load_scorecard(), member, PlanIn(period=period))
    return plan.id
