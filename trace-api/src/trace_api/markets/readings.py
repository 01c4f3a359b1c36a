"""The markets' device readings, as ingest hands them over (``ingest.domains``): results of the
rapid-test terminals (``rapid_test``, 农残快检) and the recheck scale's weighings (``weight`` with
``declared_kg``, 复称).

A device belongs to a market's operator. When the operator runs one market, that is the device's
market; when it runs several, the device's registered location is the market's handle. ``check``
refuses, before anything is written, a reading of a market the device has none of or of a stall the
market does not have (the message becomes a dead letter). ``take`` runs in the transaction that
recorded the readings: each result is stored against its reading's record and a failure opens its
disposal and alert (:mod:`.rapid_tests`); each weighing is stored with the shortfall its declared
quantity allows, and a short one opens a ``short_weight`` alert against the stall's vendor, one
open alert per stall, until the operator resolves it (:mod:`.weighing`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import insert
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from evidence import Actor

from ..alerting import AlertOpening, AlertSink, open_alerts
from ..coldchain.models import Alert
from ..devices import DeviceReading, ReadingDomain, ReadingRefused
from ..orgs.models import Organisation
from .models import Market, Stall, Weighing
from .purchases import product_name
from .rapid_tests import RapidTestIn, TerminalResult, TestSource, take_terminal_results
from .service import market_day, operator_of, vendor_ids_on
from .weighing import SHORT_WEIGHT_RULE, judge, stall_subject

WEIGHINGS_TABLE = Weighing.__table__  # type: ignore[attr-defined]  # SQLModel's table, for bulk inserts
#: Keys of ``Session.info``: what one ingest batch looked up once for all its readings (its checks
#: and then its takes: markets and stalls are never removed, so what a check found still holds).
_MARKETS, _STALLS, _FOUND = "markets.by_operator", "markets.stalls", "markets.stall_of"
T = TypeVar("T")


def market_of_device(session: Session, reading: DeviceReading) -> Market:
    """The market the reading's device serves; :class:`ReadingRefused` when it serves none."""
    cache: dict[str, list[Market]] = session.info.setdefault(_MARKETS, {})
    device, org_id = reading.device, reading.org.id
    if org_id not in cache:
        cache[org_id] = _kept(session, select(Market).where(Market.operator_org_id == org_id))
    markets = cache[org_id]
    if len(markets) == 1:
        return markets[0]
    found = next((m for m in markets if m.handle == device.location), None)
    if found is None:
        where = (
            f"runs several markets and {device.location!r} is none of them" if markets else "runs no market"
        )
        raise ReadingRefused("unknown_market", f"{device.username}: {reading.org.handle} {where}")
    return found


@dataclass(frozen=True)
class StallRef:
    """A stall as a reading names it: its id and code (a market's hundreds of stalls are looked up
    once per transaction, without building their rows)."""

    id: str
    code: str


def stalls_of(session: Session, market: Market) -> dict[str, StallRef]:
    """The market's stalls by code."""
    cache: dict[str, dict[str, StallRef]] = session.info.setdefault(_STALLS, {})
    if market.id not in cache:
        query = select(Stall.id, Stall.code).where(Stall.market_id == market.id)
        cache[market.id] = {code: StallRef(stall_id, code) for stall_id, code in session.exec(query)}
    return cache[market.id]


def _kept(session: Session, query: SelectOfScalar[T]) -> list[T]:
    """The rows, taken out of the session: a savepoint's rollback (a dead letter) would expire them."""
    rows = list(session.exec(query).all())
    for row in rows:
        session.expunge(row)
    return rows


def stall_of(session: Session, reading: DeviceReading) -> tuple[Market, StallRef]:
    """The market and stall a reading names; :class:`ReadingRefused` when there is none. Found once
    per batch for each (operator, device location, stall as sent)."""
    found: dict[tuple[str, str | None, Any], tuple[Market, StallRef]] = session.info.setdefault(_FOUND, {})
    key = (reading.org.id, reading.device.location, reading.fields.get("stall"))
    if key not in found:
        found[key] = _find_stall(session, reading)
    return found[key]


def _find_stall(session: Session, reading: DeviceReading) -> tuple[Market, StallRef]:
    market = market_of_device(session, reading)
    code = str(reading.fields.get("stall") or "")
    stall = stalls_of(session, market).get(code.strip().upper())
    if stall is None:
        raise ReadingRefused("unknown_stall", f"stall: {code!r} is not a stall of market {market.handle}")
    return market, stall


def _actor(reading: DeviceReading) -> Actor:
    return Actor(org=reading.org.uscc, key_id=f"device:{reading.device.username}")


# -- rapid tests ---------------------------------------------------------------------------------


def check_rapid_test(session: Session, reading: DeviceReading) -> None:
    stall_of(session, reading)


