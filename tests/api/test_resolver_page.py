"""The consumer page in a real headless Chromium at a phone's viewport, served by a real uvicorn.

Uses Debian's chromium (``apt-get install chromium``) through Playwright; no browser is downloaded.
Chinese is drawn with Debian's fonts-wqy-microhei (``make fonts``), found through fontconfig.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.api.conftest import Api
from tests.api.test_resolver import PRODUCT, admit_item, anchor, append, journey, recall, sell
from tests.conftest import Network
from trace_api.app import create_app
from trace_api.resolver import mount_resolver
from trace_api.server import start_server

PHONE = ViewportSize(width=390, height=844)
RECALL_RED = "rgb(179, 38, 30)"  # --bad in resolver.css: proof that the local stylesheet applied
INK = "rgb(29, 35, 42)"  # --ink: the records check is about records, drawn neutral, never "safe" green
#: The story's page, every section folded, is a few phone screens at most.
MAX_FOLDED_HEIGHT = 2500
#: What the ledger and the tools call things, which a consumer must never read.
INTERNAL = ("recall.acknowledged", "off_custody_path", "counterfeit.signal", "suyuan ", "scan.sell")

pytestmark = [
    # No skip when Chromium is missing: `make test` installs it, and a skipped page test is a missing one.
    # The page is the same on both databases; test_resolver.py covers PostgreSQL.
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


@pytest.fixture
def live_url(api: Api) -> Iterator[str]:
    """The API with the resolver, served by uvicorn on 127.0.0.1 in a background thread."""
    app = create_app(api.services)
    mount_resolver(app)
    url, stop = start_server(app, "127.0.0.1", 0)
    yield url
    stop()


@pytest.fixture
def phone(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    context.set_default_timeout(5000)
    yield context.new_page()
    context.close()


def test_phone_sees_product_then_recall_banner_after_recall(
    api: Api, live_url: str, phone: Page, tmp_path: Path
) -> None:
    item = admit_item(api)
    journey(item)
    hosts: set[str | None] = set()
    phone.on("request", lambda request: hosts.add(_host(request.url)))
    reason = "Listeria monocytogenes found 检出单增李斯特菌"

    phone.goto(live_url + item.path)
    phone.screenshot(path=tmp_path / "before-recall.png", full_page=True)
    expect(phone.locator("#product-name")).to_have_text(PRODUCT)
    expect(phone.locator("#recall-banner")).to_have_count(0)
    assert _page_width(phone) <= PHONE["width"], "the page scrolls sideways on a phone"

    recall(item, reason)
    phone.reload()
    phone.screenshot(path=tmp_path / "after-recall.png", full_page=True)

    banner = phone.locator("#recall-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(reason)
    expect(banner).to_contain_text("召回")
    assert banner.evaluate("e => getComputedStyle(e).backgroundColor") == RECALL_RED
    box = banner.bounding_box()
    assert box is not None
    assert box["y"] < PHONE["height"] / 2, "the recall banner is not at the top of the screen"
    phone.set_viewport_size({"width": 360, "height": 740})
    assert _page_width(phone) <= 360, "the page scrolls sideways on a small phone"
    assert hosts == {"127.0.0.1"}, f"the page reached other hosts: {hosts}"


def _host(url: str) -> str | None:
    parts = urlsplit(url)
    return parts.hostname if parts.scheme in ("http", "https", "ws", "wss") else "127.0.0.1"


def _page_width(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def test_phone_sees_the_answer_first_in_chinese_and_the_rest_folded(
    api: Api, network: Network, live_url: str, phone: Page, tmp_path: Path
) -> None:
    item = admit_item(api)
    stranger = sell(item, "pifa", "假货店 http://evil.example/buy")  # before pifa ever held the goods
    journey(item)
    recall(item, "Listeria monocytogenes found 检出单增李斯特菌")
    ack = {"recall_id": "R-2026-007", "quantity_quarantined": 40.0, "note": "isolated in cold room"}
    append(item, "recall.acknowledged", "chaoshi", ack)
    anchor(api, network)

    phone.goto(live_url + item.path)
    phone.screenshot(path=tmp_path / "phone-recalled.png", full_page=True)
    text = str(phone.evaluate("document.body.textContent"))

    assert stranger.status_code == 409
    expect(phone.locator("#product-name")).to_have_text(PRODUCT)
    expect(phone.locator("#origin")).to_have_text("厄瓜多尔 Ecuador")
    expect(phone.locator("#status")).to_have_text("已召回 Recalled")
    expect(phone.locator("#recall-banner")).to_contain_text("一级召回 Class I")
    records = phone.locator("#records-check")
    expect(records).to_contain_text("记录真实 Records are genuine")
    expect(records).to_contain_text("不代表食品安全")
    assert phone.locator("#recall-banner").evaluate("e => getComputedStyle(e).backgroundColor") == RECALL_RED
    assert records.evaluate("e => getComputedStyle(e).color") == INK
    for shown in ("#recall-banner", "#status", "#records-check"):
        box = phone.locator(shown).bounding_box()
        assert box is not None
        assert box["y"] + box["height"] <= PHONE["height"], f"{shown} is below the first screen"
    assert _page_height(phone) < MAX_FOLDED_HEIGHT, "the folded page is too long for a phone"
    assert _page_width(phone) <= PHONE["width"], "the page scrolls sideways on a phone"
    expect(phone.locator("#counterfeit-warning")).to_have_count(0)
    for internal in (*INTERNAL, "evil.example", "假货店", "isolated in cold room"):
        assert internal not in text
    assert "确认召回 Recall acknowledged" in text

    phone.locator("#journey summary").click()
    expect(phone.locator("#journey .hop-acknowledge .action")).to_have_text(
        "确认召回 Recall acknowledged by a holder"
    )
    phone.screenshot(path=tmp_path / "phone-journey-open.png", full_page=True)


def _page_height(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollHeight"))
