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

Most of the work is done by the checks, before ingest takes the writer lock: a result is read as a
rapid test and its row made; a weighing is judged, its row made and the stall's vendor of the day
found (a stall found let stays let to that vendor: rentals are only ever added and never overlap).
The takes ask again only for stalls found not let, add each reading's record, and insert a batch's
rows in one statement per table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any, NamedTuple, Protocol, TypeVar

from pydantic import ValidationError
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from evidence import Actor, BulkInsert, bulk_insert

from ..alerting import AlertOpening, AlertSink, open_alerts
from ..coldchain.models import Alert
from ..devices import DeviceReading, ReadingDomain, ReadingRefused
from ..orgs.models import Organisation
from .models import Market, Stall, Weighing
from .purchases import product_name
from .rapid_tests import RapidTestIn, TerminalResult, take_terminal_results, terminal_result
from .service import market_day, market_vendor_ids_on, operator_of, vendor_ids_on
from .weighing import SHORT_WEIGHT_RULE, judge, stall_subject

WEIGHINGS_TABLE = Weighing.__table__  # type: ignore[attr-defined]  # SQLModel's table, for bulk inserts
#: Keys of ``Session.info``: what one ingest batch looked up once for all its readings (its checks
#: and then its takes: markets and stalls are never removed, so what a check found still holds).
_MARKETS, _STALLS, _FOUND = "markets.by_operator", "markets.stalls", "markets.stall_of"
#: ``Session.info`` key of the weighings its checks judged, by (device id, sequence number).
_WEIGHED = "markets.weighed"
#: ``Session.info`` key of the terminals' results its checks made, by (device id, sequence number).
_TESTED = "markets.tested"
#: ``Session.info`` key of the market days whose rentals a batch looked up (``_STALLS``: the markets
#: whose stalls it did), each at most once a batch (:data:`_KNOWN_STALLS`).
_LET = "markets.let"
#: A weighing's row: the columns its check fills, then those its take adds (:class:`_Weighed`).
WEIGHING_COLUMNS = (
    "market_id", "stall_id", "device_id", "product", "declared_kg", "measured_kg", "unit_price",
    "tolerance_kg", "short", "weighed_at", "vendor_org_id", "record_id", "ledger_index",
)  # fmt: skip
_CHECKED_COLUMNS = WEIGHING_COLUMNS.index("vendor_org_id")
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


class StallRef(NamedTuple):
    """A stall as a reading names it: its id and code (a market's hundreds of stalls are looked up
    without building their rows)."""

    id: str
    code: str


#: What a worker remembers of the markets between batches: each market's stalls by code, and the
#: stalls found let on a market day with their vendors. Stalls and rentals are only ever added, a
#: stall keeps its code, and a stall's rentals never overlap, so what was found stays true; a code
#: not found, or a stall found not let, is looked up again, at most once a batch for its market
#: (and a stall found not let is asked once more in the take, inside the writer lock).
_KNOWN_STALLS: dict[str, dict[str, StallRef]] = {}
_KNOWN_LET: dict[tuple[str, dt.date], dict[str, str]] = {}
#: Markets, or market days, remembered; past that, the first remembered is forgotten.
MAX_REMEMBERED = 256
K = TypeVar("K")
V = TypeVar("V")


class _Made(Protocol):
    """What a check made from a reading, with the reading's fields it was made from."""

    @property
    def fields(self) -> Mapping[str, Any]: ...


_C = TypeVar("_C", bound=_Made)


def _remember(known: dict[K, V], key: K, value: V) -> V:
    known.pop(key, None)
    while len(known) >= MAX_REMEMBERED:
        known.pop(next(iter(known)))
    known[key] = value
    return value


def _recalled(
    session: Session,
    known: dict[K, dict[str, V]],
    looked: str,
    key: K,
    name: str,
    load: Callable[[], dict[str, V]],
) -> V | None:
    """``known[key][name]``, loading ``known[key]`` again when ``name`` is not there, at most once a
    batch for each key (``Session.info[looked]`` holds the keys a batch loaded)."""
    found = known.get(key)
    if found is not None and name in found:
        return found[name]
    loaded: set[K] = session.info.setdefault(looked, set())
    if key not in loaded:
        loaded.add(key)
        found = _remember(known, key, load())
    return found.get(name) if found is not None else None


