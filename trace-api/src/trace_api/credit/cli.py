"""``suyuan credit scorecard|grades|show|plans|regrade``: credit grades (企业信用分级) for a regulator.

The commands read with the operator's access to the data directory, acting as the organisation
named by ``--as`` or by default as the first regulator (:mod:`trace_api.paperwork.cli`); they need
the database and the ledger, not the chain. ``regrade`` runs one pass of the grader that
``suyuan up`` runs in the background.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, cast, get_args

import typer

from chain.cli import fail, out
from evidence import open_ledger

from ..codes.cli import cli_errors, settings
from ..paperwork.cli import AsOption, reading
from .grading import CreditGrader
from .plans import describe_plan, list_plans
from .scorecard import ScorecardError, load_scorecard
from .service import (
    GradeFilter,
    GradeQuery,
    describe_grade,
    describe_scorecard,
    grade_row,
    list_grades,
    org_for,
)

credit_app = typer.Typer(
    help="Credit grades (企业信用分级 A/B/C/D): the scorecard, the grades and their explanations.",
    no_args_is_help=True,
)
GRADE_LETTERS: tuple[str, ...] = get_args(GradeFilter)


def _scorecard(path: Path | None) -> Any:
    try:
        return load_scorecard(path)
    except ScorecardError as exc:
        fail(str(exc))


@credit_app.command("scorecard")
def scorecard_command(
    file: Annotated[
        Path | None, typer.Option(help="Check this scorecard instead of the one in force")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document")] = False,
) -> None:
    """Show (and check) the scorecard: its version, grade thresholds and factors."""
    card = _scorecard(file)
    if as_json:
        out.print_json(json.dumps(describe_scorecard(card), ensure_ascii=False))
        return
    thresholds = ", ".join(f"{g} ≥ {s}" for g, s in card.grades.items())
    out.print(f"{card.title}\nversion {card.version}, base {card.base}; {thresholds}; below: D", markup=False)
    for name, terms in card.factors.items():
        points = ", ".join(f"{o} −{p}" for o, p in terms.points.items())
        out.print(
            f"  {name}: {terms.label}; weight {terms.weight}, {terms.window_days} days; {points}",
            markup=False,
        )


@credit_app.command("grades")
def grades_command(
    grade: Annotated[str | None, typer.Option(help="Only this grade: A, B, C or D")] = None,
    text: Annotated[str | None, typer.Option("--q", help="Part of a name, handle or credit code")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many, worst first")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document")] = False,
    acting: AsOption = None,
) -> None:
    """List the graded organisations of the regulator's jurisdiction, worst first."""
    if grade is not None and grade not in GRADE_LETTERS:
        fail(f"--grade must be one of {', '.join(GRADE_LETTERS)}")
    with cli_errors(), reading(acting) as (_, session, member):
        found = list_grades(session, member, GradeQuery(cast(GradeFilter | None, grade), text), limit)
        rows = [describe_grade(org, row, full=False) for org, row in found]
    if as_json:
        out.print_json(json.dumps({"grades": rows}, ensure_ascii=False))
        return
    if not rows:
        out.print("no graded organisation matches")
    for row in rows:
        out.print(
            f"{row['grade']}  {row['score']:>3}  {row['org']}  {row['name']}  {row['uscc']}", markup=False
        )


@credit_app.command("show")
def show_command(
    handle: Annotated[str, typer.Argument(help="The organisation's handle")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document")] = False,
    acting: AsOption = None,
) -> None:
    """Show an organisation's grade and its explanation, factor by factor with the records behind it."""
    with cli_errors(), reading(acting) as (_, session, member):
        org = org_for(session, member, handle)
        data = describe_grade(org, grade_row(session, org))
    if as_json:
        out.print_json(json.dumps(data, ensure_ascii=False))
        return
    if data["grade"] is None:
        out.print(f"{handle}: not graded yet (no evidence against it)")
        return
    explanation = data["explanation"]
    out.print(
        f"{data['name']} ({handle}, {data['uscc']}): grade {data['grade']}, score {data['score']} "
        f"(scorecard {data['scorecard_version']}; record {data['record_id']})",
        markup=False,
    )
    out.print(f"  base {explanation['base']:>+4}")
    for factor in explanation["factors"]:
        counted = ", ".join(f"{o} ×{n}" for o, n in factor["outcomes"].items()) or "none"
        out.print(
            f"  {factor['factor']:<10} {factor['points']:>+4} of {factor['weight']}  {counted}", markup=False
        )
        for record_id in factor["record_ids"]:
            out.print(f"      {record_id}", markup=False)


@credit_app.command("plans")
def plans_command(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document")] = False,
    acting: AsOption = None,
) -> None:
    """List the jurisdiction's inspection plans (双随机), newest month first, with their draws."""
    with cli_errors(), reading(acting) as (_, session, member):
        found = [describe_plan(plan) for plan in list_plans(session, member)]
    if as_json:
        out.print_json(json.dumps({"plans": found}, ensure_ascii=False))
        return
    if not found:
        out.print("no inspection plan drawn yet")
    for plan in found:
        out.print(
            f"{plan['period']}  {plan['id']}  seed {plan['seed']}  record {plan['record_id']}", markup=False
        )
        for draw in plan["draws"]:  # type: ignore[attr-defined]
            out.print(f"    {draw['grade']}  {draw['org']}  {'、'.join(draw['inspectors'])}", markup=False)


@credit_app.command("regrade")
def regrade_command() -> None:
    """Run one pass of the grader now: read the ledger's new evidence, regrade who it concerns."""
    card = _scorecard(None)
    with cli_errors():
        ledger = open_ledger(settings())
        try:
            done = CreditGrader(ledger, card).run_once()
        finally:
            ledger.engine.dispose()
    changed = ", ".join(done.changed) or "none"
    out.print(
        f"read {done.records_read} record(s), {done.findings} finding(s); "
        f"regraded {done.regraded} organisation(s); grade changed: {changed}"
    )
