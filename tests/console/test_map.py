"""地图 Map: positioned sites as SVG markers coloured by their open alerts, their details a click away,
and the same sites listed below, in a real Chromium over the real API."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import expect

from regulator_console.sessions import SESSION_COOKIE, SessionSeal
from tests.api.conftest import Api, make_uscc
from tests.api.test_devices import COLD_STORE, Feed, add_device
from tests.console.conftest import ARTIFACTS, PHONE, Browser, Console
from tests.markets.conftest import Market
from tests.markets.conftest import market as market  # the farmers' market caoyang (a fixture)

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

YANGSHAN = {"latitude": 30.6267, "longitude": 122.0647, "address": "洋山深水港"}
JIANGQIAO = {"latitude": 31.2497, "longitude": 121.3235, "address": "嘉定区江桥镇"}
XUHUI = {"latitude": 31.1942, "longitude": 121.4372, "address": "徐汇区"}
#: The canteen's kitchen, beside its office in Xuhui.
CANTEEN_KITCHEN = {"latitude": 31.1950, "longitude": 121.4380, "address": "徐汇区 后厨"}
#: The importer's cold store on the port, a few hundred metres from its office.
PORT_STORE = {"latitude": 30.6290, "longitude": 122.0700}


def _admit(api: Api, handle: str, kind: str, position: dict[str, Any]) -> None:
    body = {
        "handle": handle,
        "name": f"{handle} Co.",
        "org_type": kind,
        "uscc": make_uscc(),
        "jurisdiction": "Shanghai",
        "position": position,
    }
    response = api.as_org("samr", "POST", "/v1/organisations", json=body)
    assert response.status_code == 201, response.text
    api.keys[handle] = response.json()["api_key"]


def _excursions(api: Api, handle: str, names: list[str], **device: Any) -> None:
    """One open temperature alert on each of ``handle``'s new cold-store devices ``names``."""
    for name in names:
        add_device(api, handle, {**COLD_STORE, "name": name, **device})
    api.mined()  # the ingest writes behind the API's back
    for name in names:
        feed = Feed(api, f"{handle}/{name}")
        feed.celsius(-5.0, seconds_ago=700)
        feed.celsius(-4.0, seconds_ago=100)


@pytest.fixture
def placed(console: Console) -> Console:
    """An importer on the port with three open alerts (its placed cold store one of them), a
    wholesaler at Jiangqiao with one, a retailer in Xuhui with none, a market with no position."""
    api = console.api
    _admit(api, "haixian", "importer", YANGSHAN)
    _admit(api, "shichang", "wholesaler", JIANGQIAO)
    _admit(api, "shop", "retailer", XUHUI)
    api.add_org("caishichang", "market")
    _excursions(api, "haixian", ["cs-01"], position=PORT_STORE)
    _excursions(api, "haixian", ["cs-02", "cs-03"])
    _excursions(api, "shichang", ["cs-01"])
    return console


EXPECTED = {
    "org:haixian": ("haixian Co.", "level-many", "3"),
    "org:shichang": ("shichang Co.", "level-some", "1"),
    "org:shop": ("shop Co.", "level-none", "0"),
    "device:haixian:cs-01": ("cs-01", "level-some", "1"),
}


def test_map_places_sites_by_coordinates_coloured_by_open_alerts(placed: Console, browser: Browser) -> None:
    page = browser.sign_in()
    page.get_by_role("link", name="地图").click()
    expect(page.get_by_role("heading", name="地图", exact=True)).to_be_visible()

    markers = page.locator("svg.site-map a.marker")
    expect(markers).to_have_count(len(EXPECTED))
    centres: dict[str, tuple[float, float]] = {}
    for site, (_, level, _) in EXPECTED.items():
        marker = page.locator(f'svg.site-map a.marker[data-site="{site}"]')
        expect(marker).to_have_class(re.compile(rf"\b{level}\b"))
        box = marker.bounding_box()
        assert box is not None
        centres[site] = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert len({(round(x), round(y)) for x, y in centres.values()}) == len(EXPECTED)
    port, wholesaler, shop = centres["org:haixian"], centres["org:shichang"], centres["org:shop"]
    assert port[0] > shop[0] > wholesaler[0]  # Yangshan lies east of Xuhui, Jiangqiao west
    assert port[1] > shop[1] > wholesaler[1]  # and south of it; Jiangqiao north
    expect(page.locator('a.marker[data-site="device:haixian:cs-01"] rect')).to_have_count(1)
    expect(page.locator('a.marker[data-site="org:haixian"]')).to_have_attribute(
        "aria-label", "haixian Co.（进口商）：3 条未处理告警"
    )

    rows = page.locator("table.site-list tbody tr")
    expect(rows).to_have_count(len(EXPECTED))
    listed = {
        row.get_attribute("data-site"): (
            row.locator("td").nth(0).get_by_role("link").inner_text(),
            row.locator("td").nth(1).inner_text(),
        )
        for row in rows.all()
    }
    assert listed == {site: (name, count) for site, (name, _, count) in EXPECTED.items()}
    expect(page.get_by_role("row", name=re.compile("caishichang"))).to_have_count(0)  # no position
    expect(page.get_by_text("东经 122.0647°").first).to_be_visible()
    browser.check_page("map")