def stall_coded(session: Session, market: Market, code: str) -> StallRef | None:
    """The market's stall of that code (as stored: upper case), if it has one."""

    def load() -> dict[str, StallRef]:
        rows = session.connection().execute(select(Stall.id, Stall.code).where(Stall.market_id == market.id))
        return {code: StallRef(id_, code) for id_, code in rows}

    return _recalled(session, _KNOWN_STALLS, _STALLS, market.id, code, load)


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
    stall = stall_coded(session, market, code.strip().upper())
    if stall is None:
        raise ReadingRefused("unknown_stall", f"stall: {code!r} is not a stall of market {market.handle}")
    return market, stall


def _actor(reading: DeviceReading) -> Actor:
    return Actor(org=reading.org.uscc, key_id=f"device:{reading.device.username}")


# -- rapid tests ---------------------------------------------------------------------------------


class _Tested(NamedTuple):
    """A terminal's result made ready by its check, and the reading's fields it was made from."""

    result: TerminalResult
    fields: Mapping[str, Any]


def check_rapid_test(session: Session, reading: DeviceReading) -> None:
    tested: dict[tuple[str, int], _Tested] = session.info.setdefault(_TESTED, {})
    tested[(reading.device.id, reading.seq)] = _Tested(_result(session, reading), reading.fields)


