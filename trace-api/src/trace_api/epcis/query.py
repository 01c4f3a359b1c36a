"""EPCIS 2.0 query: ``GET /epcis/events`` filters, stable keyset paging, caller-scoped results."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from evidence import parse_rfc3339

from ..errors import NotFound, TooLarge, Unprocessable
from ..orgs.models import OrgType
from ..orgs.service import Member
from .documents import EPCIS_CONTEXT, IdentifierError, short_vocabulary, urn_to_digital_link
from .models import EpcisEvent, EpcisEventKey
from .predicates import Predicate, event_predicate, is_event_parameter, values_of

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 1000
#: Events read per round when a parameter is tested on the events themselves (:mod:`.predicates`).
SCAN_ROUND = 500
EQ_COLUMNS = {
    "EQ_action": "action",
    "EQ_bizStep": "biz_step",
    "EQ_disposition": "disposition",
    "EQ_readPoint": "read_point",
    "EQ_bizLocation": "biz_location",
    # Without master data, a location's descendants are unknown: the location itself matches.
    "WD_readPoint": "read_point",
    "WD_bizLocation": "biz_location",
}
MATCH_KINDS = {
    "MATCH_epc": "epc",
    "MATCH_anyEPC": "anyEPC",
    "MATCH_epcClass": "epcClass",
    "MATCH_anyEPCClass": "anyEPCClass",
}
TIME_FILTERS = {
    "GE_eventTime": ("event_time", ">="),
    "LT_eventTime": ("event_time", "<"),
    "GE_recordTime": ("record_time", ">="),
    "LT_recordTime": ("record_time", "<"),
}
ORDER_COLUMNS = {"eventTime": "event_time", "recordTime": "record_time"}
RESULT_PARAMETERS = {"orderBy", "orderDirection", "eventCountLimit", "maxEventCount"}
PAGE_PARAMETERS = {"perPage", "nextPageToken"}
SQL_PARAMETERS = {"eventType", "EQ_eventID", *EQ_COLUMNS, *MATCH_KINDS, *TIME_FILTERS}


def _values(params: Mapping[str, Sequence[str]], name: str) -> list[str]:
    return values_of(params, name)


def _when(name: str, value: str) -> dt.datetime:
    try:
        return parse_rfc3339(value)
    except ValueError as exc:
        raise Unprocessable.field(name, f"{value!r} {exc}") from exc


def conditions_of(params: Mapping[str, Sequence[str]]) -> list[Any]:
    """Checks every parameter as a query would (raising, naming the first one wrong); the SQL
    conditions of those that have one."""
    _result_shape(params)
    _event_test(params)
    return _conditions(params)


def _event_test(params: Mapping[str, Sequence[str]]) -> Predicate | None:
    names = set(params) - SQL_PARAMETERS - RESULT_PARAMETERS - PAGE_PARAMETERS
    for name in sorted(names):
        if not is_event_parameter(name):
            raise Unprocessable.field(name, "is not a supported query parameter")
    return event_predicate(params, names)


def _conditions(params: Mapping[str, Sequence[str]]) -> list[Any]:
    conditions: list[Any] = []
    if types := _values(params, "eventType"):
        conditions.append(col(EpcisEvent.event_type).in_(types))
    if ids := _values(params, "EQ_eventID"):
        conditions.append(or_(col(EpcisEvent.event_id).in_(ids), col(EpcisEvent.declared_event_id).in_(ids)))
    for name, column in EQ_COLUMNS.items():
        if values := _values(params, name):
            normalised = (
                [short_vocabulary(v) for v in values] if column in ("biz_step", "disposition") else values
            )
            conditions.append(getattr(EpcisEvent, column).in_(normalised))
    for name, kind in MATCH_KINDS.items():
        if values := _values(params, name):
            matching = select(EpcisEventKey.event_id).where(
                col(EpcisEventKey.kind) == kind, col(EpcisEventKey.value).in_(_with_digital_links(values))
            )
            conditions.append(col(EpcisEvent.event_id).in_(matching))
    for name, (column, op) in TIME_FILTERS.items():
        for value in _values(params, name):
            field = getattr(EpcisEvent, column)
            conditions.append(field >= _when(name, value) if op == ">=" else field < _when(name, value))
    return conditions


def _with_digital_links(values: list[str]) -> list[str]:
    out = list(values)
    for value in values:
        with contextlib.suppress(IdentifierError):
            out.append(urn_to_digital_link(value))
    return out


@dataclass(frozen=True)
class ResultShape:
    """How the matching events are answered: their order, and how many at most."""

    order_by: str = "recordTime"
    descending: bool = False
    count_limit: int | None = None  # eventCountLimit: the first so many events, the rest dropped
    max_count: int | None = None  # maxEventCount: more matching events than this is an error

    def key(self, event: EpcisEvent) -> dt.datetime:
        value: dt.datetime = getattr(event, ORDER_COLUMNS[self.order_by])
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _result_shape(params: Mapping[str, Sequence[str]]) -> ResultShape:
    order_by = (_values(params, "orderBy") or ["recordTime"])[0]
    if order_by not in ORDER_COLUMNS:
        raise Unprocessable.field("orderBy", f"orders by one of {', '.join(ORDER_COLUMNS)}, not {order_by!r}")
    direction = (_values(params, "orderDirection") or ["ASC"])[0]
    if direction not in ("ASC", "DESC"):
        raise Unprocessable.field("orderDirection", "must be ASC or DESC")
    limit, most = _count(params, "eventCountLimit"), _count(params, "maxEventCount")
    if limit is not None and most is not None:
        raise Unprocessable.field("maxEventCount", "cannot be combined with eventCountLimit")
    return ResultShape(order_by, direction == "DESC", limit, most)


def _count(params: Mapping[str, Sequence[str]], name: str) -> int | None:
    raw = _values(params, name)
    if not raw:
        return None
    if not raw[0].isascii() or not raw[0].isdigit() or int(raw[0]) < 1:
        raise Unprocessable.field(name, "must be a whole number of at least 1")
    return int(raw[0])


@dataclass(frozen=True)
class Page:
    size: int
    after: tuple[dt.datetime, str] | None = None  # the last event answered: its order key and id
    answered: int = 0  # events answered on the pages before (for eventCountLimit)


def _page(params: Mapping[str, Sequence[str]], shape: ResultShape) -> Page:
    raw = _values(params, "perPage")
    try:
        per_page = int(raw[0]) if raw else DEFAULT_PER_PAGE
    except ValueError as exc:
        raise Unprocessable.field("perPage", "must be a whole number") from exc
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise Unprocessable.field("perPage", f"must be between 1 and {MAX_PER_PAGE}")
    token = _values(params, "nextPageToken")
    if not token:
        return Page(per_page)
    try:
        after = json.loads(base64.urlsafe_b64decode(token[0].encode()))
        page = Page(
            per_page, (dt.datetime.fromisoformat(after["t"]), str(after["id"])), int(after.get("n", 0))
        )
        same_order = (after.get("o", "recordTime"), bool(after.get("d", False))) == (
            shape.order_by,
            shape.descending,
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise Unprocessable.field("nextPageToken", "is not a token this server issued") from exc
    if not same_order:
        raise Unprocessable.field("nextPageToken", "was issued for another orderBy or orderDirection")
    return page


def _token(event: EpcisEvent, shape: ResultShape, answered: int) -> str:
    payload = {
        "t": shape.key(event).isoformat(),
        "id": event.event_id,
        "o": shape.order_by,
        "d": shape.descending,
        "n": answered,
    }
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


def query_events(
    session: Session, member: Member, params: Mapping[str, Sequence[str]]
) -> tuple[list[EpcisEvent], str | None]:
    """Events matching every parameter, in the order asked (record time by default); with the
    token of the next page, if any. Raises :class:`TooLarge` (naming ``maxEventCount``) when more
    events match than it allows."""
    shape = _result_shape(params)
    page = _page(params, shape)
    test = _event_test(params)
    query = select(EpcisEvent).where(*_conditions(params))
    matched = _matched_ids(session, params)
    if matched is not None:
        # Start from the few events the identifiers name, not from every event in scope.
        query = query.where(col(EpcisEvent.event_id).in_(matched))
    if member.org.org_type is not OrgType.regulator:
        query = query.where(EpcisEvent.org_id == member.org.id)
    if shape.max_count is not None:
        _refuse_beyond(session, query, test, shape.max_count)
    wanted = page.size
    if shape.count_limit is not None:
        wanted = min(wanted, shape.count_limit - page.answered)
    rows, more = _matching(session, query, shape, page.after, test, wanted)
    answered = page.answered + len(rows)
    if more and rows and (shape.count_limit is None or answered < shape.count_limit):
        return rows, _token(rows[-1], shape, answered)
    return rows, None


def _ordered(query: Any, shape: ResultShape, after: tuple[dt.datetime, str] | None) -> Any:
    key, event_id = getattr(EpcisEvent, ORDER_COLUMNS[shape.order_by]), col(EpcisEvent.event_id)
    if after is not None:
        at, last = after
        later = (
            or_(key < at, and_(key == at, event_id < last))
            if shape.descending
            else or_(key > at, and_(key == at, event_id > last))
        )
        query = query.where(later)
    if shape.descending:
        return query.order_by(key.desc(), event_id.desc())
    return query.order_by(key, event_id)


def _matching(
    session: Session,
    query: Any,
    shape: ResultShape,
    after: tuple[dt.datetime, str] | None,
    test: Predicate | None,
    wanted: int,
) -> tuple[list[EpcisEvent], bool]:
    """Up to ``wanted`` events after ``after`` that pass ``test``, and whether more follow."""
    if wanted <= 0:
        return [], False
    if test is None:
        rows = list(session.exec(_ordered(query, shape, after).limit(wanted + 1)))
        return rows[:wanted], len(rows) > wanted
    found: list[EpcisEvent] = []
    while True:
        batch = list(session.exec(_ordered(query, shape, after).limit(SCAN_ROUND)))
        for row in batch:
            if test(json.loads(row.body)):
                if len(found) == wanted:
                    return found, True
                found.append(row)
        if len(batch) < SCAN_ROUND:
            return found, False
        after = (shape.key(batch[-1]), batch[-1].event_id)


def _refuse_beyond(session: Session, query: Any, test: Predicate | None, most: int) -> None:
    if test is None:
        count = session.exec(select(func.count()).select_from(query.subquery())).one()
    else:
        count = sum(1 for row in session.exec(query) if test(json.loads(row.body)))
    if count > most:
        raise TooLarge.field(
            "maxEventCount", f"{count:,} events match, more than {most:,}: narrow the query", max_events=most
        )


MAX_RESOLVED_IDS = 10_000


def _matched_ids(session: Session, params: Mapping[str, Sequence[str]]) -> list[str] | None:
    """The ids every MATCH_ filter allows, when they are few enough to look up directly."""
    found: set[str] | None = None
    for name, kind in MATCH_KINDS.items():
        if values := _values(params, name):
            query = select(EpcisEventKey.event_id).where(
                col(EpcisEventKey.kind) == kind, col(EpcisEventKey.value).in_(_with_digital_links(values))
            )
            ids = set(session.exec(query.limit(MAX_RESOLVED_IDS + 1)))
            if len(ids) > MAX_RESOLVED_IDS:
                return None
            found = ids if found is None else found & ids
    return None if found is None else sorted(found)


def find_event(session: Session, member: Member, event_id: str) -> EpcisEvent:
    """The event visible to ``member`` whose Event Hash ID, or else whose declared eventID, is
    ``event_id``; of several declaring it, the first recorded. Raises :class:`NotFound`."""
    row = session.get(EpcisEvent, event_id)
    if row is not None and _visible(row, member):
        return row
    declaring = select(EpcisEvent).where(col(EpcisEvent.declared_event_id) == event_id)
    if member.org.org_type is not OrgType.regulator:
        declaring = declaring.where(EpcisEvent.org_id == member.org.id)
    first = session.exec(
        declaring.order_by(col(EpcisEvent.record_time), col(EpcisEvent.event_id)).limit(1)
    ).first()
    if first is None:
        raise NotFound(f"no event {event_id} visible to {member.org.handle}")
    return first


def _visible(row: EpcisEvent, member: Member) -> bool:
    return member.org.org_type is OrgType.regulator or row.org_id == member.org.id


def query_document(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "@context": [EPCIS_CONTEXT],
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "epcisBody": {
            "queryResults": {"queryName": "SimpleEventQuery", "resultsBody": {"eventList": events}}
        },
    }
