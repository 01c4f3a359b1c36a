"""The public market board (信息公示) and each stall's page, without a key: as JSON, and in a real
headless Chromium at a phone's width (Chinese first, nothing from elsewhere, no sideways scrolling);
each stall's QR code decodes to the stall's page."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.markets.conftest import MARKET, Market
from trace_api.app import create_app
from trace_api.server import start_server

PHONE = ViewportSize(width=390, height=844)
ARTIFACTS = Path(__file__).resolve().parents[2] / "build" / "test-artifacts" / "markets"

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def live_url(market: Market) -> Iterator[str]:
    url, stop = start_server(create_app(market.api.services), "127.0.0.1", 0)
    yield url
    stop()


@pytest.fixture
def phone(chromium: Browser, live_url: str) -> Iterator[Page]:
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    context.set_default_timeout(30_000)
    outside: list[str] = []
    context.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_url) else None)
    yield context.new_page()
    context.close()
    assert not outside, f"the board loaded something from elsewhere: {outside[:3]}"


def _width(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def test_the_board_shows_todays_tests_disposals_and_vendors_without_a_key(market: Market) -> None:
    market.bought("veg-wang", "A-01", "菠菜")
    market.rapid_test("A-01", "菠菜", passed=False, sample="S-1")
    market.rapid_test("A-02", "韭菜", passed=True, sample="S-2")
    client = market.api.client

    board = client.get(f"/markets/{MARKET}?format=json")
    assert board.status_code == 200, board.text
    body = board.json()
    assert body["day"] == str(market.today)
    assert [(t["sample"], t["passed"]) for t in body["rapid_tests"]] == [("S-2", True), ("S-1", False)]
    assert [(d["stall"], d["product"], d["vendor"]) for d in body["open_disposals"]] == [
        ("A-01", "菠菜", "veg-wang Co.")
    ]
    vendors = {v["name"]: v for v in body["vendors"]}
    assert vendors["veg-wang Co."]["stalls"] == ["A-01"]
    assert vendors["veg-wang Co."]["food_licence"]["number"] == "JY13101050000001"
    assert [(s["code"], s["blocked"]) for s in body["stalls"]] == [("A-01", 1), ("A-02", 0), ("B-01", 0)]
    assert "13800000000" not in board.text  # a supplier's contact is not public

    stall = client.get(f"/markets/{MARKET}/stalls/a-01", headers={"Accept": "application/json"}).json()
    assert [(g["product"], g["blocked"], g["source"]) for g in stall["goods"]] == [
        ("菠菜", True, "veg-wang grower")
    ]
    assert stall["vendor"]["name"] == "veg-wang Co."

    missing = client.get("/markets/nowhere", headers={"Accept": "application/json"})
    assert (missing.status_code, missing.headers["content-type"]) == (404, "application/problem+json")
    page = client.get("/markets/nowhere")
    assert page.status_code == 404
    assert "未找到" in page.text


def test_a_stalls_qr_code_opens_its_page(market: Market) -> None:
    client = market.api.client
    png = client.get(f"/markets/{MARKET}/stalls/A-02/qr.png?scale=4")
    assert (png.status_code, png.headers["content-type"]) == (200, "image/png")
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    assert [d.text for d in decoded] == [
        market.api.services.settings.public_url + f"/markets/{MARKET}/stalls/A-02"
    ]
    svg = client.get(f"/markets/{MARKET}/stalls/A-02/qr.svg")
    assert svg.headers["content-type"] == "image/svg+xml"
    assert b"<svg" in svg.content
    assert client.get(f"/markets/{MARKET}/stalls/Z-9/qr.png").status_code == 404


def test_a_phone_reads_the_board_and_opens_a_stall(market: Market, live_url: str, phone: Page) -> None:
    market.bought("veg-wang", "A-01", "菠菜")
    market.rapid_test("A-01", "菠菜", passed=False)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    phone.goto(f"{live_url}/markets/{MARKET}")
    expect(phone.locator("#market-name")).to_contain_text("曹杨农贸市场")
    expect(phone.locator("#disposals")).to_contain_text("不合格处理中")
    expect(phone.locator("#rapid-tests")).to_contain_text("不合格 Fail")
    expect(phone.locator("#vendors")).to_contain_text("JY13101050000001")
    assert phone.evaluate("document.documentElement.lang") == "zh-CN"
    qr = phone.locator("li.stall img").first
    expect(qr).to_be_visible()
    phone.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
    phone.screenshot(path=str(ARTIFACTS / "board-phone.png"), full_page=True)
    assert _width(phone) <= PHONE["width"], "the board scrolls sideways on a phone"

    phone.locator("li.stall a").filter(has_text="A-01").click()
    expect(phone.locator("#stall-code")).to_have_text("摊位 Stall A-01")
    expect(phone.locator("#goods")).to_contain_text("已下架 Off sale")
    expect(phone.locator("#goods")).to_contain_text("veg-wang grower")
    phone.screenshot(path=str(ARTIFACTS / "stall-phone.png"), full_page=True)
    assert _width(phone) <= PHONE["width"], "the stall's page scrolls sideways on a phone"
