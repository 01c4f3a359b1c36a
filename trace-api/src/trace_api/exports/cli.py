"""``suyuan export fsma204``: the FSMA 204 sortable spreadsheet from the command line.

The command acts as the organisation named by ``--as`` (seeing what its members would see), or
by default as the first regulator, with the operator's access to the data directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session, col, select

from chain.cli import fail, out

from ..codes.cli import CLI_KEY_ID, cli_errors, member_by_handle, open_services, settings
from ..orgs.models import Organisation, OrgType
from ..orgs.service import Member
from .fsma204 import SheetFormat, fsma204_rows, parse_bound, to_csv, to_xlsx

export_app = typer.Typer(
    help="Exports for regulators and partners: the FSMA 204 sortable spreadsheet.", no_args_is_help=True
)


@export_app.callback()
def exports() -> None:
    """Exports for regulators and partners: the FSMA 204 sortable spreadsheet."""
    # A callback keeps ``fsma204`` a subcommand while it is the group's only command.


@export_app.command("fsma204")
def fsma204(
    out_file: Annotated[Path, typer.Option("--out", "-o", help="Where to write the spreadsheet")],
    lot: Annotated[str | None, typer.Option(help="Lot code or batch id; its lineage comes too")] = None,
    batch_id: Annotated[str | None, typer.Option("--batch-id", help="Batch id '<gtin>.<lot>'")] = None,
    since: Annotated[str | None, typer.Option(help="From this date or date-time (ISO 8601, UTC)")] = None,
    until: Annotated[str | None, typer.Option(help="Before this date-time, or through this date")] = None,
    sheet_format: Annotated[
        SheetFormat | None, typer.Option("--format", help="csv or xlsx; default from --out's suffix")
    ] = None,
    acting: Annotated[
        str | None, typer.Option("--as", help="Handle of the organisation to act as; default a regulator")
    ] = None,
) -> None:
    """Write one row per critical tracking event, with its key data elements, for a lot or a date range."""
    chosen = sheet_format or (SheetFormat.xlsx if out_file.suffix.lower() == ".xlsx" else SheetFormat.csv)
    with cli_errors():
        start, end = parse_bound("since", since), parse_bound("until", until, end=True)
        with open_services(settings()) as services, Session(services.engine) as session:
            member = _acting_member(session, acting)
            rows = fsma204_rows(services, session, member, lot=lot, batch_id=batch_id, since=start, until=end)
    body = to_xlsx(rows) if chosen is SheetFormat.xlsx else to_csv(rows)
    try:
        out_file.write_bytes(body)
    except OSError as exc:
        fail(f"cannot write {out_file}: {exc.strerror or exc}")
    out.print(f"wrote {len(rows)} rows to {out_file} ({chosen.value}, as {member.org.handle})")


def _acting_member(session: Session, handle: str | None) -> Member:
    if handle is not None:
        return member_by_handle(session, handle)
    query = select(Organisation).where(Organisation.org_type == OrgType.regulator)
    regulator = session.exec(query.order_by(col(Organisation.created_at), col(Organisation.id))).first()
    if regulator is None:
        fail("no regulator organisation yet: pass --as ORG_HANDLE")
    return Member(org=regulator, key_id=CLI_KEY_ID, kind="member")
