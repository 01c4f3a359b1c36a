"""``suyuan filing list|show|certificate|decision``: small food business filings for a regulator.

The commands read with the operator's access to the data directory, acting as the organisation
named by ``--as`` (seeing what its members would see) or by default as the first regulator; they
need the database and the ledger, not the chain. Reviewing stays with the API and the console,
where a regulator's own key signs each step.
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
from .certificates import certificate_pdf, decision_pdf
from .models import BusinessType
from .service import (
    FilingQuery,
    StatusFilter,
    describe_filing,
    describe_in_full,
    get_filing,
    list_filings,
)

filing_app = typer.Typer(
    help="Small food business filings (三小一摊): list, show, and the certificates and decisions issued.",
    no_args_is_help=True,
)

STATUSES: tuple[str, ...] = get_args(StatusFilter)


@filing_app.command("list")
def list_command(
    status: Annotated[
        str, typer.Option(help="all, pending, submitted, accepted, more_requested, approved, refused")
    ] = "all",
    business_type: Annotated[BusinessType | None, typer.Option("--type", help="The business type")] = None,
    jurisdiction: Annotated[str | None, typer.Option(help="Only this jurisdiction's")] = None,
    text: Annotated[str | None, typer.Option("--q", help="Part of a name or number")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many, newest first")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document")] = False,
    acting: AsOption = None,
) -> None:
    """List filings, newest first."""
    if status not in STATUSES:
        fail(f"--status must be one of {', '.join(STATUSES)}")
    with cli_errors(), reading(acting) as (_, session, member):
        wanted = FilingQuery(cast(StatusFilter, status), business_type, jurisdiction, text)
        found, _cursor = list_filings(session, member, wanted, limit)
        rows = [describe_filing(session, filing) for filing in found]
    if as_json:
        out.print_json(json.dumps({"filings": rows}, ensure_ascii=False))
        return
    if not rows:
        out.print("no filing matches")
    for row in rows:
        certificate = row["certificate"]["number"] if row["certificate"] else ""
        out.print(
            f"{row['id']}  {row['status']:<14} {row['business_type']:<16} {row['business_name']}  "
            f"{row['jurisdiction']}  {local_time(row['submitted_at'])}  {certificate}".rstrip()
        )


@filing_app.command("show")
def show(
    number: Annotated[str, typer.Argument(help="The acceptance number, SX-…")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document")] = False,
    acting: AsOption = None,
) -> None:
    """One filing: its facts, its materials and its history from the ledger."""
    with cli_errors(), reading(acting) as (ledger, session, member):
        data = describe_in_full(ledger, session, get_filing(session, Caller(member=member), number))
    if as_json:
        out.print_json(json.dumps(data, ensure_ascii=False))
        return
    _print_filing(data)


def _print_filing(data: dict[str, Any]) -> None:
    certificate = data["certificate"]
    out.print(f"{data['id']}  {data['status']}")
    for label, value in (
        ("business", f"{data['business_name']} ({data['business_type']})"),
        ("address", f"{data['address']} [{data['division_code']}]"),
        ("operator", f"{data['operator_name']}  {data['operator_id_number']}  {data['phone']}"),
        ("categories", "、".join(data["categories"])),
        ("jurisdiction", data["jurisdiction"]),
        (
            "certificate",
            f"{certificate['number']} valid {certificate['valid_from']} to {certificate['valid_until']}"
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
        opinion = step["payload"].get("opinion") or step["payload"].get("note") or ""
        out.print(f"    #{step['index']:<6}{local_time(step['time'])}  {step['kind']:<22}{opinion}")


@filing_app.command("certificate")
def certificate(
    number: Annotated[str, typer.Argument(help="The acceptance number of an approved filing")],
    out_file: Annotated[Path, typer.Option("--out", "-o", help="Where to write the PDF")],
    acting: AsOption = None,
) -> None:
    """Write the registration certificate (登记证) PDF of an approved filing."""
    config = settings()
    with cli_errors(), reading(acting) as (ledger, session, member):
        pdf, _name = certificate_pdf(ledger, config, session, Caller(member=member), number)
    write_paper(out_file, pdf)


@filing_app.command("decision")
def decision(
    number: Annotated[str, typer.Argument(help="The acceptance number of a refused filing")],
    out_file: Annotated[Path, typer.Option("--out", "-o", help="Where to write the PDF")],
    acting: AsOption = None,
) -> None:
    """Write the refusal decision (不予许可决定书) PDF of a refused filing."""
    with cli_errors(), reading(acting) as (ledger, session, member):
        pdf, _name = decision_pdf(ledger, session, Caller(member=member), number)
    write_paper(out_file, pdf)
