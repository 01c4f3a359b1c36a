"""Inspection plans drawn at random (双随机, 一公开): for one month of one jurisdiction, firms drawn
at random with a frequency by credit grade, and for each two inspectors drawn at random from the
regulator's roster: its registered inspectors (``trace_api.enforcement``'s ``inspectors``), all of
them or those the request names, each entered as ``<name> <badge number>``.

The draw is a pure function of its inputs (:func:`draw_plan`): the population (every firm of the
jurisdiction, by handle, with its grade), the inspectors, the seed and the frequencies. All of
them are in the plan's ``credit.plan_drawn`` record, so anyone can draw it again and compare.
For each grade, best first, ``ceil(firms × inspections_per_year / 12)`` firms are drawn with
:meth:`random.Random.sample` from the grade's firms sorted by handle, then two inspectors for
each drawn firm in handle order, all from one ``random.Random(seed)``.
"""

from __future__ import annotations

import json
import math
import random
import secrets
import uuid
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, select

from evidence import Actor, Ledger, Record, Subject, rfc3339, utc_datetime, utc_now

from ..enforcement.models import Inspector
from ..errors import Conflict, Unprocessable
from ..orgs.models import Organisation, OrgStatus, OrgType
from ..orgs.service import Member
from ..paperwork.applicants import check_regulator_of
from .facts import CreditPlanDrawn, PlanCandidate, PlanDraw
from .grading import writing
from .models import CreditGrade, CreditPlan
from .scorecard import GRADES, Scorecard

INSPECTORS_PER_FIRM = 2


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="The month planned, YYYY-MM")
    #: The regulator's inspectors to draw from (执法人员名录), each by badge number (执法证号), by
    #: name (one of that name) or as ``<name> <badge number>``; all of them when left out.
    inspectors: list[str] | None = Field(default=None, min_length=INSPECTORS_PER_FIRM, max_length=500)
    #: Hex; drawn by the server when not given. Either way the record keeps it.
    seed: str | None = Field(default=None, pattern=r"^[0-9a-f]{16,64}$")


def draw_plan(
    population: Sequence[PlanCandidate], inspectors: Sequence[str], seed: str, per_year: dict[str, int]
) -> list[PlanDraw]:
    """The plan's draws; the same inputs give the same draws."""
    rng = random.Random(seed)
    chosen: list[PlanCandidate] = []
    for grade in GRADES:
        firms = sorted((c for c in population if c.grade == grade), key=lambda c: c.org)
        count = min(len(firms), math.ceil(len(firms) * per_year[grade] / 12))
        chosen += sorted(rng.sample(firms, count), key=lambda c: c.org)
    roster = sorted(set(inspectors))
    return [
        PlanDraw(
            org=c.org, uscc=c.uscc, grade=c.grade, inspectors=sorted(rng.sample(roster, INSPECTORS_PER_FIRM))
        )
        for c in chosen
    ]


def roster_entry(inspector: Inspector) -> str:
    """How a plan names an inspector: ``<name> <badge number>``."""
    return f"{inspector.name} {inspector.badge_no}"


def roster_of(session: Session, member: Member, given: Sequence[str] | None) -> list[str]:
    """The inspectors to draw from: the regulator's registered inspectors, or those of them
    ``given`` names (422 naming the entry that is none of them), at least two (409 otherwise)."""
    registered = list(
        session.exec(
            select(Inspector).where(Inspector.org_id == member.org.id).order_by(col(Inspector.badge_no))
        )
    )
    if given is None:
        roster = sorted({roster_entry(i) for i in registered})
        if len(roster) < INSPECTORS_PER_FIRM:
            raise Conflict.field(
                "inspectors",
                f"{member.org.handle} has {len(roster)} registered inspector(s); a plan draws from at "
                f"least {INSPECTORS_PER_FIRM} (add them with POST /v1/enforcement/inspectors)",
            )
        return roster
    chosen: set[str] = set()
    for n, entry in enumerate(given):
        text = " ".join(entry.split())
        matches = [i for i in registered if text in (i.badge_no, i.name, roster_entry(i))]
        if not matches:
            raise Unprocessable.field(
                f"inspectors[{n}]", f"{entry!r} is not a registered inspector of {member.org.handle}"
            )
        if len(matches) > 1:
            raise Unprocessable.field(
                f"inspectors[{n}]", f"{entry!r} names {len(matches)} inspectors; give the badge number"
            )
        chosen.add(roster_entry(matches[0]))
    if len(chosen) < INSPECTORS_PER_FIRM:
        raise Conflict.field("inspectors", f"give at least {INSPECTORS_PER_FIRM} different inspectors")
    return sorted(chosen)