def test_clicking_a_marker_opens_its_details_with_its_open_alerts(placed: Console, browser: Browser) -> None:
    browser.sign_in()
    page = browser.open("/map")

    page.locator('svg.site-map a.marker[data-site="org:haixian"]').click()

    expect(page).to_have_url(re.compile(r"/console/map\?site=org%3Ahaixian#site-details$"))
    details = page.locator("#site-details")
    expect(details.get_by_role("heading", name="haixian Co.")).to_be_visible()
    expect(details.locator(".alert-list li")).to_have_count(3)
    expect(details.locator(".alert-list li").first).to_contain_text("温度超标")
    expect(details.get_by_role("link", name="haixian Co. 的告警")).to_have_attribute(
        "href", "/console/alerts?org=haixian"
    )
    expect(details.get_by_role("link", name="主体详情")).to_have_attribute("href", "/console/members/haixian")
    expect(page.locator('a.marker[data-site="org:haixian"]')).to_have_attribute("aria-current", "true")
    browser.check_page("map-details")

    page.locator('svg.site-map a.marker[data-site="org:shop"]').focus()
    page.keyboard.press("Enter")
    expect(details.get_by_role("heading", name="shop Co.")).to_be_visible()
    expect(details.get_by_text("此处没有未处理告警。")).to_be_visible()
    details.get_by_role("link", name="关闭").click()
    expect(page.locator("#site-details")).to_have_count(0)


