"""Rapid tests (农残快检) and the disposals (不合格处理) a failed one opens.

A result arrives from a market's test terminal as a reading (its own ledger record) or is entered
by the market's operator (a ``market.rapid_tested`` record). A failed result opens a disposal in
the same transaction (``market.disposal_opened``): every entry of the stall's purchase ledger for
that product still on sale is blocked, so the ledger, the stall's board and a sale scan of the lot
show it blocked; and a ``rapid_test_failed`` alert against the stall's vendor (the operator when
the stall is not let), told to the operator as well. The operator completes the disposal, once, as
destroyed or returned, with a note and a photo (``market.disposal_completed``): the blocked entries
take that outcome and the alert is closed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from sqlmodel import Session, col, select

from evidence import Actor, BulkInsert, Subject, bulk_insert, utc_datetime

from .._paging import newest_after, page_of
from ..alerting import AlertOpening, AlertSink, close_alert, open_alerts
from ..coldchain.models import Alert
from ..errors import Conflict, NotFound, Unprocessable
from ..orgs.models import Organisation
from ..orgs.service import Member
from ..text import Line, Text
from .facts import DisposalCompleted, DisposalOpened, RapidTested
from .models import Disposal, DisposalStatus, Market, Purchase, PurchaseStatus, RapidTest, Stall
from .purchases import SHA256, product_name, require_held, stall_product_entries
from .service import (
    Sight,
    day_bounds,
    find_stall,
    market_day,
    market_subjects,
    member_actor,
    operator_of,
    record_fact,
    require_operator,
    tenant_on,
)

#: The rule of the alert a failed rapid test raises against the vendor.
RAPID_TEST_RULE = "rapid_test_failed"
RAPID_TESTS_TABLE = RapidTest.__table__  # type: ignore[attr-defined]  # SQLModel's table, for bulk inserts


class RapidTestIn(BaseModel):
    """One sample's result, as a terminal reports it."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    sample: Line = Field(min_length=1, max_length=64, description="the sample's number on the terminal")
    stall: str = Field(min_length=1, max_length=16, description="the stall's code")
    product: Line = Field(min_length=1, max_length=100)
    method: Line = Field(
        min_length=1, max_length=64, description="e.g. enzyme_inhibition (酶抑制法), colloidal_gold (胶体金)"
    )
    value: float = Field(ge=-1e9, le=1e9)
    unit: Line = Field(min_length=1, max_length=16, description="e.g. % (inhibition rate), mg/kg")
    threshold: float = Field(ge=-1e9, le=1e9)
    passed: bool = Field(description="must agree with value below threshold")
    tested_at: AwareDatetime | None = Field(default=None, description="unset: now")

    @field_validator("passed")
    @classmethod
    def _agrees(cls, passed: bool, info: ValidationInfo) -> bool:
        value, threshold = info.data.get("value"), info.data.get("threshold")
        if value is not None and threshold is not None and passed != (value < threshold):
            said, verdict = ("passed", "fails") if passed else ("failed", "passes")
            raise PydanticCustomError(
                "verdict", f"says {said}, but value {value:g} against threshold {threshold:g} {verdict}"
            )
        return passed


@dataclass(frozen=True)
class TestSource:
    """Where a result's record is: a terminal's reading (already in the ledger), or none yet."""

    device_id: str | None
    record_id: str
    ledger_index: int


@dataclass(frozen=True)
class Taken:
    test: RapidTest
    disposal: Disposal | None


def enter_rapid_test(
    session: Session, sink: AlertSink, member: Member, market: Market, data: RapidTestIn, now: dt.datetime
) -> Taken:
    """A result the operator enters by hand, recorded as ``market.rapid_tested``."""
    require_operator(member, market)
    tested_at = data.tested_at.astimezone(dt.UTC) if data.tested_at else now
    if tested_at > now + dt.timedelta(minutes=5):
        raise Unprocessable.field("tested_at", "is in the future", reason="future")
    try:
        stall = find_stall(session, market, data.stall)
    except NotFound as exc:
        raise Unprocessable.field("stall", exc.detail, reason="unknown_stall") from exc
    test_id = uuid.uuid4().hex
    fact = RapidTested(
        test_id=test_id, market=market.handle, stall=stall.code, sample=data.sample, product=data.product,
        method=data.method, value=data.value, unit=data.unit, threshold=data.threshold, passed=data.passed,
        tested_at=tested_at.isoformat().replace("+00:00", "Z"),
    )  # fmt: skip
    actor = member_actor(member)
    subjects = market_subjects(market, Subject(type="stall", id=stall.id))
    record, receipt = record_fact(session, sink.ledger, actor, f"rapid_test:{test_id}", subjects, fact)
    source = TestSource(None, record.record_id, receipt.index)
    return take_rapid_test(session, sink, actor, market, stall, data, tested_at, source, test_id)


