"""设备与告警 and 疑似假冒信号 in a real Chromium: alerts raised through the real ingest path,
filtered and acknowledged; the device registry; refused messages; counterfeit signals from real
scans. The acknowledgement's refusals are tested over plain HTTP."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from ingest import Message
from ingest._process import rfc3339
from regulator_console.pages import alerts as alerts_page
from regulator_console.sessions import SESSION_COOKIE, SessionSeal
from tests.api.conftest import Api, batch_payload
from tests.api.test_alerts import Device
from tests.api.test_devices import COLD_STORE
from tests.api.test_scans import BATCH, _code
from tests.console.conftest import Browser, Console
from tests.ingest.conftest import Clock, make_ingestor
from trace_api.gs1 import ItemCode as Code

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

NOTE = "已电话通知冷库，压缩机已修复 / compressor fixed"
DOOR = {**COLD_STORE, "name": "cs-02", "location": "2 号冷库"}


def _alerting_network(api: Api) -> None:
    """haixian's store cs-01 too warm and cs-02's door left open (through a real Ingestor)."""
    api.add_org("haixian", "importer")
    api.add_org("shichang", "wholesaler")
    api.mined()  # the ingestor writes behind the API's back
    Device(api, "haixian", COLD_STORE).excursion()
    Device(api, "haixian", DOOR).door_left_open()


def test_regulator_filters_alerts_by_kind_and_acknowledges_one_with_a_note(browser: Browser) -> None:
    _alerting_network(browser.console.api)
    browser.sign_in()

    page = browser.open("/alerts?status=open&kind=temperature")
    expect(page.get_by_role("heading", name="告警", exact=True)).to_be_visible()
    rows = page.get_by_role("row")
    excursion = rows.filter(has_text="haixian/cs-01")
    expect(excursion).to_contain_text("温度超标")
    expect(excursion).to_contain_text("-4.0 °C")
    expect(excursion).to_contain_text("未解除，未确认")
    expect(rows.filter(has_text="haixian/cs-02")).to_have_count(0)
    expect(page.get_by_label("类型")).to_have_value("temperature")
    browser.check_page("alerts")

    page.get_by_label("类型").select_option("door_open")
    page.get_by_role("button", name="筛选").click()
    expect(rows.filter(has_text="haixian/cs-02")).to_contain_text("冷库门未关")
    expect(rows.filter(has_text="haixian/cs-01")).to_have_count(0)

    page.goto(browser.console.at("/alerts?status=open&kind=temperature"))
    excursion.get_by_role("link", name="温度超标").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("温度超标")
    expect(page.get_by_role("heading", level=1)).to_contain_text("haixian/cs-01")
    browser.check_page("alert")

    page.get_by_label("处置说明").fill(NOTE)
    page.get_by_role("button", name="确认告警").click()
    acknowledged = page.locator("#acknowledged")
    expect(acknowledged).to_contain_text(re.compile(r"已由 samr.* 于 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d 确认"))
    expect(page.get_by_text(NOTE)).to_be_visible()
    expect(page.get_by_text("已确认，仍未解除")).to_be_visible()
    expect(page.get_by_role("button", name="确认告警")).to_have_count(0)
    browser.check_page("alert-acknowledged")

    page.goto(browser.console.at("/alerts?status=open&kind=temperature&ack=yes"))
    expect(excursion).to_contain_text("已确认，仍未解除")
    expect(excursion).to_contain_text("samr 于")
    page.goto(browser.console.at("/alerts?status=open&ack=no"))
    expect(rows.filter(has_text="haixian/cs-01")).to_have_count(0)
    expect(rows.filter(has_text="haixian/cs-02")).to_have_count(1)
    overview = browser.console.api.as_org("samr", "GET", "/v1/overview").json()
    assert overview["alerts"]["open_by_kind"]["temperature"] == 1  # acknowledged is still open

    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Alerts", exact=True)).to_be_visible()
    expect(rows.filter(has_text="haixian/cs-02")).to_contain_text("Open, not acknowledged")
    browser.check_page("alerts-en")


def _session(console: Console) -> tuple[dict[str, str], str]:
    session, cookie = SessionSeal(console.secret, 3600).open_session(console.regulator_key)
    return {SESSION_COOKIE: cookie}, session.csrf


def test_acknowledgement_refused_without_csrf_without_a_note_and_twice(console: Console) -> None:
    _alerting_network(console.api)
    (alert,) = console.api.as_org("samr", "GET", "/v1/alerts", params={"rule": "temperature"}).json()[
        "alerts"
    ]
    cookies, csrf = _session(console)
    target = f"/console/alerts/{alert['id']}/acknowledge"

    with httpx.Client(base_url=console.url, cookies=cookies) as client:
        forged = client.post(target, data={"note": NOTE})
        empty = client.post(target, data={"note": "  ", "csrf": csrf})
        typed = client.post(target, data={"note": "x" * 501, "csrf": csrf})
        accepted = client.post(target, data={"note": NOTE, "csrf": csrf})
        again = client.post(target, data={"note": "second", "csrf": csrf})

    assert forged.status_code == 403
    assert "表单不是从本平台提交的" in forged.text
    assert empty.status_code == 422
    assert 'aria-invalid="true"' in empty.text
    assert "请填写所见情况和处置措施" in empty.text
    assert typed.status_code == 422
    assert "x" * 501 in typed.text  # what the user typed is kept
    assert (accepted.status_code, accepted.headers["location"]) == (303, f"/console/alerts/{alert['id']}")
    assert again.status_code == 409
    assert "该告警已被确认" in again.text
    ack = console.api.as_org("samr", "GET", f"/v1/alerts/{alert['id']}").json()["acknowledgement"]
    assert ack["note"] == NOTE


def test_device_registry_shows_each_device_with_its_last_reading_and_open_alerts(browser: Browser) -> None:
    api = browser.console.api
    _alerting_network(api)
    truck = {"name": "truck-7", "kinds": ["temperature"], "vehicle": "沪A12345"}
    assert api.as_org("shichang", "POST", "/v1/devices", json=truck).status_code == 201
    browser.sign_in()

    page = browser.open("/devices?org=haixian")
    expect(page.get_by_role("heading", name="设备登记")).to_be_visible()
    rows = page.get_by_role("row")
    store = rows.filter(has_text="cs-01")
    expect(store).to_contain_text("温度、门磁")
    expect(store).to_contain_text("冷冻")
    expect(store).to_contain_text("在用")
    expect(store).to_contain_text(re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d"))
    expect(rows.filter(has_text="truck-7")).to_have_count(0)
    browser.check_page("devices")

    store.get_by_role("link", name="1", exact=True).click()
    expect(page).to_have_url(re.compile(r"/console/alerts\?status=open&device=haixian%2Fcs-01$"))
    expect(page.get_by_text("仅显示设备 haixian/cs-01 的告警。")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="温度超标")).to_have_count(1)

    page.goto(browser.console.at("/devices"))
    expect(rows.filter(has_text="truck-7")).to_contain_text("沪A12345")
    expect(rows.filter(has_text="truck-7")).to_contain_text("暂无")


def test_refused_messages_listed_with_their_reason(browser: Browser) -> None:
    api = browser.console.api
    api.add_org("haixian", "importer")
    assert api.as_org("haixian", "POST", "/v1/devices", json=COLD_STORE).status_code == 201
    api.mined()
    reading = json.dumps({"seq": 0, "time": rfc3339(dt.datetime.now(dt.UTC)), "celsius": -20}).encode()
    refused = make_ingestor(api, Clock()).ingest(
        [
            Message("suyuan/v1/haixian/cs-01/temperature", b"not json"),
            Message("suyuan/v1/haixian/ghost-9/temperature", reading),
        ]
    )
    assert refused.dead_reasons == ["invalid_json", "unknown_device"]
    browser.sign_in()

    page = browser.open("/dead-letters")
    expect(page.get_by_role("heading", name="拒收消息")).to_be_visible()
    rows = page.get_by_role("row")
    expect(rows.filter(has_text="suyuan/v1/haixian/cs-01/temperature")).to_contain_text("不是 JSON 对象")
    expect(rows.filter(has_text="ghost-9")).to_contain_text("设备未登记")
    browser.check_page("dead-letters")

    page.get_by_role("link", name=re.compile("设备未登记")).click()
    expect(rows.filter(has_text="ghost-9")).to_have_count(1)
    expect(rows.filter(has_text="suyuan/v1/haixian/cs-01/temperature")).to_have_count(0)
    expect(page.get_by_label("原因", exact=True)).to_have_value("unknown_device")


def _signals(api: Api) -> None:
    """A made-up code offered for sale (no lot known) and a real item sold off its lot's path."""
    api.add_org("haixian", "importer")
    api.add_org("shop", "retailer")
    assert api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian")).status_code == 201
    api.mined()
    fake = Code("09506000134352", "L2026-001", "FAKEFAKEFAKEFAKE").uri(api.services.settings.public_url)
    for code in (fake, _code(api)):
        scan: dict[str, Any] = {"action": "sell", "code": code, "location": "Stall 4"}
        assert api.as_org("shop", "POST", "/v1/scans", json=scan).status_code == 409