def population_of(session: Session, jurisdiction: str) -> list[PlanCandidate]:
    """Every active firm of the jurisdiction with its grade (A while it has none)."""
    query = (
        select(Organisation, CreditGrade.grade)
        .join(CreditGrade, col(CreditGrade.org_id) == col(Organisation.id), isouter=True)
        .where(
            Organisation.jurisdiction == jurisdiction,
            Organisation.org_type != OrgType.regulator,
            Organisation.status == OrgStatus.active,
        )
        .order_by(col(Organisation.handle))
    )
    return [PlanCandidate(org=o.handle, uscc=o.uscc, grade=g or "A") for o, g in session.exec(query).all()]


def draw_inspection_plan(ledger: Ledger, scorecard: Scorecard, member: Member, data: PlanIn) -> CreditPlan:
    """Draws and records the plan of the regulator's jurisdiction for the month; one per month (409)."""
    jurisdiction = member.org.jurisdiction
    with writing(ledger) as session:
        check_regulator_of(member, jurisdiction, "an inspection plan")
        taken = select(CreditPlan).where(
            CreditPlan.jurisdiction == jurisdiction, CreditPlan.period == data.period
        )
        if session.exec(taken).first() is not None:
            raise Conflict(f"{jurisdiction} has an inspection plan for {data.period} already")
        roster = roster_of(session, member, data.inspectors)
        seed = data.seed or secrets.token_hex(16)
        population = population_of(session, jurisdiction)
        per_year = {str(grade): n for grade, n in scorecard.inspections_per_year.items()}
        draws = draw_plan(population, roster, seed, per_year)
        plan_id = f"PLAN-{data.period}-{uuid.uuid4().hex[:8]}"
        fact = CreditPlanDrawn(
            plan_id=plan_id, jurisdiction=jurisdiction, period=data.period, regulator=member.org.handle,
            seed=seed, scorecard_version=scorecard.version, inspections_per_year=per_year,
            inspectors=roster, population=population, draws=draws,
        )  # fmt: skip
        now = utc_now()
        record = Record(
            kind=fact.KIND, record_id=f"credit-plan:{plan_id}", time=now,
            actor=Actor(org=member.org.uscc, key_id=member.key_id),
            subjects=[Subject(type="credit_plan", id=plan_id), Subject(type="org", id=member.org.uscc)],
            payload=fact.payload(),
        )  # fmt: skip
        receipt = ledger.append(record, conn=session.connection())
        plan = CreditPlan(
            id=plan_id, jurisdiction=jurisdiction, period=data.period, seed=seed, drawn_by=member.org.id,
            draws=json.dumps([d.model_dump(mode="json") for d in draws], ensure_ascii=False),
            record_id=record.record_id, ledger_index=receipt.index, drawn_at=utc_datetime(now),
        )  # fmt: skip
        session.add(plan)
        session.flush()
        session.expunge(plan)
    return plan


def describe_plan(plan: CreditPlan) -> dict[str, object]:
    return {
        "id": plan.id, "jurisdiction": plan.jurisdiction, "period": plan.period, "seed": plan.seed,
        "draws": json.loads(plan.draws), "record_id": plan.record_id, "ledger_index": plan.ledger_index,
        "drawn_at": rfc3339(plan.drawn_at),
    }  # fmt: skip


def list_plans(session: Session, member: Member) -> list[CreditPlan]:
    check_regulator_of(member, member.org.jurisdiction, "inspection plans")
    query = select(CreditPlan).where(CreditPlan.jurisdiction == member.org.jurisdiction)
    return list(session.exec(query.order_by(col(CreditPlan.period).desc())).all())