def take_rapid_test(
    session: Session,
    sink: AlertSink,
    actor: Actor,
    market: Market,
    stall: Stall,
    data: RapidTestIn,
    tested_at: dt.datetime,
    source: TestSource,
    test_id: str | None = None,
) -> Taken:
    """Stores one result whose record is ``source``; a failure opens its disposal (as ``actor``)."""
    test = RapidTest(**_test_row(test_id or uuid.uuid4().hex, market, stall.id, data, tested_at, source))
    session.add(test)
    disposal = None if test.passed else open_disposal(session, sink, actor, market, stall, test)
    return Taken(test, disposal)


#: A terminal's result's row: the columns made before the writer lock, then its reading's record.
TERMINAL_COLUMNS = (
    "id", "market_id", "stall_id", "sample", "product", "method", "value", "unit", "threshold", "passed",
    "tested_at", "device_id", "record_id", "ledger_index",
)  # fmt: skip
_RECORD_COLUMNS = TERMINAL_COLUMNS.index("record_id")


class TerminalResult(NamedTuple):
    """A result as a terminal's reading brings it, made ready before the writer lock is taken: who
    tested, where, and its row but for the reading's record (:func:`terminal_result`)."""

    actor: Actor
    market: Market
    stall_id: str
    data: RapidTestIn
    tested_at: dt.datetime
    device_id: str
    test_id: str
    #: The row's values of ``TERMINAL_COLUMNS`` up to the record's, made for the database.
    head: tuple[Any, ...]


def terminal_result(
    session: Session,
    actor: Actor,
    market: Market,
    stall_id: str,
    data: RapidTestIn,
    tested_at: dt.datetime,
    device_id: str,
) -> TerminalResult:
    """The terminal's result with its row made (reads nothing: a reading's check makes it)."""
    test_id = uuid.uuid4().hex
    row = _test_row(test_id, market, stall_id, data, tested_at, TestSource(device_id, "", -1))
    head = _terminal_rows(session).values([row[name] for name in TERMINAL_COLUMNS[:_RECORD_COLUMNS]])
    return TerminalResult(actor, market, stall_id, data, tested_at, device_id, test_id, head)


def _terminal_rows(session: Session) -> BulkInsert:
    return bulk_insert(session.get_bind().dialect, RAPID_TESTS_TABLE, TERMINAL_COLUMNS)


def take_terminal_results(
    session: Session, sink: AlertSink, results: Sequence[tuple[TerminalResult, str, int]]
) -> None:
    """Stores the results, each with its reading's record (id, ledger index), in one statement; then
    each failure, in order, opens its disposal (as :func:`take_rapid_test` does for one result)."""
    rows = _terminal_rows(session)
    made, failed = [], []
    for result, record_id, index in results:
        made.append(result.head + rows.values((record_id, index), _RECORD_COLUMNS))
        if not result.data.passed:
            failed.append((result, TestSource(result.device_id, record_id, index)))
    rows.run(session.connection(), made)
    if not failed:
        return
    query = select(Stall).where(col(Stall.id).in_({result.stall_id for result, _ in failed}))
    stalls = {stall.id: stall for stall in session.exec(query)}
    for result, source in failed:
        row = _test_row(result.test_id, result.market, result.stall_id, result.data, result.tested_at, source)
        open_disposal(session, sink, result.actor, result.market, stalls[result.stall_id], RapidTest(**row))


