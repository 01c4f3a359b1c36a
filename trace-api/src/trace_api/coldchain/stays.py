"""Where each batch is, over time: the stays that link sensor readings to the goods they describe.

A stay begins where a scan puts a batch (admitted into a store, received at a place, split at a
place, loaded onto a vehicle when shipped) and ends at the batch's next move. A reading from a
device of the same organisation at the same place during a stay is a reading of that batch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlmodel import Session, col, select

from ..devices.service import place_key
from .models import BatchStay


def end_stay(session: Session, batch_id: str, at: dt.datetime) -> None:
    """Ends the batch's current stay, if it has one."""
    for stay in session.exec(
        select(BatchStay).where(BatchStay.batch_id == batch_id, col(BatchStay.ended_at).is_(None))
    ):
        stay.ended_at = max(at, stay.started_at)
        session.add(stay)


def begin_stay(
    session: Session,
    batch_id: str,
    org_id: str,
    at: dt.datetime,
    record_id: str,
    *,
    location: str | None = None,
    vehicle: str | None = None,
) -> BatchStay:
    """Ends the batch's current stay and begins one at ``location`` or on ``vehicle``."""
    end_stay(session, batch_id, at)
    stay = BatchStay(
        batch_id=batch_id,
        org_id=org_id,
        place=place_key(location, vehicle),
        label=(vehicle.upper() if vehicle else location) or "",
        started_at=at,
        record_id=record_id,
    )
    session.add(stay)
    return stay


def batches_at(
    session: Session, places: Iterable[tuple[str, str]], start: dt.datetime, end: dt.datetime
) -> dict[tuple[str, str], list[BatchStay]]:
    """Stays at each (organisation, place) overlapping [start, end], by (organisation id, place)."""
    keys = set(places)
    if not keys:
        return {}
    query = select(BatchStay).where(
        col(BatchStay.place).in_({p for _, p in keys}),
        col(BatchStay.started_at) <= end,
        (col(BatchStay.ended_at).is_(None)) | (col(BatchStay.ended_at) > start),
    )
    found: dict[tuple[str, str], list[BatchStay]] = {}
    for stay in session.exec(query):
        key = (stay.org_id, stay.place)
        if key in keys:
            found.setdefault(key, []).append(stay)
    return found


def held_at(stays: Iterable[BatchStay], at: dt.datetime) -> list[str]:
    """Batches whose stay covers the instant ``at``, sorted."""
    return sorted(
        {s.batch_id for s in stays if s.started_at <= at and (s.ended_at is None or s.ended_at > at)}
    )


def stays_of(session: Session, batch_ids: Iterable[str]) -> list[BatchStay]:
    ids = list(batch_ids)
    query = select(BatchStay).where(col(BatchStay.batch_id).in_(ids)).order_by(col(BatchStay.started_at))
    return list(session.exec(query))
