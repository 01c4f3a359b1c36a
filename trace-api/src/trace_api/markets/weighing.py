"""The recheck scale (复称): declared against measured weight, the short-weight rule, and the prices
each stall declared (明码标价).

A market's scale publishes each weighing with the quantity the vendor declared, the stall, the
product and the declared unit price. A weighing is short when the vendor declared more than the
scale measured by more than the negative deviation allowed for the declared quantity. The
allowance is a table by declared quantity; the default is the table of JJF 1070-2005 (定量包装商品
净含量计量检验规则, the tolerances of OIML R 87), and ``SUYUAN_MARKET_SHORT_WEIGHT_TOLERANCES``
replaces it (a JSON list of bands, e.g. the local retail weighing rules' table). A short weighing
opens a ``short_weight`` alert against the stall's vendor (:mod:`.readings`); the operator resolves
it once the scale and the vendor are checked.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import func
from sqlmodel import Session, col, select

from evidence import Subject

from .._paging import newest_after, page_of
from ..alerting import AlertSink, close_alert, open_alert_about
from ..coldchain.models import Alert
from ..errors import Conflict, Unprocessable
from ..orgs.service import Member
from ..text import Text
from .models import Market, Stall, Weighing
from .service import Sight, day_bounds, operator_of, require_operator

#: Weighings older than this do not set a stall's shown price.
PRICE_DAYS = 7
#: The rule of the alert a short weighing raises against the stall's vendor.
SHORT_WEIGHT_RULE = "short_weight"


class ToleranceBand(BaseModel):
    """The negative deviation allowed for declared quantities up to ``up_to_kg`` (above the band
    before): a share of the declared quantity (``percent``) or a mass (``kg``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    up_to_kg: float | None = Field(gt=0, description="the band's upper bound, included; null: no bound")
    percent: float | None = Field(default=None, gt=0, le=100)
    kg: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one_allowance(self) -> Self:
        if (self.percent is None) == (self.kg is None):
            raise ValueError("a band allows either percent or kg")
        return self

    def allowance(self, declared_kg: float) -> float:
        return declared_kg * self.percent / 100 if self.percent is not None else float(self.kg or 0)


def _band(up_to_g: float | None, *, percent: float | None = None, g: float | None = None) -> ToleranceBand:
    return ToleranceBand(
        up_to_kg=None if up_to_g is None else up_to_g / 1000,
        percent=percent,
        kg=None if g is None else g / 1000,
    )


#: JJF 1070-2005, table 3: the allowed shortfall by nominal quantity (g): 9 % up to 50 g, 4.5 g up
#: to 100 g, 4.5 % up to 200 g, 9 g up to 300 g, 3 % up to 500 g, 15 g up to 1 kg, 1.5 % up to
#: 10 kg, 150 g up to 15 kg, 1 % beyond.
JJF_1070: tuple[ToleranceBand, ...] = (
    _band(50, percent=9),
    _band(100, g=4.5),
    _band(200, percent=4.5),
    _band(300, g=9),
    _band(500, percent=3),
    _band(1000, g=15),
    _band(10_000, percent=1.5),
    _band(15_000, g=150),
    _band(None, percent=1),
)


class MarketSettings(BaseSettings):
    """The markets' rules (environment prefix ``SUYUAN_MARKET_``)."""

    model_config = SettingsConfigDict(env_prefix="SUYUAN_MARKET_", extra="ignore")

    short_weight_tolerances: tuple[ToleranceBand, ...] = Field(
        default=JJF_1070,
        min_length=1,
        description="bands by declared quantity, rising; the last one's up_to_kg is null (JSON)",
    )

    @model_validator(mode="after")
    def _rising(self) -> Self:
        bounds = [b.up_to_kg for b in self.short_weight_tolerances]
        if bounds[-1] is not None or None in bounds[:-1]:
            raise ValueError("only the last band is unbounded (up_to_kg null)")
        rising = [b for b in bounds if b is not None]
        if any(a >= b for a, b in itertools.pairwise(rising)):
            raise ValueError("bands rise: each up_to_kg above the one before")
        return self


@cache
def market_settings() -> MarketSettings:
    """The markets' settings from the environment, read once per process."""
    return MarketSettings()


@dataclass(frozen=True)
class Tolerances:
    """Bands as plain numbers, rising, so that judging a weighing walks tuples rather than models:
    (upper bound in kg, ``inf`` for none; percent, or None; kg)."""

    table: tuple[tuple[float, float | None, float], ...]

    @classmethod
    def of(cls, bands: Sequence[ToleranceBand]) -> Tolerances:
        return cls(
            tuple(
                (math.inf if b.up_to_kg is None else b.up_to_kg, b.percent, float(b.kg or 0)) for b in bands
            )
        )

    def allowed_kg(self, declared_kg: float) -> float:
        """As :meth:`ToleranceBand.allowance` of the band ``declared_kg`` falls in."""
        for up_to_kg, percent, kg in self.table:
            if declared_kg <= up_to_kg:
                return declared_kg * percent / 100 if percent is not None else kg
        raise AssertionError("the last band is unbounded")  # MarketSettings checks it


@cache
def configured_tolerances() -> Tolerances:
    """The configured bands (:func:`market_settings`), as a table, once per process."""
    return Tolerances.of(market_settings().short_weight_tolerances)


def tolerance_kg(declared_kg: float, bands: Sequence[ToleranceBand] | None = None) -> float:
    """The shortfall allowed when ``declared_kg`` was declared."""
    return (Tolerances.of(bands) if bands else configured_tolerances()).allowed_kg(declared_kg)


@dataclass(frozen=True)
class Judged:
    tolerance_kg: float
    short_kg: float  # declared minus measured (negative when the customer got more)

    @property
    def short(self) -> bool:
        return self.short_kg > self.tolerance_kg + 1e-9  # the scale's readings are not exact in binary


def judge(declared_kg: float, measured_kg: float, bands: Sequence[ToleranceBand] | None = None) -> Judged:
    return Judged(tolerance_kg(declared_kg, bands), round(declared_kg - measured_kg, 6))


# -- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Price:
    stall_id: str
    product: str
    unit_price: float  # yuan per kilogram
    at: dt.datetime


def latest_prices(
    session: Session, market_id: str, now: dt.datetime, stall_ids: set[str] | None = None
) -> list[Price]:
    """Each stall's products with the unit price declared at their latest weighing of the last
    :data:`PRICE_DAYS` days, by stall and product."""
    since = now - dt.timedelta(days=PRICE_DAYS)
    latest = (
        select(Weighing.stall_id, Weighing.product, func.max(Weighing.weighed_at).label("at"))
        .where(
            Weighing.market_id == market_id,
            col(Weighing.stall_id).is_not(None),
            col(Weighing.unit_price).is_not(None),
            Weighing.weighed_at >= since,
        )
        .group_by(col(Weighing.stall_id), col(Weighing.product))
        .subquery()
    )
    query = (
        select(Weighing.stall_id, Weighing.product, Weighing.unit_price, Weighing.weighed_at)
        .join(
            latest,
            (col(Weighing.stall_id) == latest.c.stall_id)
            & (col(Weighing.product) == latest.c.product)
            & (col(Weighing.weighed_at) == latest.c.at),
        )
        .join(Stall, col(Stall.id) == Weighing.stall_id)
        .where(Weighing.market_id == market_id, col(Weighing.unit_price).is_not(None))
        .order_by(col(Stall.code), col(Weighing.product), col(Weighing.id).desc())
    )
    prices: dict[tuple[str, str], Price] = {}
    for stall_id, product, unit_price, at in session.exec(query):
        if stall_ids is not None and stall_id not in stall_ids:
            continue
        if unit_price is not None:
            prices.setdefault((stall_id, product), Price(stall_id, product, unit_price, at))
    return list(prices.values())


def list_weighings(
    session: Session,
    sight: Sight,
    *,
    stall: Stall | None = None,
    short: bool | None = None,
    day: dt.date | None = None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Weighing], str | None]:
    """Weighings newest first, a page at a time: the market's, or a vendor's stalls' only."""
    query = select(Weighing).where(Weighing.market_id == sight.market.id)
    if stall is not None:
        sight.require_stall(session, stall)
        query = query.where(Weighing.stall_id == stall.id)
    elif not sight.whole:
        query = query.where(col(Weighing.stall_id).in_(sight.own_stall_ids(session)))
    if short is not None:
        query = query.where(Weighing.short == short)
    if day is not None:
        start, end = day_bounds(day)
        query = query.where(Weighing.weighed_at >= start, Weighing.weighed_at < end)
    after = newest_after(session, Weighing, cursor, "weighed_at", int)
    if after is not None:
        query = query.where(after)
    query = query.order_by(col(Weighing.weighed_at).desc(), col(Weighing.id).desc()).limit(limit + 1)
    return page_of(session.exec(query).all(), limit, lambda w: str(w.id))


# -- short weight --------------------------------------------------------------------------------


def stall_subject(market_id: str, stall_id: str) -> list[Subject]:
    return [Subject(type="market", id=market_id), Subject(type="stall", id=stall_id)]


class ResolutionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Text = Field(
        min_length=1, max_length=500, description="what was found and done: the scale, the vendor"
    )


def resolve_short_weight(
    session: Session, sink: AlertSink, member: Member, market: Market, stall: Stall, data: ResolutionIn
) -> Alert:
    """The operator closes the stall's open ``short_weight`` alert, saying what was done."""
    require_operator(member, market)
    if not data.note.strip():
        raise Unprocessable.field("note", "is empty: say what was found and done")
    alert = open_alert_about(session, "market_stall", stall.id, SHORT_WEIGHT_RULE)
    if alert is None:
        raise Conflict(f"stall {stall.code} has no open short-weight alert", reason="no_open_alert")
    note = f"resolved by {member.org.handle}: {data.note.strip()}"
    close_alert(
        session,
        sink,
        alert,
        at=dt.datetime.now(dt.UTC),
        note=note,
        audience=[operator_of(session, market)],
        subjects=stall_subject(market.id, stall.id),
    )
    return alert