def _test_row(
    test_id: str, market: Market, stall_id: str, data: RapidTestIn, tested_at: dt.datetime, source: TestSource
) -> dict[str, Any]:
    return {
        "id": test_id, "market_id": market.id, "stall_id": stall_id, "sample": data.sample,
        "product": product_name(data.product), "method": data.method, "value": data.value, "unit": data.unit,
        "threshold": data.threshold, "passed": data.passed, "tested_at": tested_at,
        "device_id": source.device_id, "record_id": source.record_id, "ledger_index": source.ledger_index,
    }  # fmt: skip


def open_disposal(
    session: Session, sink: AlertSink, actor: Actor, market: Market, stall: Stall, test: RapidTest
) -> Disposal:
    """Blocks the stall's entries of the product on sale, records ``market.disposal_opened`` and
    opens its ``rapid_test_failed`` alert."""
    rental = tenant_on(session, stall.id, market_day(test.tested_at))
    vendor = session.get(Organisation, rental.vendor_org_id) if rental else None
    blocked = stall_product_entries(session, stall.id, test.product)
    disposal = Disposal(
        id=uuid.uuid4().hex, market_id=market.id, rapid_test_id=test.id, stall_id=stall.id,
        vendor_org_id=vendor.id if vendor else None, product=test.product, opened_at=test.tested_at,
        open_record_id="",
    )  # fmt: skip
    fact = DisposalOpened(
        disposal_id=disposal.id, market=market.handle, stall=stall.code,
        vendor=vendor.handle if vendor else None, test_id=test.id, test_record_id=test.record_id,
        sample=test.sample, product=test.product, blocked=[p.id for p in blocked],
    )  # fmt: skip
    subjects = market_subjects(market, *_disposal_subjects(disposal, vendor))
    record, _ = record_fact(session, sink.ledger, actor, f"disposal:{disposal.id}", subjects, fact)
    disposal.open_record_id = record.record_id
    operator = operator_of(session, market)
    detail = (
        f"{test.product}: {test.method} {test.value:g} {test.unit} against {test.threshold:g} "
        f"(sample {test.sample}); {len(blocked)} lot(s) off sale until disposed of"
    )
    opening = AlertOpening(
        org=vendor or operator, rule=RAPID_TEST_RULE, subject_type="market_disposal",
        subject_id=disposal.id, place=f"{market.name} {stall.code}", detail=detail, at=test.tested_at,
        audience=[operator], subjects=subjects,
    )  # fmt: skip
    [disposal.alert_id] = open_alerts(session, sink, [opening])
    session.add(disposal)
    for purchase in blocked:
        purchase.status, purchase.disposal_id = PurchaseStatus.blocked, disposal.id
        session.add(purchase)
    session.flush()
    return disposal


def _disposal_subjects(disposal: Disposal, vendor: Organisation | None) -> list[Subject]:
    subjects = [Subject(type="disposal", id=disposal.id), Subject(type="stall", id=disposal.stall_id)]
    if vendor is not None:
        subjects.append(Subject(type="org", id=vendor.uscc))
    return subjects


# -- completing a disposal -----------------------------------------------------------------------


class Outcome(StrEnum):
    destroyed = "destroyed"  # 销毁
    returned = "returned"  # 退货 (to the supplier)


class DisposalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Outcome
    note: Text = Field(min_length=1, max_length=2000, description="what was done, where, witnessed by whom")
    evidence_sha256: str | None = Field(
        default=None, pattern=SHA256, description="a photo of it (a document the operator uploaded)"
    )


