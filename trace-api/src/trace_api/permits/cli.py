"""``suyuan permit list|show|certificate``: food business permits for a regulator.

The commands read with the operator's access to the data directory, acting as the organisation
named by ``--as`` or by default as the first regulator (:mod:`trace_api.paperwork.cli`); they
need the database and the ledger, not the chain. Reviewing and changing certificates stay with
the API and the console, where a regulator's own key signs each step.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, cast, get_args

import typer

from chain.cli import fail, out

from ..codes.cli import cli_errors, settings
from ..paperwork.applicants import Caller
from ..paperwork.cli import AsOption, local_time, reading, write_paper
from .certificates import certificate_pdf
from .models import BusinessFormat
from .service import PermitQuery, StatusFilter, describe_in_full, describe_permit, get_permit, list_permits

permit_app = typer.Typer(
    help="Food business permits (食品经营许可): list, show, and the permits issued.", no_args_is_help=True
)

STATUSES: tuple[str, ...] = get_args(StatusFilter)


@permit_app.command("list")
def list_command(
    status: Annotated[
        str, typer.Option(help="all, pending, submitted, accepted, examined, approved, refused")
    ] = "all",
    business_format: Annotated[
        BusinessFormat | None, typer.Option("--format", help="The business format")
    ] = None,
    jurisdiction: Annotated[str | None, typer.Option(help="Only this jurisdiction's")] = None,
    text: Annotated[str | None, typer.Option("--q", help="Part of a name or number")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many, newest first")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document")] = False,
    acting: AsOption = None,
) -> None:
    """List permit applications, newest first."""
    if status not in STATUSES:
        fail(f"--status must be one of {', '.join(STATUSES)}")
    with cli_errors(), reading(acting) as (_, session, member):
        wanted = PermitQuery(cast(StatusFilter, status), business_format, jurisdiction, text)
        found, _cursor = list_permits(session, member, wanted, limit)
        rows = [describe_permit(session, permit) for permit in found]
    if as_json:
        out.print_json(json.dumps({"permits": rows}, ensure_ascii=False))
        return
    if not rows:
        out.print("no permit application matches")
    for row in rows:
        certificate = row["certificate"]
        held = f"{certificate['number']} {certificate['state']}" if certificate else ""
        out.print(
            f"{row['id']}  {row['status']:<10} {row['business_format']:<10} {row['business_name']}  "
            f"{row['jurisdiction']}  {local_time(row['submitted_at'])}  {held}".rstrip()
        )


@permit_app.command("show")
def show(
    number: Annotated[str, typer.Argument(help="The application number, XK-…")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document")] = False,
    acting: AsOption = None,
) -> None:
    """One application: its facts, its materials and its history from the ledger."""
    with cli_errors(), reading(acting) as (ledger, session, member):
        data = describe_in_full(ledger, session, get_permit(session, Caller(member=member), number))
    if as_json:
        out.print_json(json.dumps(data, ensure_ascii=False))
        return
    _print_permit(data)


def _print_permit(data: dict[str, Any]) -> None:
    certificate = data["certificate"]
    out.print(f"{data['id']}  {data['status']}")
    for label, value in (
        ("business", f"{data['business_name']} ({data['business_format']})  {data['uscc']}"),
        ("premises", f"{data['premises']} [{data['division_code']}]"),
        ("represented", f"{data['legal_representative']}  {data['phone']}"),
        ("items", "、".join(data["items"])),
        ("jurisdiction", data["jurisdiction"]),
        (
            "permit",
            f"{certificate['number']} {certificate['state']} valid {certificate['valid_from']} to "
            f"{certificate['valid_until']}"
            if certificate
            else "-",
        ),
    ):
        out.print(f"  {label:<13}{value}")
    out.print(f"  materials    {len(data['materials'])}")
    for material in data["materials"]:
        out.print(f"    {material['kind']:<19}{material['filename']}  {material['sha256'][:16]}…")
    out.print("  history (ledger)")
    for step in data["history"]:
        said = step["payload"].get("opinion") or step["payload"].get("reason") or ""
        out.print(f"    #{step['index']:<6}{local_time(step['time'])}  {step['kind']:<20}{said}")


@permit_app.command("certificate")
def certificate(
    number: Annotated[str, typer.Argument(help="The application number of an approved application")],
    out_file: Annotated[Path, typer.Option("--out", "-o", help="Where to write the PDF")],
    acting: AsOption = None,
) -> None:
    """Write the food business permit (食品经营许可证) PDF of an approved application."""
    config = settings()
    with cli_errors(), reading(acting) as (ledger, session, member):
        pdf, _name = certificate_pdf(ledger, config, session, Caller(member=member), number)
    write_paper(out_file, pdf)