def test_counterfeit_signals_listed_and_filtered_by_reason_with_links_to_the_lot(browser: Browser) -> None:
    _signals(browser.console.api)
    browser.sign_in()

    page = browser.open("/signals?reason=code_never_issued")
    expect(page.get_by_role("heading", name="疑似假冒信号")).to_be_visible()
    rows = page.get_by_role("row")
    expect(rows.filter(has_text="FAKEFAKEFAKEFAKE")).to_contain_text("未赋码的追溯码")
    expect(rows.filter(has_text="偏离流通路径")).to_have_count(0)
    browser.check_page("signals")

    page.get_by_label("原因", exact=True).select_option("off_custody_path")
    page.get_by_role("button", name="筛选").click()
    off_path = rows.filter(has_text="偏离流通路径")
    expect(off_path).to_contain_text("shop")
    expect(rows.filter(has_text="FAKEFAKEFAKEFAKE")).to_have_count(0)
    lot = off_path.get_by_role("link", name=BATCH)
    expect(lot).to_have_attribute("href", f"/console/lots/{BATCH}")

    page.goto(browser.console.at("/signals"))
    expect(rows).to_have_count(3)  # the header and both signals


def test_long_lists_page_by_cursor(browser: Browser) -> None:
    api = browser.console.api
    api.add_org("shop", "retailer")
    base = api.services.settings.public_url
    for n in range(51):  # the API's page is 50 long
        fake = Code("09506000134352", "L2026-001", f"FAKE{n:012d}").uri(base)
        assert (
            api.as_org(
                "shop", "POST", "/v1/scans", json={"action": "sell", "code": fake, "location": "Stall 4"}
            ).status_code
            == 409
        )
    browser.sign_in()

    page = browser.open("/signals?reason=code_never_issued")
    rows = page.get_by_role("row")
    expect(rows.filter(has_text="FAKE000000000050")).to_have_count(1)  # newest first
    expect(rows).to_have_count(51)
    page.get_by_role("link", name="下一页").click()
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="FAKE000000000000")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"reason=code_never_issued"))
    expect(page.get_by_role("link", name="下一页")).to_have_count(0)
    page.get_by_role("link", name="第一页").click()
    expect(rows).to_have_count(51)


def test_alert_list_pages_by_cursor_keeping_its_filters(
    browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    _alerting_network(browser.console.api)
    monkeypatch.setattr(alerts_page, "PAGE_SIZE", 1)
    page = browser.sign_in()

    browser.open("/alerts?status=open&ack=no")
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(1)
    # Both opened in the same second: either may come first. The cell holds the device, then its site.
    first = rows.first.locator("td").nth(1).inner_text().splitlines()[0]
    expect(page.get_by_role("link", name="第一页")).to_have_count(0)
    page.get_by_role("link", name="下一页").click()
    expect(rows).to_have_count(1)
    expect(rows.first).not_to_contain_text(first)
    second = rows.first.locator("td").nth(1).inner_text().splitlines()[0]
    assert sorted((first, second)) == ["haixian/cs-01", "haixian/cs-02"]
    expect(page).to_have_url(re.compile(r"status=open.*ack=no"))
    expect(page.get_by_role("link", name="下一页")).to_have_count(0)
    browser.check_page("alerts-second-page")
    page.get_by_role("link", name="第一页").click()
    expect(rows.first).to_contain_text(first)
    expect(page.get_by_role("link", name="下一页")).to_be_visible()
