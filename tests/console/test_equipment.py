"""特种设备 Elevators in the console, in a real Chromium: the list by status and grid area with its
pages, and one elevator's page with its maintenance history, contracts, inspections, reported
faults and QR symbol."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from regulator_console.pages import equipment as equipment_page
from tests.console.conftest import Browser, Console
from tests.equipment._registry import (
    GRID,
    MAINTAINER,
    SITE,
    USER,
    code,
    maintain,
    ok,
    register,
    setup_registry,
)

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
KM_NORTH = 1000 / 111_195


@pytest.fixture
def elevators(console: Console) -> Console:
    """Three elevators of grid PD-LJZ-03: one maintained yesterday (with a photo, under contract),
    one last maintained 20 days ago (overdue), one maintained on a phone a kilometre away."""
    api = console.api
    setup_registry(api)
    for n in (1, 2, 3):
        register(api, n)
    now = dt.datetime.now(dt.UTC)
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 90, 200)).save(out, "PNG")
    photo = api.upload(MAINTAINER, out.getvalue(), "machine-room.png")
    maintain(
        api, 1, photos=[photo], performed_at=(now - dt.timedelta(days=1)).isoformat(), note="曳引机油位正常"
    )
    maintain(api, 2, performed_at=(now - dt.timedelta(days=20)).isoformat())
    maintain(api, 3, latitude=SITE[0] + KM_NORTH)
    today = dt.date.today()
    contract = {
        "number": "WB-2026-118",
        "starts_on": str(today - dt.timedelta(days=30)),
        "ends_on": str(today + dt.timedelta(days=335)),
    }
    ok(api.as_org(USER, "POST", f"/v1/equipment/{code(1)}/contracts", json=contract))
    inspection = {
        "certificate_number": "DJ-2026-0042",
        "inspected_on": str(today),
        "valid_until": str(today + dt.timedelta(days=365)),
    }
    ok(api.as_org("samr", "POST", f"/v1/equipment/{code(1)}/inspections", json=inspection))
    api.client.post(
        f"/e/{code(1)}/reports", data={"problem": "noise", "detail": "运行时有异响", "contact": ""}
    )
    return console


def _rows(page: Page) -> list[str]:
    return [
        str(r)
        for r in page.locator("table.elevators tbody tr").evaluate_all(
            "rows => rows.map(r => r.dataset.code)"
        )
    ]


def test_regulator_finds_the_overdue_elevator_and_its_history(browser: Browser, elevators: Console) -> None:
    page = browser.sign_in()
    page.get_by_role("link", name="电梯", exact=True).click()
    expect(page.get_by_role("heading", name="电梯", exact=True)).to_be_visible()
    assert _rows(page) == [code(1), code(2), code(3)]
    overdue = page.locator(f'tr[data-code="{code(2)}"]')
    expect(overdue).to_contain_text("维保超期")
    expect(overdue).to_contain_text("无维保合同")
    expect(overdue.locator(".alert-rule")).to_have_text(["维保超期"])
    expect(page.locator(f'tr[data-code="{code(1)}"]')).to_contain_text("正常")
    browser.check_page("equipment-list")

    page.get_by_label("状态").select_option("overdue")
    page.get_by_label("网格").select_option(GRID)
    page.get_by_role("button", name="筛选").click()
    assert _rows(page) == [code(2)]

    browser.open(f"/equipment/{code(1)}")
    expect(page.get_by_role("heading", name="电梯：3号楼 1号梯")).to_be_visible()
    expect(page.locator("#status")).to_have_text("正常")
    expect(page.locator("#contract-until")).not_to_contain_text("无维保合同")
    history = page.locator("table.history tbody tr")
    expect(history).to_have_count(1)
    expect(history).to_contain_text("机房、滑轮间环境")
    expect(history).to_contain_text("曳引机油位正常")
    expect(page.get_by_text("DJ-2026-0042")).to_be_visible()
    expect(page.get_by_text("WB-2026-118")).to_be_visible()
    expect(page.locator("#reports")).to_contain_text("运行时有异响")
    qr = page.get_by_role("img", name="电梯公示页面的二维码")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
    href = history.get_by_role("link", name="照片 1").get_attribute("href")
    picture = page.request.get(elevators.url + str(href))
    assert picture.status == 200
    assert picture.headers["content-type"] == "image/png"
    browser.check_page("equipment-detail")

    browser.open(f"/equipment/{code(3)}")
    far = page.locator("table.history tbody tr.too-far")
    expect(far).to_contain_text("距电梯 1,000 米")
    alerts = page.locator("#alerts")
    expect(alerts).to_contain_text("维保定位偏离电梯")
    expect(alerts).to_contain_text("maintenance recorded 1000 m from the elevator")
    alerts.get_by_role("link", name="维保定位偏离电梯").click()
    expect(page.get_by_role("heading", name=re.compile("^维保定位偏离电梯"))).to_be_visible()
    page.go_back()
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Elevator: 3号楼 3号梯")).to_be_visible()
    expect(far).to_contain_text("1,000 m from the elevator")
    browser.check_page("equipment-detail-en")
    page.get_by_role("link", name="中文").click()


def test_elevator_list_pages_by_keyset(
    browser: Browser, elevators: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(equipment_page, "PAGE_SIZE", 2)
    page = browser.sign_in()
    browser.open("/equipment")
    assert _rows(page) == [code(1), code(2)]
    page.get_by_role("link", name="下一页").click()
    assert _rows(page) == [code(3)]
    expect(page.get_by_role("link", name="下一页")).to_have_count(0)
    page.get_by_role("link", name="第一页").click()
    assert _rows(page) == [code(1), code(2)]
    browser.open("/equipment/31103101152019999999")
    expect(page.get_by_role("heading", name="电梯：3号楼 1号梯")).to_have_count(0)


def test_map_shows_elevators_coloured_by_status_with_a_link_to_their_page(
    browser: Browser, elevators: Console
) -> None:
    page = browser.sign_in()
    browser.open("/map")
    levels = {code(1): "level-none", code(2): "level-many", code(3): "level-none"}
    for n, level in levels.items():
        marker = page.locator(f'svg.site-map a.marker.equipment[data-site="equipment:{n}"]')
        expect(marker).to_have_class(re.compile(rf"\b{level}\b"))
        expect(marker.locator("rect")).not_to_have_attribute("transform", re.compile("rotate"))
    row = page.locator(f'table.site-list tr[data-site="equipment:{code(2)}"]')
    expect(row).to_contain_text("维保超期")
    expect(row).to_contain_text("电梯")
    browser.check_page("map-elevators")

    page.locator(f'svg.site-map a.marker[data-site="equipment:{code(2)}"]').click()
    details = page.locator("#site-details")
    expect(details).to_contain_text("维保超期")
    expect(details.locator(".alert-list")).to_contain_text("maintenance was due")
    details.get_by_role("link", name="电梯详情").click()
    expect(page.get_by_role("heading", name="电梯：3号楼 2号梯")).to_be_visible()
