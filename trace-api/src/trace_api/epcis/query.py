"""EPCIS 2.0 query: ``GET /epcis/events`` filters, stable keyset paging, caller-scoped results."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from evidence import parse_rfc3339

from ..errors import Unprocessable
from ..orgs.models import OrgType
from ..orgs.service import Member
from .documents import EPCIS_CONTEXT, IdentifierError, short_vocabulary, urn_to_digital_link
from .models import EpcisEvent, EpcisEventKey

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 1000
EQ_COLUMNS = {
    "EQ_bizStep": "biz_step",
    "EQ_disposition": "disposition",
    "EQ_readPoint": "read_point",
    "EQ_bizLocation": "biz_location",
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
PARAMETERS = {"eventType", *EQ_COLUMNS, *MATCH_KINDS, *TIME_FILTERS, "perPage", "nextPageToken"}


def _values(params: Mapping[str, Sequence[str]], name: str) -> list[str]:
    return [v for raw in params.get(name, []) for v in raw.split("|") if v]


def _when(name: str, value: str) -> dt.datetime:
    try:
        return parse_rfc3339(value)
    except ValueError as exc:
        raise Unprocessable.field(name, f"{value!r} {exc}") from exc


def conditions_of(params: Mapping[str, Sequence[str]]) -> list[Any]:
    """SQL conditions for SimpleEventQuery parameters (paging parameters aside)."""
    return _conditions({k: v for k, v in params.items() if k not in ("perPage", "nextPageToken")})


def _conditions(params: Mapping[str, Sequence[str]]) -> list[Any]:
    unknown = sorted(set(params) - PARAMETERS)
    if unknown:
        raise Unprocessable.field(unknown[0], "is not a supported query parameter")
    conditions: list[Any] = []
    if types := _values(params, "eventType"):
        conditions.append(col(EpcisEvent.event_type).in_(types))
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


def _page(params: Mapping[str, Sequence[str]]) -> tuple[int, tuple[dt.datetime, str] | None]:
    raw = _values(params, "perPage")
    try:
        per_page = int(raw[0]) if raw else DEFAULT_PER_PAGE
    except ValueError as exc:
        raise Unprocessable.field("perPage", "must be a whole number") from exc
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise Unprocessable.field("perPage", f"must be between 1 and {MAX_PER_PAGE}")
    token = _values(params, "nextPageToken")
    if not token:
        return per_page, None
    try:
        after = json.loads(base64.urlsafe_b64decode(token[0].encode()))
        return per_page, (dt.datetime.fromisoformat(after["t"]), str(after["id"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise Unprocessable.field("nextPageToken", "is not a token this server issued") from exc


def _token(event: EpcisEvent) -> str:
    record_time = event.record_time if event.record_time.tzinfo else event.record_time.replace(tzinfo=dt.UTC)
    payload = json.dumps({"t": record_time.isoformat(), "id": event.event_id})
    return base64.urlsafe_b64encode(payload.encode()).decode()


def query_events(
    session: Session, member: Member, params: Mapping[str, Sequence[str]]
) -> tuple[list[EpcisEvent], str | None]:
    """Events matching every filter, in record-time order; with the token of the next page, if any."""
    per_page, after = _page(params)
    query = select(EpcisEvent).where(*_conditions(params))
    matched = _matched_ids(session, params)
    if matched is not None:
        # Start from the few events the identifiers name, not from every event in scope.
        query = query.where(col(EpcisEvent.event_id).in_(matched))
    if member.org.org_type is not OrgType.regulator:
        query = query.where(EpcisEvent.org_id == member.org.id)
    if after is not None:
        time, event_id = after
        query = query.where(
            or_(
                col(EpcisEvent.record_time) > time,
                and_(col(EpcisEvent.record_time) == time, col(EpcisEvent.event_id) > event_id),
            )
        )
    rows = list(
        session.exec(
            query.order_by(col(EpcisEvent.record_time), col(EpcisEvent.event_id)).limit(per_page + 1)
        )
    )
    if len(rows) > per_page:
        return rows[:per_page], _token(rows[per_page - 1])
    return rows, None


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
