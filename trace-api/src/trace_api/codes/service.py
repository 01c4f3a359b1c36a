"""One item, one code (一品一码): issuing GS1 Digital Link item codes for a batch, finding them,
and the texts printed on their labels.

An issuance inserts its codes and appends one ``codes.issued`` ledger record in the caller's
write transaction, so that the codes and their evidence commit (or roll back) together.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Sequence, Set
from typing import Any, Protocol

from sqlalchemy import Connection, func, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from evidence import Actor, Record, Subject, utc_now

from .. import gs1
from ..batches.models import Batch
from ..batches.service import get_batch
from ..errors import Conflict, Forbidden, NotFound, Unprocessable
from ..facts import CodesIssued
from ..orgs.models import OrgType
from ..orgs.service import Member
from ..services import Services
from ..settings import ServiceSettings
from .labels import Label
from .models import CodeStatus, ItemCode

MAX_CODES_PER_ISSUANCE = 100_000
INSERT_CHUNK = 5_000
MAX_DRAWS = 3  # per chunk: a third collision means the serial generator is broken
ITEM_CODES = ItemCode.__table__  # type: ignore[attr-defined]
#: Called after each chunk of codes is written: (codes written so far, codes to write).
Progress = Callable[[int, int], None]


class CodeLike(Protocol):
    @property
    def gtin(self) -> str: ...
    @property
    def lot(self) -> str: ...
    @property
    def serial(self) -> str: ...


def code_uri(settings: ServiceSettings, code: CodeLike) -> str:
    """The code's GS1 Digital Link URI on this network's resolver."""
    return gs1.ItemCode(code.gtin, code.lot, code.serial).uri(settings.public_url)


def issuance_record_id(batch_id: str, first_serial: str) -> str:
    return f"codes:{batch_id}:{first_serial}"


def serials_sha256(serials: Iterable[str]) -> str:
    """SHA-256 (hex) of the serials joined by newlines, in issue order: what ``codes.issued``
    records, so that anyone holding the list can show it is the one issued."""
    return hashlib.sha256("\n".join(serials).encode("ascii")).hexdigest()


def issue_codes(
    services: Services,
    session: Session,
    member: Member,
    batch_id: str,
    count: int,
    progress: Progress | None = None,
    *,
    new_serial: Callable[[], str] = gs1.new_serial,
) -> list[gs1.ItemCode]:
    """Issues ``count`` codes for the batch, in issue order, with one ``codes.issued`` record.

    Requires a write session (``get_write_session``): the ledger append joins its transaction.
    Only the organisation holding the batch may issue, and not for a recalled batch.
    """
    check_count(count)
    batch = _issuable_batch(session, member, batch_id)
    conn = session.connection()
    serials = _insert_codes(conn, batch, draw_serials(count, new_serial), new_serial, progress)
    services.ledger.append(_issuance_record(member, batch.id, serials), conn=conn)
    session.commit()
    return [gs1.ItemCode(batch.gtin, batch.lot, serial) for serial in serials]


def check_count(count: int) -> None:
    if not 1 <= count <= MAX_CODES_PER_ISSUANCE:
        raise Unprocessable.field(
            "count", f"must be between 1 and {MAX_CODES_PER_ISSUANCE:,} codes per issuance, not {count}"
        )


def _issuable_batch(session: Session, member: Member, batch_id: str) -> Batch:
    batch = get_batch(session, batch_id)
    if member.org.id != batch.holder_org_id:
        raise Forbidden(
            f"only the holder of batch {batch_id} may issue its codes; {member.org.handle} is not"
        )
    if batch.recalled:
        raise Conflict(f"batch {batch_id} is recalled: no new codes may be issued for it")
    return batch


def draw_serials(count: int, new_serial: Callable[[], str], exclude: Set[str] = frozenset()) -> list[str]:
    """``count`` distinct serials, none of them in ``exclude``."""
    chosen: dict[str, None] = {}  # an insertion-ordered set
    while len(chosen) < count:
        serial = new_serial()
        if serial not in exclude:
            chosen[serial] = None
    return list(chosen)


def _issuance_record(member: Member, batch_id: str, serials: Sequence[str]) -> Record:
    return Record(
        kind=CodesIssued.KIND,
        record_id=issuance_record_id(batch_id, serials[0]),
        time=utc_now(),
        actor=Actor(org=member.org.uscc, key_id=member.key_id),
        subjects=[Subject(type="batch", id=batch_id), Subject(type="org", id=member.org.uscc)],
        payload=CodesIssued(
            batch_id=batch_id,
            count=len(serials),
            first_serial=serials[0],
            last_serial=serials[-1],
            serials_sha256=serials_sha256(serials),
        ).payload(),
    )


def _insert_codes(
    conn: Connection,
    batch: Batch,
    serials: list[str],
    new_serial: Callable[[], str],
    progress: Progress | None,
) -> list[str]:
    """Inserts the codes in issue order, :data:`INSERT_CHUNK` rows per executemany, and returns
    their serials.

    Each chunk goes in under a savepoint. A serial the batch already has (the unique constraint
    says so; among 34^16 ≈ 8·10^24 serials, 100,000 new codes in a batch of a million collide
    with a chance of about 10^-14) fails its chunk only, and the chunk is drawn again. Checking
    beforehand would cost a query per chunk, and on PostgreSQL a slow one (a scan of the whole
    batch) while the statistics of a freshly filled table lag.
    """
    issued_at = dt.datetime.now(dt.UTC)
    for start in range(0, len(serials), INSERT_CHUNK):
        end = min(start + INSERT_CHUNK, len(serials))
        for attempt in range(1, MAX_DRAWS + 1):
            # The record id names the first serial, which a redrawn first chunk changes.
            record_id = issuance_record_id(batch.id, serials[0])
            try:
                with conn.begin_nested():
                    conn.execute(insert(ITEM_CODES), _rows(batch, serials[start:end], record_id, issued_at))
                break
            except IntegrityError:
                if attempt == MAX_DRAWS:
                    raise
                serials[start:end] = draw_serials(end - start, new_serial, exclude=set(serials))
        if progress is not None:
            progress(end, len(serials))
    return serials


def _rows(
    batch: Batch, serials: Sequence[str], record_id: str, issued_at: dt.datetime
) -> list[dict[str, Any]]:
    return [
        {"gtin": batch.gtin, "lot": batch.lot, "serial": serial, "batch_id": batch.id,
         "status": CodeStatus.issued, "issuance_record_id": record_id, "issued_at": issued_at}
        for serial in serials
    ]  # fmt: skip


def readable_batch(session: Session, member: Member, batch_id: str) -> Batch:
    """The batch, if the member's organisation holds it, admitted it, or is a regulator."""
    batch = get_batch(session, batch_id)
    if member.org.org_type is not OrgType.regulator and member.org.id not in (
        batch.importer_org_id,
        batch.holder_org_id,
    ):
        raise Forbidden(f"{member.org.handle} neither holds nor admitted batch {batch_id}")
    return batch


