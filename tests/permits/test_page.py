"""The permit's public check page, in a real Chromium on a phone, for each status: valid (its
records verified against the chain), suspended and revoked (with the regulator's reason, shown at
once), expired (by the page's clock, moved past its validity); and its English switch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.api.test_resolver import anchor
from tests.conftest import Network
from tests.permits.conftest import Permits
from trace_api.app import create_app
from trace_api.server import start_server

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
PHONE = ViewportSize(width=390, height=844)


class Clock:
    """The page's clock: now, unless a test moves it."""

    def __init__(self) -> None:
        self.moved: dt.datetime | None = None

    def __call__(self) -> dt.datetime:
        return self.moved or dt.datetime.now(dt.UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def live_url(permits: Permits, clock: Clock) -> Iterator[str]:
    app = create_app(permits.api.services)
    app.state.permits_clock = clock
    url, stop = start_server(app, "127.0.0.1", 0)
    yield url
    stop()


@pytest.fixture
def phone(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


def _open(phone: Page, live_url: str, permits: Permits, number: str) -> None:
    phone.goto(live_url + permits.get(number)["certificate"]["verification_path"])


def test_each_status_shows_on_a_phone_with_its_proof(
    permits: Permits, network: Network, live_url: str, phone: Page, clock: Clock
) -> None:
    hosts: set[str | None] = set()
    phone.on("request", lambda request: hosts.add(urlsplit(request.url).hostname))
    number = permits.approved(valid_years=1)
    anchor(permits.api, network)

    _open(phone, live_url, permits, number)
    expect(phone.locator("#business-name")).to_have_text("上海老正兴菜馆有限公司")
    expect(phone.locator("#status")).to_have_text("有效")
    expect(phone.locator("#standing")).to_have_count(0)
    expect(phone.locator("#records-check")).to_contain_text("账本记录已核验")
    expect(phone.locator("#proof .mark-verified")).to_have_count(4)
    record = permits.api.services.ledger.get(f"permit:{number}:approved")
    expect(phone.locator("#proof .record-id")).to_have_text(record.record_id)
    expect(phone.locator("#proof .root-hash")).to_have_text(_anchored_root(permits, number))
    assert int(phone.evaluate("document.documentElement.scrollWidth")) <= PHONE["width"]

    permits.acted(number, "suspend", "后厨卫生严重不达标，责令停业整改。")
    phone.reload()
    expect(phone.locator("#status")).to_have_text("已暂停")
    background = phone.locator("#status").evaluate("e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(227, 116, 0)"  # the stylesheet, from this server
    expect(phone.locator("#standing")).to_contain_text("原因：后厨卫生严重不达标，责令停业整改。")
    expect(phone.locator("#changes li")).to_have_count(1)
    expect(phone.locator("#change-proof")).to_contain_text("账本记录待锚定")
    anchor(permits.api, network)
    phone.reload()
    expect(phone.locator("#change-proof .mark-verified")).to_have_count(4)

    clock.moved = dt.datetime.now(dt.UTC) + dt.timedelta(days=400)
    phone.reload()
    expect(phone.locator("#status")).to_have_text("已过期")
    valid_until = permits.get(number)["certificate"]["valid_until"]
    expect(phone.locator("#standing")).to_contain_text(f"该许可证的有效期已于 {valid_until} 届满。")

    permits.acted(number, "revoke", "以欺骗手段取得许可。")
    phone.reload()
    expect(phone.locator("#status")).to_have_text("已撤销")  # revoked outranks expired
    expect(phone.locator("#standing")).to_contain_text("以欺骗手段取得许可。")
    expect(phone.locator("#changes li")).to_have_count(2)
    assert hosts == {"127.0.0.1"}  # nothing from a CDN


def test_expired_by_the_clock_alone_and_the_english_switch(
    permits: Permits, live_url: str, phone: Page, clock: Clock
) -> None:
    number = permits.approved(valid_years=1)
    valid_until = dt.date.fromisoformat(permits.get(number)["certificate"]["valid_until"])
    clock.moved = dt.datetime.combine(valid_until, dt.time(15, 59), tzinfo=dt.UTC)  # 23:59 in Shanghai
    _open(phone, live_url, permits, number)
    expect(phone.locator("#status")).to_have_text("有效")
    clock.moved += dt.timedelta(minutes=2)  # the next day in Shanghai
    phone.reload()
    expect(phone.locator("#status")).to_have_text("已过期")

    phone.get_by_role("link", name="English").click()
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    expect(phone.locator("#status")).to_have_text("Expired")
    expect(phone.locator("#standing")).to_contain_text(f"This permit's validity ended on {valid_until}.")
    expect(phone.get_by_text("Business format")).to_be_visible()
    phone.get_by_role("link", name="中文").click()
    expect(phone.locator("#status")).to_have_text("已过期")
    phone.goto(f"{live_url}/permit-certificates/JY23101010000990?lang=en")
    expect(phone.locator("#no-permit")).to_contain_text("No such permit")


def _anchored_root(permits: Permits, number: str) -> str:
    path = permits.get(number)["certificate"]["verification_path"]
    return str(permits.api.client.get(path + "?format=json").json()["verification"]["approval"]["root_hash"])
