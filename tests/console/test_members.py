"""主体 Members: admitting a member (its USCC checked as it is typed and again by the API), its first
key shown once, suspending and restoring it (its key refused, its chain role revoked and granted
again), and finding members, in a real Chromium."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from cryptography.fernet import Fernet
from playwright.sync_api import expect
from web3 import Web3

from chain import Role
from regulator_console.sessions import SESSION_COOKIE, SessionSeal
from tests.api.conftest import batch_payload, make_uscc
from tests.api.test_devices import COLD_STORE, Feed, add_device
from tests.console.conftest import ARTIFACTS, PHONE, Browser, Console

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

LOT = "09506000134352.L2026-001"


def _wrong_check_character(code: str) -> str:
    return code[:17] + ("1" if code[17] != "1" else "2")


def _status_of_key(console: Console, key: str) -> int:
    response = console.api.client.get("/v1/organisations/me", headers={"Authorization": f"Bearer {key}"})
    return int(response.status_code)


def test_admit_a_member_show_its_key_once_then_suspend_and_restore_it(browser: Browser) -> None:
    api = browser.console.api
    page = browser.sign_in()
    page.get_by_role("link", name="主体", exact=True).click()
    expect(page.get_by_role("heading", name="主体", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Market Regulator")).to_be_visible()
    browser.check_page("members-list")

    page.get_by_role("link", name="准入新主体").click()
    expect(page.get_by_role("heading", name="准入新主体")).to_be_visible()
    browser.check_page("members-new")
    code = make_uscc()
    wrong = _wrong_check_character(code)
    page.get_by_label("名称").fill("东方冷链批发有限公司")
    page.get_by_label("标识", exact=True).fill("dongfang-cold")
    page.get_by_label("类型").select_option("wholesaler")
    page.get_by_label("辖区").fill("上海市浦东新区")
    uscc = page.get_by_label("统一社会信用代码")
    feedback = page.locator("#uscc-feedback")

    uscc.fill(wrong[:10])  # as it is typed
    expect(feedback).to_have_text("统一社会信用代码应为 18 位，当前为 10 位。")
    uscc.fill(wrong)
    reason = f"校验码错误：第 18 位应为 {code[17]}，而不是 {wrong[17]}。"
    expect(feedback).to_have_text(reason)
    expect(uscc).to_have_attribute("aria-invalid", "true")
    page.get_by_role("button", name="准入", exact=True).click()  # and the API says no again

    expect(page.get_by_role("alert")).to_have_text("未准入该主体：请更正下方标出的字段。")
    expect(feedback).to_have_text(reason)
    expect(uscc).to_have_value(wrong)  # what was typed is kept
    expect(page.get_by_label("标识", exact=True)).to_have_value("dongfang-cold")
    listed = api.as_org("samr", "GET", "/v1/organisations", params={"q": "dongfang"}).json()
    assert listed["organisations"] == []  # nothing created
    browser.check_page("members-new-refused")

    uscc.fill(code)
    expect(feedback).to_have_text("校验码正确。")
    expect(uscc).not_to_have_attribute("aria-invalid", "true")
    page.get_by_role("button", name="准入", exact=True).click()

    expect(page).to_have_url(re.compile(r"/console/members/dongfang-cold$"))
    expect(page.get_by_role("heading", name="东方冷链批发有限公司")).to_be_visible()
    expect(page.get_by_text("请立即复制：该密钥仅显示这一次，之后无法再次查看。")).to_be_visible()
    key = page.locator("#first-key").inner_text().strip()
    assert _status_of_key(browser.console, key) == 200
    browser.check_page("member-first-key")
    api.mined()  # the grant of its chain role is sent after the admission commits
    page.reload()
    expect(page.get_by_role("heading", name="东方冷链批发有限公司")).to_be_visible()
    expect(page.locator("#first-key")).to_have_count(0)  # shown once
    assert key not in page.content()
    expect(page.locator("[data-chain-role]")).to_contain_text("已持有")

    page.get_by_label("原因").fill("冷库温度记录造假")
    page.get_by_label(re.compile("我确认暂停")).check()
    page.get_by_role("button", name="暂停", exact=True).click()

    expect(page.get_by_role("status")).to_contain_text("已暂停")
    expect(page.get_by_role("heading", name=re.compile("自 .* 起暂停"))).to_be_visible()
    refused = browser.console.api.client.get(
        "/v1/organisations/me", headers={"Authorization": f"Bearer {key}"}
    )
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("/organisation-suspended")
    api.mined()
    address = Web3.to_checksum_address(
        api.as_org("samr", "GET", "/v1/organisations/dongfang-cold").json()["chain_address"]
    )
    assert not api.services.chain.has_role(address, Role.TRADER)
    page.reload()
    expect(page.locator("[data-chain-role]")).to_contain_text("未持有")
    expect(page.get_by_role("cell", name="冷库温度记录造假").first).to_be_visible()
    browser.check_page("member-suspended")

    page.get_by_label("原因").fill("已整改并复查合格")
    page.get_by_label(re.compile("我确认恢复")).check()
    page.get_by_role("button", name="恢复", exact=True).click()

    expect(page.get_by_role("status")).to_contain_text("已恢复")
    assert _status_of_key(browser.console, key) == 200
    api.mined()
    assert api.services.chain.has_role(address, Role.TRADER)
    page.reload()
    expect(page.locator("[data-chain-role]")).to_contain_text("已持有")
    browser.check_page("member-restored")
    _fits_a_phone(browser, "member-phone")
    browser.open("/members")
    _fits_a_phone(browser, "members-phone")


def _fits_a_phone(browser: Browser, name: str) -> None:
    """No sideways scrolling of the page at a phone's width (wide tables scroll in their own box)."""
    page = browser.page
    original = page.viewport_size
    page.set_viewport_size(PHONE)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    page.screenshot(path=str(browser_artifacts() / f"{name}.png"), full_page=True)
    if original is not None:
        page.set_viewport_size(original)
    assert overflow <= 0, f"{name} scrolls sideways by {overflow} px on a phone"


