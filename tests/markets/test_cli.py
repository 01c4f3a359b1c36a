"""``suyuan market list`` and ``suyuan market board`` as an operator runs them, on the database the
trace API serves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests._cli import Ran, run_suyuan
from tests.markets.conftest import MARKET, Market


def suyuan(env: dict[str, str], *args: str) -> Ran:
    return run_suyuan(env, *args)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: the commands read what the API tests cover on both databases."""
    return f"sqlite:///{tmp_path / 'suyuan.db'}"


@pytest.fixture
def market_env(market: Market, cli_env: dict[str, str]) -> dict[str, str]:
    url = market.api.services.settings.database_url
    assert url is not None
    return {**cli_env, "SUYUAN_DATABASE_URL": url}


def test_market_list_shows_each_market_with_its_stalls_and_vendors(market_env: dict[str, str]) -> None:
    listed = suyuan(market_env, "market", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == [
        {
            "handle": MARKET,
            "name": "曹杨农贸市场 Caoyang Farmers' Market",
            "operator": MARKET,
            "stalls": 3,
            "vendors": 2,
            "address": "普陀区兰溪路 Lanxi Road, Putuo",
        }
    ]
    table = suyuan(market_env, "market", "list")
    assert table.returncode == 0, table.stderr
    assert MARKET in table.stdout
    assert "曹杨农贸市场" in table.stdout


def test_market_board_shows_todays_tests_and_the_goods_off_sale(
    market: Market, market_env: dict[str, str]
) -> None:
    market.bought("veg-wang", "A-01", "菠菜")
    market.rapid_test("A-01", "菠菜", passed=False, sample="S-0001")
    board = suyuan(market_env, "market", "board", MARKET)
    assert board.returncode == 0, board.stderr
    assert "S-0001" in board.stdout
    assert "FAIL" in board.stdout
    assert "OFF SALE  stall A-01: 菠菜 (veg-wang Co.)" in board.stdout
    as_json = json.loads(suyuan(market_env, "market", "board", MARKET, "--json").stdout)
    first = as_json["stalls"][0]
    assert (first["code"], first["vendor"], first["blocked"]) == ("A-01", "veg-wang Co.", 1)


def test_market_board_of_an_unknown_market_fails_with_one_line(market_env: dict[str, str]) -> None:
    result = suyuan(market_env, "market", "board", "nowhere")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == ["error: no market 'nowhere' (see suyuan market list)"]
