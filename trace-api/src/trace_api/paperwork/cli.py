"""What the paperless procedures' commands share: reading the data directory as an organisation
(``--as``, by default the first regulator), times as a Chinese regulator reads them, and papers
written to a file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session, col, select

from chain.cli import fail, out
from evidence import Ledger, open_ledger

from ..codes.cli import CLI_KEY_ID, member_by_handle, settings
from ..orgs.models import Organisation, OrgType
from ..orgs.service import Member
from .applicants import CHINA

AsOption = Annotated[
    str | None, typer.Option("--as", help="Handle of the organisation to act as; default the first regulator")
]


@contextmanager
def reading(acting: str | None) -> Iterator[tuple[Ledger, Session, Member]]:
    """The ledger, a session and the member acted as; the engine disposed of afterwards."""
    ledger = open_ledger(settings())
    try:
        with Session(ledger.engine) as session:
            yield ledger, session, acting_member(session, acting)
    finally:
        ledger.engine.dispose()


def acting_member(session: Session, handle: str | None) -> Member:
    if handle is not None:
        return member_by_handle(session, handle)
    query = select(Organisation).where(Organisation.org_type == OrgType.regulator)
    regulator = session.exec(query.order_by(col(Organisation.created_at), col(Organisation.id))).first()
    if regulator is None:
        fail("no regulator organisation yet: pass --as ORG_HANDLE")
    return Member(org=regulator, key_id=CLI_KEY_ID, kind="member")


def local_time(moment: str | None) -> str:
    if not moment:
        return "-"
    return dt.datetime.fromisoformat(moment).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def write_paper(path: Path, pdf: bytes) -> None:
    try:
        path.write_bytes(pdf)
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc}")
    out.print(f"wrote {path} ({len(pdf):,} bytes)")
