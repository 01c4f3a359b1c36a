"""``suyuan market list`` and ``suyuan market board MARKET``: the markets, and a market's board of
today (its rapid tests, the goods off sale, the prices, the stalls and their vendors) as tables.

Both read the configured database only (no chain, no ledger); the ``suyuan`` root adds them
through :func:`register`.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

import typer
from rich.table import Table
from sqlmodel import Session, col, func, select

from chain.cli import fail, out

from ..codes.cli import cli_errors, read_session, settings
from ..errors import NotFound
from ..orgs.models import Organisation
from .board import MarketBoard, market_board
from .models import Market, Stall, Vendor
from .service import MARKET_TZ, find_market

#: Times are shown in China Standard Time, as the board shows them.
CST = MARKET_TZ
market_app = typer.Typer(
    help="Farmers' markets (农贸市场): the markets and their boards.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(market_app, name="market")


@market_app.command("list")
def market_list(as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False) -> None:
    """Every market, by handle, with its operator and how many stalls and vendors it has."""
    with cli_errors(), read_session(settings()) as session:
        rows = _markets(session)
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table("market", "name", "operator", "stalls", "vendors", "address", box=None)
    for row in rows:
        table.add_row(*(str(row[k]) for k in ("handle", "name", "operator", "stalls", "vendors", "address")))
    out.print(table if rows else "no market registered yet")


def _markets(session: Session) -> list[dict[str, object]]:
    stalls = dict(session.exec(select(Stall.market_id, func.count()).group_by(col(Stall.market_id))).all())
    vendors = dict(session.exec(select(Vendor.market_id, func.count()).group_by(col(Vendor.market_id))).all())
    query = (
        select(Market, Organisation.handle)
        .join(Organisation, col(Organisation.id) == Market.operator_org_id)
        .order_by(col(Market.handle))
    )
    return [
        {
            "handle": market.handle,
            "name": market.name,
            "operator": operator,
            "stalls": stalls.get(market.id, 0),
            "vendors": vendors.get(market.id, 0),
            "address": market.address,
        }
        for market, operator in session.exec(query)
    ]


@market_app.command("board")
def market_board_command(
    market: Annotated[str, typer.Argument(help="The market's handle")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Today's board of a market: rapid tests, goods off sale, prices, stalls and their vendors."""
    with cli_errors(), read_session(settings()) as session:
        try:
            found = find_market(session, market)
        except NotFound:
            fail(f"no market {market!r} (see suyuan market list)")
        board = market_board(session, found, dt.datetime.now(dt.UTC))
    if as_json:
        print(board.model_dump_json(indent=2))
        return
    _print_board(board)


def _print_board(board: MarketBoard) -> None:
    out.print(f"{board.name} ({board.market})  {board.day}  operator: {board.operator}", highlight=False)
    tests = Table(
        "time", "stall", "product", "sample", "method", "value", "result", title="rapid tests today"
    )
    for t in board.rapid_tests:
        local = t.tested_at.astimezone(CST).strftime("%H:%M")
        result = "pass" if t.passed else "FAIL"
        value = f"{t.value:g} {t.unit} (limit {t.threshold:g})"
        tests.add_row(local, t.stall, t.product, t.sample, t.method, value, result)
    out.print(tests if board.rapid_tests else "no rapid test today")
    for d in board.open_disposals:
        since = d.opened_at.astimezone(CST).strftime("%Y-%m-%d %H:%M")
        out.print(f"OFF SALE  stall {d.stall}: {d.product} ({d.vendor or 'no tenant'}) since {since}")
    prices = Table("stall", "product", "yuan/kg", "yuan/jin", title="prices")
    for p in board.prices:
        prices.add_row(p.stall, p.product, f"{p.yuan_per_kg:.2f}", f"{p.yuan_per_jin:.2f}")
    if board.prices:
        out.print(prices)
    stalls = Table("stall", "category", "vendor", "off sale", title="stalls")
    for s in board.stalls:
        stalls.add_row(s.code, s.category, s.vendor or "-", str(s.blocked) if s.blocked else "")
    out.print(stalls)