def complete_disposal(
    session: Session, sink: AlertSink, member: Member, market: Market, disposal_id: str, data: DisposalIn
) -> Disposal:
    """The operator's record that the blocked goods were destroyed or returned, once; closes the
    disposal's alert."""
    require_operator(member, market)
    disposal = session.get(Disposal, disposal_id)
    if disposal is None or disposal.market_id != market.id:
        raise NotFound(f"market {market.handle} has no disposal {disposal_id!r}")
    if disposal.status is not DisposalStatus.open:
        raise Conflict(
            f"disposal {disposal_id} was completed already ({disposal.status.value})", reason="completed"
        )
    if not data.note.strip():
        raise Unprocessable.field("note", "is empty: say what was done with the goods")
    require_held(session, member, "evidence_sha256", data.evidence_sha256)
    purchases = list(session.exec(select(Purchase).where(Purchase.disposal_id == disposal.id)).all())
    vendor = session.get(Organisation, disposal.vendor_org_id) if disposal.vendor_org_id else None
    stall = session.get(Stall, disposal.stall_id)
    assert stall is not None  # a foreign key
    fact = DisposalCompleted(
        disposal_id=disposal.id, market=market.handle, stall=stall.code,
        outcome=data.outcome.value, note=data.note.strip(), purchases=[p.id for p in purchases],
        open_record_id=disposal.open_record_id, evidence_sha256=data.evidence_sha256,
    )  # fmt: skip
    subjects = market_subjects(market, *_disposal_subjects(disposal, vendor))
    record_id = f"disposal:{disposal.id}:completed"
    record, _ = record_fact(session, sink.ledger, member_actor(member), record_id, subjects, fact)
    disposal.status = DisposalStatus(data.outcome.value)
    completed = utc_datetime(record.time)
    disposal.completed_at = completed
    disposal.note, disposal.evidence_sha256 = data.note.strip(), data.evidence_sha256
    disposal.completed_key_id, disposal.close_record_id = member.key_id, record.record_id
    session.add(disposal)
    for purchase in purchases:
        purchase.status = PurchaseStatus(data.outcome.value)
        session.add(purchase)
    alert = session.get(Alert, disposal.alert_id) if disposal.alert_id else None
    if alert is not None and alert.closed_at is None:
        note = f"{data.outcome.value} ({len(purchases)} lot(s)): {disposal.note}"
        close_alert(
            session, sink, alert, at=completed, note=note,
            audience=[operator_of(session, market)], subjects=subjects,
        )  # fmt: skip
    session.flush()
    return disposal


# -- reading -------------------------------------------------------------------------------------


def list_rapid_tests(
    session: Session,
    sight: Sight,
    *,
    day: dt.date | None = None,
    stall: Stall | None = None,
    passed: bool | None = None,
    limit: int,
    cursor: str | None,
) -> tuple[list[RapidTest], str | None]:
    """Results newest first, a page at a time: the market's, or a vendor's stalls' only."""
    query = select(RapidTest).where(RapidTest.market_id == sight.market.id)
    if stall is not None:
        sight.require_stall(session, stall)
        query = query.where(RapidTest.stall_id == stall.id)
    elif not sight.whole:
        query = query.where(col(RapidTest.stall_id).in_(sight.own_stall_ids(session)))
    if day is not None:
        start, end = day_bounds(day)
        query = query.where(RapidTest.tested_at >= start, RapidTest.tested_at < end)
    if passed is not None:
        query = query.where(RapidTest.passed == passed)
    after = newest_after(session, RapidTest, cursor, "tested_at")
    if after is not None:
        query = query.where(after)
    query = query.order_by(col(RapidTest.tested_at).desc(), col(RapidTest.id).desc()).limit(limit + 1)
    return page_of(session.exec(query).all(), limit, lambda t: t.id)


class DisposalFilter(StrEnum):
    open = "open"
    completed = "completed"
    all = "all"


def list_disposals(
    session: Session, sight: Sight, status: DisposalFilter, limit: int, cursor: str | None
) -> tuple[list[Disposal], str | None]:
    """Disposals newest first: the market's, or a vendor's own."""
    query = select(Disposal).where(Disposal.market_id == sight.market.id)
    if not sight.whole:
        query = query.where(Disposal.vendor_org_id == sight.member.org.id)
    if status is DisposalFilter.open:
        query = query.where(Disposal.status == DisposalStatus.open)
    elif status is DisposalFilter.completed:
        query = query.where(Disposal.status != DisposalStatus.open)
    after = newest_after(session, Disposal, cursor, "opened_at")
    if after is not None:
        query = query.where(after)
    query = query.order_by(col(Disposal.opened_at).desc(), col(Disposal.id).desc()).limit(limit + 1)
    return page_of(session.exec(query).all(), limit, lambda d: d.id)


def get_disposal(session: Session, sight: Sight, disposal_id: str) -> Disposal:
    disposal = session.get(Disposal, disposal_id)
    visible = disposal is not None and disposal.market_id == sight.market.id
    if disposal is None or not visible or not (sight.whole or disposal.vendor_org_id == sight.member.org.id):
        raise NotFound(f"market {sight.market.handle} has no disposal {disposal_id!r} that you may see")
    return disposal