def take_rapid_tests(
    session: Session, sink: AlertSink, readings: Sequence[DeviceReading], now: dt.datetime
) -> None:
    """Stores each terminal's result against its reading's record; a failure opens its disposal."""
    results = []
    for reading in readings:
        market, stall = stall_of(session, reading)
        fields = {k: reading.fields[k] for k in ("sample", "product", "method", "value", "unit", "threshold")}
        data = RapidTestIn.model_validate({**fields, "stall": stall.code, "passed": reading.fields["passed"]})
        source = TestSource(reading.device.id, reading.record_id, reading.ledger_index)
        results.append(TerminalResult(_actor(reading), market, stall.id, data, reading.at, source))
    take_terminal_results(session, sink, results)


# -- weighings -----------------------------------------------------------------------------------


def _recheck(reading: DeviceReading) -> bool:
    """Whether the weight is a market's recheck weighing (a cold store's scale declares nothing)."""
    return reading.fields.get("declared_kg") is not None


def check_weighing(session: Session, reading: DeviceReading) -> None:
    if not _recheck(reading):
        return
    for field in ("stall", "product"):
        if not reading.fields.get(field):
            raise ReadingRefused("schema", f"{field}: a recheck weighing names its {field}")
    stall_of(session, reading)


def take_weighings(
    session: Session, sink: AlertSink, readings: Sequence[DeviceReading], now: dt.datetime
) -> None:
    """Stores each recheck weighing, judged against its declared quantity; a short one alerts."""
    named = [
        (reading, *stall_of(session, reading), market_day(reading.at))
        for reading in readings
        if _recheck(reading)
    ]
    days: dict[dt.date, set[str]] = {}
    for _, _, stall, day in named:
        days.setdefault(day, set()).add(stall.id)
    # Stalls are each let to one vendor a day (rentals never overlap), whatever the market.
    tenants = {day: vendor_ids_on(session, stall_ids, day) for day, stall_ids in days.items()}
    rows: list[dict[str, Any]] = []
    shorts: list[tuple[Market, StallRef, dict[str, Any]]] = []
    for reading, market, stall, day in named:
        declared, measured = float(reading.fields["declared_kg"]), float(reading.fields["kg"])
        judged = judge(declared, measured)
        row = {
            "market_id": market.id, "stall_id": stall.id, "vendor_org_id": tenants[day].get(stall.id),
            "device_id": reading.device.id, "product": _product(str(reading.fields["product"])),
            "declared_kg": declared, "measured_kg": measured, "unit_price": reading.fields.get("unit_price"),
            "tolerance_kg": judged.tolerance_kg, "short": judged.short, "weighed_at": reading.at,
            "record_id": reading.record_id, "ledger_index": reading.ledger_index,
        }  # fmt: skip
        rows.append(row)
        if judged.short:
            shorts.append((market, stall, row))
    if rows:
        session.connection().execute(insert(WEIGHINGS_TABLE), rows)
    alerting = _stalls_alerting(session, {stall.id for _, stall, _ in shorts})
    openings = []
    for market, stall, row in shorts:
        if stall.id not in alerting:
            vendor = session.get(Organisation, row["vendor_org_id"]) if row["vendor_org_id"] else None
            openings.append(_short_weight(session, market, stall, row, vendor))
            alerting.add(stall.id)
    open_alerts(session, sink, openings)


@lru_cache(maxsize=1024)
def _product(name: str) -> str:
    """:func:`.purchases.product_name`, remembered: a market's scales weigh the same few products."""
    return product_name(name)


def _stalls_alerting(session: Session, stall_ids: set[str]) -> set[str]:
    """Those of the stalls with a ``short_weight`` alert open: one open alert per stall is enough."""
    if not stall_ids:
        return set()
    query = select(Alert.subject_id).where(
        Alert.subject_type == "market_stall",
        col(Alert.subject_id).in_(stall_ids),
        Alert.rule == SHORT_WEIGHT_RULE,
        col(Alert.closed_at).is_(None),
    )
    return {subject for subject in session.exec(query) if subject is not None}


def _short_weight(
    session: Session, market: Market, stall: StallRef, row: dict[str, Any], vendor: Organisation | None
) -> AlertOpening:
    """A ``short_weight`` alert against the stall's vendor (its operator when the stall is not let)."""
    operator = operator_of(session, market)
    short_g = (row["declared_kg"] - row["measured_kg"]) * 1000
    detail = (
        f"{row['product']}: declared {row['declared_kg']:g} kg, weighed {row['measured_kg']:g} kg on the "
        f"recheck scale, {short_g:.0f} g short (allowed {row['tolerance_kg'] * 1000:.1f} g)"
    )
    return AlertOpening(
        org=vendor or operator, rule=SHORT_WEIGHT_RULE, subject_type="market_stall", subject_id=stall.id,
        place=f"{market.name} {stall.code}", detail=detail, at=row["weighed_at"], audience=[operator],
        subjects=stall_subject(market.id, stall.id), worst_value=round(short_g / 1000, 6),
    )  # fmt: skip


#: What ingest hands each kind of the markets' readings to (``ingest.domains``).
RAPID_TESTS = ReadingDomain(check_rapid_test, take_rapid_tests)
WEIGHINGS = ReadingDomain(check_weighing, take_weighings)
