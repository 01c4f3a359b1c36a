"""``suyuan risk``: the risk rules (list, validate a deployment's file), the engine's progress and
one pass of it, the warnings, and their workflow (assign, handle, close) as a regulator.

The commands act as the organisation named by ``--as`` or by default as the first regulator
(:mod:`trace_api.paperwork.cli`); reading needs the database and the ledger, a pass and the
workflow the trace API's services.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, cast, get_args

import typer
from sqlmodel import Session

from chain.cli import fail, out

from ..codes.cli import cli_errors, open_services, settings
from ..paperwork.cli import AsOption, acting_member, local_time, reading
from .evaluation import CURSOR, RiskEvaluator
from .models import RiskCursor
from .rules import Level, RuleError, RuleSet, load_rules
from .views import StatusFilter, WarningQuery, describe_in_full, describe_warning, list_warnings
from .workflow import Action, get_warning, step_warning

risk_app = typer.Typer(
    help="Risk warnings (风险预警): rules, warnings and their workflow.", no_args_is_help=True
)
rules_app = typer.Typer(help="The risk rules in force, and checking a rules file.", no_args_is_help=True)
risk_app.add_typer(rules_app, name="rules")

STATUSES: tuple[str, ...] = get_args(StatusFilter)
JsonOption = Annotated[bool, typer.Option("--json", help="One JSON document")]


def _rules(path: Path | None = None) -> RuleSet:
    try:
        return load_rules(path or settings().risk_rules)
    except RuleError as exc:
        fail(f"invalid risk rules: {exc}")


@rules_app.command("list")
def rules_list(as_json: JsonOption = False) -> None:
    """The rules in force: the shipped ones and SUYUAN_RISK_RULES's."""
    found = _rules()
    if as_json:
        out.print_json(json.dumps(found.model_dump(mode="json", by_alias=True), ensure_ascii=False))
        return
    out.print(f"rules version {found.version}")
    for rule in found.rules:
        out.print(f"{rule.id} v{rule.version}  {rule.level.value:<6}  {rule.condition.type:<8}  {rule.title}")


@rules_app.command("validate")
def rules_validate(path: Annotated[Path, typer.Argument(help="A rules file (TOML)")]) -> None:
    """Check a rules file as the shipped rules merged with it; one line naming the first bad field."""
    found = _rules(path)
    out.print(f"{path}: {len(found.rules)} rules in force, version {found.version}")


@risk_app.command("status")
def status(as_json: JsonOption = False) -> None:
    """Where the engine stands in the log."""
    with cli_errors(), reading(None) as (ledger, session, _member):
        cursor = session.get(RiskCursor, CURSOR)
        size = ledger.size()
    data = {
        "next_index": cursor.next_index if cursor else 0,
        "ledger_size": size,
        "behind": size - (cursor.next_index if cursor else 0),
        "records_read": cursor.records_read if cursor else 0,
        "warnings_raised": cursor.warnings_raised if cursor else 0,
    }
    if as_json:
        out.print_json(json.dumps(data))
        return
    out.print(
        f"read up to index {data['next_index']:,} of {size:,} ({data['behind']:,} behind); "
        f"{data['records_read']:,} records read, {data['warnings_raised']:,} warnings raised"
    )


@risk_app.command("run")
def run() -> None:
    """One pass of the engine over the records after its cursor (``suyuan up`` runs it as a job)."""
    rules = _rules()
    with cli_errors(), open_services(settings()) as services:
        raised = RiskEvaluator(services, rules).run_once()
    out.print(f"{len(raised)} warning(s) raised")
    for warning in raised:
        out.print(f"{warning.id}  {warning.level:<6}  {warning.rule_id}  {warning.group_key}")


@risk_app.command("warnings")
def warnings_command(
    status: Annotated[str, typer.Option(help=", ".join(STATUSES))] = "active",
    level: Annotated[Level | None, typer.Option(help="Only this level's")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many, newest first")] = 50,
    as_json: JsonOption = False,
    acting: AsOption = None,
) -> None:
    """List warnings, newest first (``active``: not closed)."""
    if status not in STATUSES:
        fail(f"--status must be one of {', '.join(STATUSES)}")
    with cli_errors(), reading(acting) as (_, session, member):
        found, _cursor = list_warnings(
            session, member, WarningQuery(cast(StatusFilter, status), level), limit
        )
        rows = [describe_warning(session, w) for w in found]
    if as_json:
        out.print_json(json.dumps({"warnings": rows}, ensure_ascii=False))
        return
    if not rows:
        out.print("no risk warning matches")
    for row in rows:
        out.print(
            f"{row['id']}  {row['level']:<6}  {row['status']:<8}  {local_time(row['raised_at'])}  "
            f"{row['rule_id']}  {row['group_key']}"
        )


@risk_app.command("show")
def show(
    warning_id: Annotated[str, typer.Argument(help="The warning, RW-…")],
    acting: AsOption = None,
) -> None:
    """One warning with its evidence records and its workflow, as JSON."""
    with cli_errors(), reading(acting) as (ledger, session, member):
        data = describe_in_full(ledger, session, get_warning(session, member, warning_id))
    out.print_json(json.dumps(data, ensure_ascii=False))


def _step(
    action: Action, warning_id: str, note: str, acting: str | None, assignee: str | None = None
) -> None:
    with cli_errors(), open_services(settings()) as services:
        with Session(services.engine) as session:
            member = acting_member(session, acting)
        done = step_warning(services, member, warning_id, action, note, assignee)
        answer: dict[str, Any] = {"status": done.warning.status, "record_id": done.record_id}
    out.print(f"{warning_id} {answer['status']} (record {answer['record_id']})")


NoteOption = Annotated[str, typer.Option("--note", help="What was done, or why")]


@risk_app.command("assign")
def assign(
    warning_id: Annotated[str, typer.Argument(help="The warning, RW-…")],
    to: Annotated[str, typer.Option("--to", help="Handle of the regulator organisation to handle it")],
    note: NoteOption = "",
    acting: AsOption = None,
) -> None:
    """Assign a warning to a regulator organisation of its jurisdiction."""
    _step("assign", warning_id, note, acting, to)


@risk_app.command("handle")
def handle(
    warning_id: Annotated[str, typer.Argument(help="The warning, RW-…")],
    note: NoteOption,
    acting: AsOption = None,
) -> None:
    """Record how the assignee handled a warning."""
    _step("handle", warning_id, note, acting)


@risk_app.command("close")
def close(
    warning_id: Annotated[str, typer.Argument(help="The warning, RW-…")],
    note: NoteOption,
    acting: AsOption = None,
) -> None:
    """Close a warning."""
    _step("close", warning_id, note, acting)
