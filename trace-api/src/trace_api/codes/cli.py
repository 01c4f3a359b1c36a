"""``suyuan codes issue`` and ``suyuan codes labels``: item codes from the command line.

The command line acts with the operator's access to the data directory: it issues for the
organisation named by ``--org`` (which must hold the batch), and its ledger records name the
key ``cli``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from chain import ChainError, open_chain
from chain.cli import cli_settings, fail, failing_on, out, progress_bar
from evidence import LedgerError, failure_text, make_engine, write_transaction

from ..batches.service import get_batch
from ..errors import DomainError
from ..gs1 import ItemCode
from ..orgs.models import Organisation
from ..orgs.service import Member
from ..services import Services
from ..settings import ServiceSettings
from .labels import render_label_sheet
from .service import code_label, code_uri, codes_of_batch, count_codes, issue_codes

CLI_KEY_ID = "cli"

codes_app = typer.Typer(
    help="Item codes (一品一码): issue GS1 Digital Link codes for a batch, print label sheets.",
    no_args_is_help=True,
)


def settings() -> ServiceSettings:
    return cli_settings(ServiceSettings)


@contextmanager
def open_services(config: ServiceSettings) -> Iterator[Services]:
    """The trace API's services over the configured database, ledger and chain."""
    from ..services import build_services

    with open_chain(config) as chain_session:
        yield build_services(config, chain_session)


@contextmanager
def read_session(config: ServiceSettings) -> Iterator[Session]:
    """A session on the configured database alone: reading codes needs neither chain nor ledger."""
    engine = make_engine(config.resolved_database_url)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def cli_errors() -> AbstractContextManager[None]:
    return failing_on(DomainError, LedgerError, ChainError, SQLAlchemyError, describe=failure_text)


def member_by_handle(session: Session, handle: str) -> Member:
    org = session.exec(select(Organisation).where(Organisation.handle == handle)).first()
    if org is None:
        fail(f"no organisation with handle {handle!r}")
    return Member(org=org, key_id=CLI_KEY_ID, kind="member")


@codes_app.command("issue")
def issue(
    batch_id: Annotated[str, typer.Argument(help="The batch, '<gtin>.<lot>'")],
    count: Annotated[int, typer.Option("--count", "-n", help="How many codes (1 to 100,000)")],
    org: Annotated[str, typer.Option("--org", help="Handle of the organisation holding the batch")],
) -> None:
    """Issue COUNT item codes for the batch, recorded in the ledger as one codes.issued record."""
    config = settings()
    with cli_errors(), open_services(config) as services:
        codes = _issue_with_progress(services, org, batch_id, count)
    out.print(f"issued {len(codes)} codes for batch {batch_id}")
    out.print(f"first  {code_uri(config, codes[0])}")
    out.print(f"last   {code_uri(config, codes[-1])}")


def _issue_with_progress(services: Services, handle: str, batch_id: str, count: int) -> list[ItemCode]:
    with (
        write_transaction(services.engine, services.ledger.lock_name) as conn,
        Session(bind=conn) as session,
        progress_bar(count, "issue codes") as advance,
    ):
        member = member_by_handle(session, handle)
        advance("issue codes", 0, count)  # show the bar while the serials are drawn

        def progress(done: int, total: int) -> None:
            advance("issue codes", done, total)

        return issue_codes(services, session, member, batch_id, count, progress)


@codes_app.command("labels")
def labels(
    batch_id: Annotated[str, typer.Argument(help="The batch, '<gtin>.<lot>'")],
    out_file: Annotated[Path, typer.Option("--out", "-o", help="Where to write the PDF")],
    offset: Annotated[int, typer.Option(min=0, help="Skip this many codes (issue order)")] = 0,
    limit: Annotated[int | None, typer.Option(min=1, help="At most this many labels; default all")] = None,
    record_id: Annotated[
        str | None, typer.Option("--record-id", help="Only the codes of this codes.issued record")
    ] = None,
) -> None:
    """Write an A4 label sheet PDF (QR and text, 24 labels a page) of the batch's codes."""
    config = settings()
    with cli_errors(), read_session(config) as session:
        batch = get_batch(session, batch_id)
        total = limit if limit is not None else count_codes(session, batch_id, record_id)
        codes = codes_of_batch(session, batch_id, offset, total, record_id)
        if not codes:
            fail(f"batch {batch_id} has no codes from offset {offset}")
        sheet = [code_label(config, batch, code) for code in codes]
    with cli_errors(), progress_bar(len(sheet), "labels") as advance:
        pdf = render_label_sheet(
            sheet, title=f"Labels of {batch_id}", progress=lambda done, of: advance("labels", done, of)
        )
    out_file.write_bytes(pdf)
    out.print(f"wrote {len(sheet)} labels to {out_file} ({len(pdf):,} bytes)")