def find_code(session: Session, gtin: str, lot: str, serial: str) -> ItemCode | None:
    query = select(ItemCode).where(ItemCode.gtin == gtin, ItemCode.lot == lot, ItemCode.serial == serial)
    return session.exec(query).first()


def code_of_batch(session: Session, batch: Batch, serial: str) -> ItemCode:
    """The batch's item with this serial: one issued for it, or one a split brought into it
    (whose printed code keeps the lot it was issued for)."""
    query = select(ItemCode).where(ItemCode.batch_id == batch.id, ItemCode.serial == serial)
    code = session.exec(query.order_by(col(ItemCode.id))).first()
    if code is None:
        raise NotFound(f"batch {batch.id} has no code with serial {serial!r}")
    return code


def codes_of_batch(
    session: Session, batch_id: str, offset: int = 0, limit: int = 1000, record_id: str | None = None
) -> list[ItemCode]:
    """The batch's codes in issue order; with ``record_id``, those of that issuance only."""
    query = select(ItemCode).where(ItemCode.batch_id == batch_id)
    if record_id is not None:
        query = query.where(ItemCode.issuance_record_id == record_id)
    return list(session.exec(query.order_by(col(ItemCode.id)).offset(offset).limit(limit)))


def count_codes(session: Session, batch_id: str, record_id: str | None = None) -> int:
    query = select(func.count()).select_from(ItemCode).where(ItemCode.batch_id == batch_id)
    if record_id is not None:
        query = query.where(ItemCode.issuance_record_id == record_id)
    return int(session.exec(query).one())


def code_label(settings: ServiceSettings, batch: Batch, code: CodeLike) -> Label:
    """The label of one item: product, then the GS1 element strings in human-readable form
    (AI in parentheses), then the expiry date."""
    lines = (
        batch.product_name,
        f"(01) {code.gtin}",
        f"(10) {code.lot}",
        f"(21) {code.serial}",
        f"EXP {batch.expiry_date.isoformat()}",
    )
    return Label(code_uri(settings, code), lines)