def _result(session: Session, reading: DeviceReading) -> TerminalResult:
    market, stall = stall_of(session, reading)
    fields = {k: reading.fields[k] for k in ("sample", "product", "method", "value", "unit", "threshold")}
    try:
        data = RapidTestIn.model_validate({**fields, "stall": stall.code, "passed": reading.fields["passed"]})
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        raise ReadingRefused("schema", f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from exc
    return terminal_result(session, _actor(reading), market, stall.id, data, reading.at, reading.device.id)


def take_rapid_tests(
    session: Session, sink: AlertSink, readings: Sequence[DeviceReading], now: dt.datetime
) -> None:
    """Stores each terminal's result, made by its check, against its reading's record; a failure
    opens its disposal."""
    checked: dict[tuple[str, int], _Tested] = session.info.get(_TESTED, {})
    results = []
    for reading in readings:
        tested = _made_from(checked, reading)
        result = tested.result if tested is not None else _result(session, reading)
        results.append((result, reading.record_id, reading.ledger_index))
    take_terminal_results(session, sink, results)


# -- weighings -----------------------------------------------------------------------------------


def _recheck(reading: DeviceReading) -> bool:
    """Whether the weight is a market's recheck weighing (a cold store's scale declares nothing)."""
    return reading.fields.get("declared_kg") is not None


class _Weighed(NamedTuple):
    """A recheck weighing judged: its stall, product and figures, and its row's first columns."""

    market: Market
    stall: StallRef
    day: dt.date
    product: str
    declared_kg: float
    measured_kg: float
    tolerance_kg: float
    short: bool
    at: dt.datetime
    #: The row's values of ``WEIGHING_COLUMNS`` up to the vendor, made for the database.
    head: tuple[Any, ...]
    #: The vendor its check found letting the stall that day (None: not let, asked again in the take).
    vendor_id: str | None
    #: The reading's fields it was judged from (the take's are the same object, unless a batch
    #: reused the sequence number with other content: then the take judges its own).
    fields: Mapping[str, Any]


def check_weighing(session: Session, reading: DeviceReading) -> None:
    if not _recheck(reading):
        return
    for field in ("stall", "product"):
        if not reading.fields.get(field):
            raise ReadingRefused("schema", f"{field}: a recheck weighing names its {field}")
    weighed: dict[tuple[str, int], _Weighed] = session.info.setdefault(_WEIGHED, {})
    weighed[(reading.device.id, reading.seq)] = _weigh(session, reading)


def _weigh(session: Session, reading: DeviceReading) -> _Weighed:
    market, stall = stall_of(session, reading)
    declared, measured = float(reading.fields["declared_kg"]), float(reading.fields["kg"])
    judged, product = judge(declared, measured), _product(str(reading.fields["product"]))
    price = reading.fields.get("unit_price")
    head = _weighings(session).values(
        (market.id, stall.id, reading.device.id, product, declared, measured, price, judged.tolerance_kg,
         judged.short, reading.at),
    )  # fmt: skip
    day = market_day(reading.at)
    return _Weighed(
        market, stall, day, product, declared, measured, judged.tolerance_kg, judged.short, reading.at,
        head, _vendor_of(session, market, day, stall.id), reading.fields,
    )  # fmt: skip


def _vendor_of(session: Session, market: Market, day: dt.date, stall_id: str) -> str | None:
    """The vendor letting the stall on ``day``, as found before the writer lock (None: not let)."""
    load = lambda: market_vendor_ids_on(session, market.id, day)  # noqa: E731
    return _recalled(session, _KNOWN_LET, _LET, (market.id, day), stall_id, load)


def _checked(session: Session, checked: dict[tuple[str, int], _Weighed], reading: DeviceReading) -> _Weighed:
    """The weighing its check judged, if judged from this very reading; else judged now."""
    weighed = _made_from(checked, reading)
    return weighed if weighed is not None else _weigh(session, reading)


def _made_from(checked: Mapping[tuple[str, int], _C], reading: DeviceReading) -> _C | None:
    """What the reading's check made, if made from this very reading (the take's fields are the same
    object, unless a batch reused the sequence number with other content: then the take makes its own)."""
    made = checked.get((reading.device.id, reading.seq))
    return made if made is not None and made.fields is reading.fields else None


def _weighings(session: Session) -> BulkInsert:
    return bulk_insert(session.get_bind().dialect, WEIGHINGS_TABLE, WEIGHING_COLUMNS)


def take_weighings(
    session: Session, sink: AlertSink, readings: Sequence[DeviceReading], now: dt.datetime
) -> None:
    """Stores each recheck weighing, judged by its check; a short one alerts."""
    checked: dict[tuple[str, int], _Weighed] = session.info.get(_WEIGHED, {})
    named = [(reading, _checked(session, checked, reading)) for reading in readings if _recheck(reading)]
    # A stall its check found let stays let to that vendor (rentals are only ever added, and never
    # overlap); those found not let are asked again, now that the writer lock is held.
    unlet: dict[dt.date, set[str]] = {}
    for _, weighed in named:
        if weighed.vendor_id is None:
            unlet.setdefault(weighed.day, set()).add(weighed.stall.id)
    let_since = {day: vendor_ids_on(session, stall_ids, day) for day, stall_ids in unlet.items()}
    insert = _weighings(session)
    rows: list[tuple[Any, ...]] = []
    shorts: list[tuple[_Weighed, str | None]] = []
    for reading, weighed in named:
        vendor_id = weighed.vendor_id or let_since[weighed.day].get(weighed.stall.id)
        taken = (vendor_id, reading.record_id, reading.ledger_index)
        rows.append(weighed.head + insert.values(taken, _CHECKED_COLUMNS))
        if weighed.short:
            shorts.append((weighed, vendor_id))
    insert.run(session.connection(), rows)
    alerting = _stalls_alerting(session, {weighed.stall.id for weighed, _ in shorts})
    alerts: list[tuple[_Weighed, str | None]] = []
    for weighed, tenant in shorts:
        if weighed.stall.id not in alerting:
            alerts.append((weighed, tenant))
            alerting.add(weighed.stall.id)
    vendors = _organisations(session, {tenant for _, tenant in alerts if tenant})
    open_alerts(session, sink, [_short_weight(session, w, vendors.get(t) if t else None) for w, t in alerts])


@lru_cache(maxsize=1024)
def _product(name: str) -> str:
    """:func:`.purchases.product_name`, remembered: a market's scales weigh the same few products."""
    return product_name(name)


def _organisations(session: Session, ids: set[str]) -> dict[str, Organisation]:
    """The organisations by id, in one query."""
    if not ids:
        return {}
    return {org.id: org for org in session.exec(select(Organisation).where(col(Organisation.id).in_(ids)))}


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


def _short_weight(session: Session, weighed: _Weighed, vendor: Organisation | None) -> AlertOpening:
    """A ``short_weight`` alert against the stall's vendor (its operator when the stall is not let)."""
    market, stall = weighed.market, weighed.stall
    operator = operator_of(session, market)
    short_g = (weighed.declared_kg - weighed.measured_kg) * 1000
    detail = (
        f"{weighed.product}: declared {weighed.declared_kg:g} kg, weighed {weighed.measured_kg:g} kg on the "
        f"recheck scale, {short_g:.0f} g short (allowed {weighed.tolerance_kg * 1000:.1f} g)"
    )
    return AlertOpening(
        org=vendor or operator, rule=SHORT_WEIGHT_RULE, subject_type="market_stall", subject_id=stall.id,
        place=f"{market.name} {stall.code}", detail=detail, at=weighed.at, audience=[operator],
        subjects=stall_subject(market.id, stall.id), worst_value=round(short_g / 1000, 6),
    )  # fmt: skip


#: What ingest hands each kind of the markets' readings to (``ingest.domains``).
RAPID_TESTS = ReadingDomain(check_rapid_test, take_rapid_tests)
WEIGHINGS = ReadingDomain(check_weighing, take_weighings)