def test_map_filters_alerting_sites_and_serves_phones_through_its_list(
    placed: Console, browser: Browser
) -> None:
    browser.sign_in()
    page = browser.open("/map")

    page.get_by_label("只看有未处理告警的站点").check()
    page.get_by_role("button", name="查看").click()

    expect(page).to_have_url(re.compile(r"alerting=1"))
    expect(page.locator("svg.site-map a.marker")).to_have_count(3)
    expect(page.locator('a.marker[data-site="org:shop"]')).to_have_count(0)
    page.locator('tr[data-site="org:shichang"] td').first.get_by_role("link").click()
    expect(page.locator("#site-details").get_by_role("heading", name="shichang Co.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"alerting=1"))

    page.set_viewport_size(PHONE)
    expect(page.get_by_role("table")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    wrap = page.locator(".table-wrap")
    assert wrap.evaluate("w => w.scrollWidth - w.clientWidth") <= 0  # nothing to scroll sideways
    cells = page.locator('tr[data-site="org:haixian"] td')
    name, kind = cells.nth(0).bounding_box(), cells.nth(2).bounding_box()
    assert name is not None
    assert kind is not None
    assert (kind["x"], kind["y"] > name["y"]) == (name["x"], True)  # each site a block: kind below
    page.screenshot(path=str(ARTIFACTS / "map-phone.png"), full_page=True)
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Map", exact=True)).to_be_visible()
    expect(page.locator('a.marker[data-site="org:haixian"]')).to_have_attribute(
        "aria-label", "haixian Co. (Importer): 3 open alerts"
    )
    browser.check_page("map-en")


def test_map_without_positioned_sites_says_how_to_add_one(console: Console, browser: Browser) -> None:
    console.api.add_org("shop", "retailer")
    browser.sign_in()
    page = browser.open("/map")

    expect(page.get_by_role("heading", name="没有可显示的站点")).to_be_visible()
    expect(page.locator("svg.site-map")).to_have_count(0)
    expect(page.get_by_text("PUT /v1/organisations/{handle}/position")).to_be_visible()
    browser.check_page("map-empty")
    for missing in ("org:nowhere", "../v1/organisations", "device:a/b"):
        page = browser.open("/map?site=" + quote(missing))
        expect(page.get_by_role("heading", name="未找到站点")).to_be_visible()


def test_map_is_for_regulators_only(placed: Console) -> None:
    _, member = SessionSeal(placed.secret, 3600).open_session(placed.api.keys["haixian"])
    with httpx.Client(base_url=placed.url) as client:
        anonymous = client.get("/console/map")
        client.cookies.set(SESSION_COOKIE, member, path="/console")
        as_member = client.get("/console/map")

    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/console/signin?next=/console/map"
    assert as_member.status_code == 403
    assert "洋山" not in as_member.text  # no site shown to a member


def test_a_positioned_kitchen_camera_is_a_marker_with_its_incident(
    console: Console, browser: Browser
) -> None:
    """Restaurant ``canteen`` in Xuhui; its kitchen camera, placed beside it, caught a cook without
    a chef hat: the camera's marker counts the open incident and its details name the violation."""
    pytest.importorskip("cv2")  # incidents are recorded as the camera pipeline records them
    from tests._kitchen import add_camera, record_incident

    api = console.api
    _admit(api, "canteen", "restaurant", XUHUI)
    camera = add_camera(api, "canteen")
    placed = api.as_org("canteen", "PUT", "/v1/devices/cam-1/position", json=CANTEEN_KITCHEN)
    assert placed.status_code == 200, placed.text
    record_incident(api, camera, "no_chef_hat", 60)
    page = browser.sign_in()

    browser.open("/map")
    marker = page.locator('svg.site-map a.marker[data-site="device:canteen:cam-1"]')
    expect(marker).to_have_class(re.compile(r"\blevel-some\b"))
    expect(marker).to_have_attribute("aria-label", "cam-1（后厨摄像头）：1 条未处理告警")
    expect(page.locator('a.marker[data-site="org:canteen"]')).to_have_class(re.compile(r"\blevel-some\b"))
    browser.check_page("map-camera")

    marker.click()
    details = page.locator("#site-details")
    expect(details.get_by_role("heading", name="cam-1")).to_be_visible()
    expect(details).to_contain_text("后厨摄像头")
    expect(details).to_contain_text("北纬 31.1950°")
    (alert,) = details.locator(".alert-list li").all()
    expect(alert).to_contain_text("后厨违规")
    expect(alert).to_contain_text("厨师未戴厨师帽")
    browser.check_page("map-camera-details")


def test_a_positioned_farmers_market_is_a_marker_with_its_failed_rapid_test(
    console: Console, market: Market, browser: Browser
) -> None:
    """The market caoyang, registered at its position in Putuo (its operator has none of its own):
    a failed rapid test at stall A-01 counts on its marker, names itself in its details, and the
    details lead to the market's page."""
    market.bought("veg-wang", "A-01", "菠菜")
    market.rapid_test("A-01", "菠菜", passed=False, sample="S-0001")
    page = browser.sign_in()

    browser.open("/map")
    marker = page.locator('svg.site-map a.marker[data-site="market:caoyang"]')
    expect(marker).to_have_class(re.compile(r"\blevel-some\b"))
    expect(marker).to_have_attribute(
        "aria-label", "曹杨农贸市场 Caoyang Farmers' Market（农贸市场）：1 条未处理告警"
    )
    expect(page.locator("svg.site-map a.marker")).to_have_count(1)  # no organisation is placed
    expect(page.locator('tr[data-site="market:caoyang"] td').nth(1)).to_have_text("1")
    browser.check_page("map-market")

    marker.click()
    details = page.locator("#site-details")
    expect(details.get_by_role("heading", name="曹杨农贸市场 Caoyang Farmers' Market")).to_be_visible()
    expect(details).to_contain_text("北纬 31.2395°")
    (alert,) = details.locator(".alert-list li").all()
    expect(alert).to_contain_text("快检不合格")
    expect(alert).to_contain_text("S-0001")
    browser.check_page("map-market-details")
    details.get_by_role("link", name="市场详情").click()
    expect(page).to_have_url(re.compile(r"/console/markets/caoyang$"))
