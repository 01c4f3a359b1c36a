"""``suyuan selfcheck campaigns|completion|tasks|rectifications|close-periods``: enterprise
self-inspection for a regulator.

The commands read with the operator's access to the data directory, acting as the organisation
named by ``--as`` or by default as the first regulator (:mod:`trace_api.paperwork.cli`). Publishing,
submitting and reviewing stay with the API and the console, where each caller's own key signs its
step. ``close-periods`` runs one pass of what ``suyuan up`` runs in the background: closing the
campaigns' periods that have ended.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

import typer

from chain.cli import fail, out
from evidence import open_ledger

from ..codes.cli import cli_errors, settings
from ..paperwork.applicants import china_date
from ..paperwork.cli import AsOption, local_time, reading
from .models import RectificationStatus
from .periods import PeriodCloser
from .reads import completion_report, list_campaigns, list_rectifications, list_tasks
from .service import describe_campaign, describe_rectification, describe_task

selfcheck_app = typer.Typer(
    help="Enterprise self-inspection (企业自查): campaigns, completion, inspection tasks, rectifications.",
    no_args_is_help=True,
)
JsonOption = Annotated[bool, typer.Option("--json", help="One JSON document")]


def _json(data: dict[str, Any]) -> None:
    out.print_json(json.dumps(data, ensure_ascii=False))


def _date(option: str, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{option} must be a date, YYYY-MM-DD (got {value!r})")


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate * 100:.1f}%"


@selfcheck_app.command("campaigns")
def campaigns(
    jurisdiction: Annotated[str | None, typer.Option(help="Only this jurisdiction's")] = None,
    as_json: JsonOption = False,
    acting: AsOption = None,
) -> None:
    """List self-inspection campaigns, newest first."""
    with cli_errors(), reading(acting) as (_, session, member):
        rows = [describe_campaign(session, c) for c in list_campaigns(session, member, jurisdiction)]
    if as_json:
        _json({"campaigns": rows})
        return
    if not rows:
        out.print("no campaign")
    for row in rows:
        out.print(
            f"{row['id']}  {row['frequency']:<6} {row['starts_on']}..{row['ends_on']}  "
            f"{row['checklist_id']}  {row['jurisdiction']}  {row['title']}"
        )


@selfcheck_app.command("completion")
def completion(
    start: Annotated[
        str | None, typer.Option(help="First day, YYYY-MM-DD (default 29 days before the end)")
    ] = None,
    end: Annotated[str | None, typer.Option(help="Last day, YYYY-MM-DD (default today, China time)")] = None,
    jurisdiction: Annotated[str | None, typer.Option(help="Only this jurisdiction's campaigns")] = None,
    as_json: JsonOption = False,
    acting: AsOption = None,
) -> None:
    """Completion (due against submitted) per area, per firm and per campaign."""
    today = china_date(dt.datetime.now(dt.UTC))
    last = _date("--end", end) or today
    first = _date("--start", start) or last - dt.timedelta(days=29)
    with cli_errors(), reading(acting) as (_, session, member):
        report = completion_report(session, member, first, last, today, jurisdiction)
    if as_json:
        _json(report)
        return
    out.print(f"completion {report['start']} to {report['end']}")
    for area in report["areas"]:
        out.print(
            f"  area {area['jurisdiction']:<20}{area['submitted']}/{area['due']}  {_percent(area['rate'])}"
        )
    for firm in report["firms"]:
        out.print(f"  firm {firm['org']:<20}{firm['submitted']}/{firm['due']}  {_percent(firm['rate'])}")
    for campaign in report["campaigns"]:
        out.print(
            f"  campaign {campaign['id']:<16}{campaign['submitted']}/{campaign['due']}  "
            f"{_percent(campaign['rate'])}  {campaign['title']}"
        )


@selfcheck_app.command("tasks")
def tasks(as_json: JsonOption = False, acting: AsOption = None) -> None:
    """The on-site inspection tasks data-quality flags opened, newest first."""
    with cli_errors(), reading(acting) as (_, session, member):
        rows = [describe_task(session, t) for t in list_tasks(session, member)]
    if as_json:
        _json({"tasks": rows})
        return
    if not rows:
        out.print("no inspection task")
    for row in rows:
        out.print(f"{local_time(row['created_at'])}  {row['org']:<16}{row['reason']:<14}{row['detail']}")


@selfcheck_app.command("rectifications")
def rectifications(
    status: Annotated[RectificationStatus | None, typer.Option(help="open, submitted or accepted")] = None,
    as_json: JsonOption = False,
    acting: AsOption = None,
) -> None:
    """Rectifications of failing items, newest first."""
    with cli_errors(), reading(acting) as (_, session, member):
        rows = [describe_rectification(session, r) for r in list_rectifications(session, member, status)]
    if as_json:
        _json({"rectifications": rows})
        return
    if not rows:
        out.print("no rectification")
    for row in rows:
        out.print(f"{row['id']}  {row['status']:<10}{row['org']:<16}{local_time(row['opened_at'])}")


@selfcheck_app.command("close-periods")
def close_periods() -> None:
    """Close now every campaign period that has ended (selfcheck.period_closed), as suyuan up does."""
    with cli_errors():
        ledger = open_ledger(settings())
        try:
            done = PeriodCloser(ledger).run_once()
        finally:
            ledger.engine.dispose()
    if not done.periods:
        out.print("no period to close")
    for campaign_id, period, missed in done.periods:
        out.print(f"{campaign_id}  {period.isoformat()}  missed: {', '.join(missed) or 'none'}", markup=False)
