"""农贸市场 Farmers' markets in the console, in a real Chromium: the markets, a market's stalls with
their QR codes, its vendors' licences, today's rapid tests, the weighings and the disposals of
failed tests; each page Chinese, phone-sized and clean for axe-core."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.console.conftest import Browser
from tests.markets.conftest import Market, market

__all__ = ["market"]

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_regulator_follows_a_failed_test_from_the_market_to_its_disposal(
    browser: Browser, market: Market
) -> None:
    market.bought("veg-wang", "A-01", "菠菜")
    market.rapid_test("A-01", "菠菜", passed=False, sample="S-0001")
    market.rapid_test("A-02", "韭菜", passed=True, sample="S-0002")
    page = browser.sign_in()

    page.get_by_role("navigation", name="栏目").get_by_role("link", name="农贸市场").click()
    expect(page.get_by_role("heading", name="农贸市场", exact=True)).to_be_visible()
    browser.check_page("markets-list")
    page.get_by_role("link", name=re.compile("曹杨农贸市场")).click()

    stall = page.locator(".stall-card").filter(has_text="A-01")
    expect(stall).to_contain_text("veg-wang Co.")
    expect(stall).to_contain_text("蔬菜")
    qr = stall.locator("img")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
    expect(page.locator(".stall-card").filter(has_text="B-01")).to_contain_text("今日空置")
    browser.check_page("markets-stalls")

    page.get_by_role("link", name="商户", exact=True).click()
    row = page.get_by_role("row").filter(has_text="veg-wang Co.")
    expect(row).to_contain_text("JY13101050000001")
    expect(row).to_contain_text("A-01")
    browser.check_page("markets-vendors")

    page.get_by_role("link", name="农残快检").click()
    failed = page.get_by_role("row").filter(has_text="S-0001")
    expect(failed).to_contain_text("不合格")
    expect(failed).to_contain_text("酶抑制法")
    expect(page.get_by_role("row").filter(has_text="S-0002")).to_contain_text("合格")
    browser.check_page("markets-tests")
    page.get_by_label("通过").select_option("false")
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_role("row").filter(has_text="S-0002")).to_have_count(0)
    expect(page.get_by_role("row").filter(has_text="S-0001")).to_have_count(1)

    page.get_by_role("link", name="复称记录").click()
    expect(page.get_by_text("没有符合条件的复称记录。")).to_be_visible()
    browser.check_page("markets-weighings")

    page.get_by_role("link", name="不合格处理").click()
    disposal = page.get_by_role("row").filter(has_text="菠菜")
    expect(disposal).to_contain_text("已下架")
    expect(disposal).to_contain_text("等待开办者处理")
    browser.check_page("markets-disposals")
