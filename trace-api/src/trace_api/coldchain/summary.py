"""A batch's cold-chain record, one hop per stay: readings, lowest and highest, excursions.

Readings and alerts are found through the stays (same organisation, same place, within the
stay's time), so the summary needs no per-batch copy of every reading.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from ..devices.models import Device
from ..orgs.models import Organisation
from .models import Alert, BatchStay, SensorReading
from .stays import stays_of


class AlertInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    rule: str
    detail: str
    started_at: dt.datetime
    closed_at: dt.datetime | None
    worst_value: float | None
    open_record_id: str
    close_record_id: str | None


class ColdChainHop(BaseModel):
    """One stay of the goods, with what the place's thermometers said during it."""

    model_config = ConfigDict(frozen=True)

    batch_id: str
    place: str
    holder: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    readings: int
    min_celsius: float | None
    max_celsius: float | None
    excursions: int
    open_alerts: int
    alerts: list[AlertInfo]


def cold_chain_of(session: Session, batch_ids: Sequence[str]) -> list[ColdChainHop]:
    """Hops of the batches in ``batch_ids`` (an item's batch first, then its ancestors), by time.

    An ancestor's stays count only before the first stay of the batch after it: later ones are
    about other goods.
    """
    shown: list[tuple[BatchStay, dt.datetime | None]] = []
    before: dt.datetime | None = None
    for batch_id in batch_ids:
        stays = [s for s in stays_of(session, [batch_id]) if before is None or s.started_at < before]
        shown.extend((stay, before) for stay in stays)
        if stays:
            before = stays[0].started_at
    holders = {stay.org_id for stay, _ in shown}
    query = select(Organisation.id, Organisation.name).where(col(Organisation.id).in_(holders))
    names = {org_id: name for org_id, name in session.exec(query)}
    hops = [_hop(session, stay, names, cut) for stay, cut in shown]
    return sorted(hops, key=lambda h: h.started_at)


def _hop(session: Session, stay: BatchStay, names: dict[str, str], cut: dt.datetime | None) -> ColdChainHop:
    end = stay.ended_at if stay.ended_at is not None else cut
    if cut is not None and end is not None:
        end = min(end, cut)
    devices = select(Device.id).where(Device.org_id == stay.org_id, Device.place == stay.place)
    window: list[ColumnElement[bool]] = [
        col(SensorReading.device_id).in_(devices),
        col(SensorReading.kind) == "temperature",
        col(SensorReading.measured_at) >= stay.started_at,
    ]
    if end is not None:
        window.append(col(SensorReading.measured_at) < end)
    count, low, high = session.exec(
        select(func.count(), func.min(SensorReading.value), func.max(SensorReading.value)).where(*window)
    ).one()
    alerts = alerts_during(session, stay.org_id, stay.place, stay.started_at, end)
    return ColdChainHop(
        batch_id=stay.batch_id,
        place=stay.label,
        holder=names.get(stay.org_id, ""),
        started_at=stay.started_at,
        ended_at=end,
        readings=int(count),
        min_celsius=low,
        max_celsius=high,
        excursions=sum(1 for a in alerts if a.rule == "temperature"),
        open_alerts=sum(1 for a in alerts if a.closed_at is None),
        alerts=[AlertInfo.model_validate(a, from_attributes=True) for a in alerts],
    )


def alerts_during(
    session: Session, org_id: str, place: str, start: dt.datetime, end: dt.datetime | None
) -> list[Alert]:
    query = select(Alert).where(
        Alert.org_id == org_id,
        Alert.place == place,
        (col(Alert.closed_at).is_(None)) | (col(Alert.closed_at) > start),
    )
    if end is not None:
        query = query.where(col(Alert.started_at) < end)
    return list(session.exec(query.order_by(col(Alert.started_at))))