def browser_artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def test_suspending_needs_a_reason_and_a_confirmation_and_never_the_own_organisation(
    browser: Browser,
) -> None:
    api = browser.console.api
    api.add_org("haixian", "importer")
    page = browser.sign_in()
    browser.open("/members/haixian")

    page.get_by_label("原因").fill("不合规")
    page.get_by_label(re.compile("我确认暂停")).check()
    page.get_by_label("原因").fill("")
    page.get_by_role("button", name="暂停", exact=True).click()
    expect(page.locator("#reason-error")).to_have_text("请填写原因，至少 3 个字符（最多 500 个）。")
    expect(page.get_by_label("原因")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("原因").fill("冷库温度记录造假")
    page.get_by_role("button", name="暂停", exact=True).click()  # not confirmed
    expect(page.locator("#confirm-error")).to_have_text("请勾选以确认。")
    expect(page.get_by_label("原因")).to_have_value("冷库温度记录造假")
    browser.check_page("member-suspend-refused")
    assert _status_of_key(browser.console, api.keys["haixian"]) == 200

    browser.open("/members/samr")
    expect(page.get_by_text("这是本单位：监管部门不能暂停自身。")).to_be_visible()
    expect(page.get_by_role("button", name="暂停", exact=True)).to_have_count(0)
    browser.check_page("member-own")


def test_members_are_filtered_and_paged_in_the_list(browser: Browser) -> None:
    api = browser.console.api
    for handle, kind in (("haixian", "importer"), ("hupan", "retailer"), ("yuchang", "wholesaler")):
        api.add_org(handle, kind)
    api.as_org("samr", "POST", "/v1/organisations/hupan/suspend", json={"reason": "Expired licence"})
    page = browser.sign_in()
    browser.open("/members")

    page.get_by_label("状态").select_option("suspended")
    page.get_by_role("button", name="筛选").click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("hupan")
    expect(rows.first).to_contain_text("已暂停")

    browser.open("/members?type=importer")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("haixian")
    browser.open("/members?q=YUCH")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("yuchang")

    browser.open("/members")
    handles = page.locator("tbody tr td:first-child .muted").all_inner_texts()
    assert handles == ["haixian", "hupan", "samr", "yuchang"]
    browser.check_page("members-list-all")


def test_members_pages_page_by_keyset(console: Console) -> None:
    for i in range(27):
        console.api.add_org(f"m{i:02d}", "retailer")
    with httpx.Client(base_url=console.url, timeout=30) as client:
        client.cookies.set(SESSION_COOKIE, _sealed(console), path="/console")
        first = client.get("/console/members", params={"type": "retailer"})
        after = re.search(r'href="(/console/members\?[^"]*after=[^"]+)" rel="next"', first.text)
        assert after is not None
        second = client.get(after.group(1).replace("&amp;", "&"))

    handles = re.findall(r'<span class="muted">(m\d\d)</span>', first.text + second.text)
    assert handles == [f"m{i:02d}" for i in range(27)]
    assert 'rel="next"' not in second.text


def _sealed(console: Console) -> str:
    _, cookie = SessionSeal(console.secret, 3600).open_session(console.regulator_key)
    return cookie


def test_member_writes_without_the_csrf_token_are_refused(console: Console) -> None:
    console.api.add_org("haixian", "importer")
    with httpx.Client(base_url=console.url, timeout=30) as client:
        client.cookies.set(SESSION_COOKIE, _sealed(console), path="/console")
        suspend = client.post("/console/members/haixian/suspend", data={"reason": "no", "confirm": "yes"})
        admit = client.post(
            "/console/members/new",
            data={
                "handle": "other",
                "name": "Other",
                "org_type": "retailer",
                "uscc": make_uscc(),
                "jurisdiction": "x",
            },
        )
        client.cookies.clear()
        check = client.get("/console/members/uscc-check", params={"uscc": "x"})

    assert (suspend.status_code, admit.status_code) == (403, 403)
    assert _status_of_key(console, console.api.keys["haixian"]) == 200
    assert console.api.as_org("samr", "GET", "/v1/organisations/other").status_code == 404
    assert check.status_code == 303  # signed out: to the sign-in page


def test_the_uscc_check_speaks_english_on_the_english_page(browser: Browser) -> None:
    page = browser.sign_in()
    page.get_by_role("link", name="English").click()
    browser.open("/members/new")
    code = make_uscc()

    page.get_by_label("Unified social credit code").fill(code[:4] + "O" + code[5:])

    expect(page.locator("#uscc-feedback")).to_have_text(
        "Not allowed: O at position 5. The code uses digits and capital letters other than I, O, S, V and Z."
    )
    browser.check_page("members-new-en")


def test_a_first_key_note_opens_for_its_purpose_only_and_never_as_a_session(console: Console) -> None:
    seal = SessionSeal(console.secret, 3600)
    note = seal.seal_note("first-key", {"handle": "haixian", "key": "sy_x"}, 60)
    expired = seal.seal_note("first-key", {"handle": "haixian", "key": "sy_x"}, -1)
    _, session = seal.open_session(console.regulator_key)

    assert seal.open_note("first-key", note) == {"handle": "haixian", "key": "sy_x"}
    assert seal.open_note("other", note) is None
    assert seal.open_note("first-key", expired) is None
    assert seal.open_note("first-key", session) is None
    assert seal.read(note) is None
    assert SessionSeal(Fernet.generate_key(), 60).open_note("first-key", note) is None


def test_member_page_shows_its_lots_devices_alerts_and_incidents(browser: Browser) -> None:
    """Restaurant ``canteen`` received a lot, runs six devices (one more retired), one of its cold
    stores too warm, and its kitchen camera saw a cook without a chef hat."""
    pytest.importorskip("cv2")  # incidents are recorded as the camera pipeline records them
    from tests._kitchen import add_camera, record_incident

    api = browser.console.api
    api.add_org("haixian", "importer")
    api.add_org("canteen", "restaurant")
    assert api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian")).status_code == 201
    for handle, body in (
        ("haixian", {"action": "ship", "counterparty": "canteen"}),
        ("canteen", {"action": "receive", "location": "canteen 冷库"}),
    ):
        scan = {"batch_id": LOT, "location": f"{handle} store", **body}
        assert api.as_org(handle, "POST", "/v1/scans", json=scan).status_code == 201
    for n in range(1, 7):
        add_device(api, "canteen", {**COLD_STORE, "name": f"cs-0{n}", "location": "canteen 冷库"})
    assert api.as_org("canteen", "POST", "/v1/devices/cs-06/retire").status_code == 200
    record_incident(api, add_camera(api, "canteen"), "no_chef_hat", 60)
    api.mined()  # the ingestor writes behind the API's back
    feed = Feed(api, "canteen/cs-01")
    feed.celsius(-5.0, seconds_ago=700)
    feed.celsius(-4.0, seconds_ago=100)
    page = browser.sign_in()

    browser.open("/members/canteen")
    expect(page.get_by_role("heading", name="canteen Co.", level=1)).to_be_visible()
    lots = page.locator("section[aria-labelledby='lots-h']")
    expect(lots.get_by_role("link", name="L2026-001")).to_have_attribute(
        "href", f"/console/lots/{quote(LOT)}"
    )
    devices = page.locator("section[aria-labelledby='devices-h']")
    expect(devices.locator("h2 .badge")).to_have_text("5+")  # six in service, five shown
    expect(devices.locator("li")).to_have_count(5)
    expect(devices.locator("li").first).to_have_text("cam-1 canteen kitchen")
    expect(devices).not_to_contain_text("cs-06")  # retired
    alerts = page.locator("section[aria-labelledby='alerts-h']")
    expect(alerts.locator("h2 .badge")).to_have_text("1")
    expect(alerts.locator("li")).to_have_text([re.compile(r"^温度超标 canteen 冷库 · \d{4}-")])
    incidents = page.locator("section[aria-labelledby='incidents-h']")
    expect(incidents.locator("h2 .badge")).to_have_text("1")
    expect(incidents.locator("li")).to_have_text([re.compile(r"^未戴厨师帽 canteen kitchen · \d{4}-")])
    browser.check_page("member-with-data")

    devices.get_by_role("link", name="查看其全部设备").click()
    expect(page).to_have_url(re.compile(r"/console/devices\?org=canteen$"))
    expect(page.locator("main table tbody tr")).to_have_count(6 + 1)  # the retired one listed too
