"""Sign-in, sessions and CSRF: who gets the console's pages, in a real Chromium and over plain HTTP."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import expect

from regulator_console.sessions import SESSION_COOKIE, SessionSeal
from tests.api.conftest import Api, batch_payload
from tests.console.conftest import Browser, Console

#: The console fixture's session lifetime (``mount_console``'s default).
SESSION_MINUTES = 480

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _sealed(console: Console, key: str, *, started: float | None = None) -> str:
    _, cookie = SessionSeal(console.secret, 3600).open_session(key, now=started)
    return cookie


def test_regulator_signs_in_switches_language_and_signs_out(browser: Browser) -> None:
    page = browser.open("/")
    expect(page).to_have_url(re.compile(r"/console/signin\?next=/console/"))
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    browser.check_page("signin")

    browser.sign_in()
    expect(page.get_by_role("heading", name="总览")).to_be_visible()
    expect(page.get_by_text("Market Regulator")).to_be_visible()
    cookie = next(c for c in page.context.cookies() if c["name"] == SESSION_COOKIE)
    assert (cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (True, "Strict", "/console")
    assert browser.console.regulator_key not in cookie["value"]  # sealed, not readable
    assert abs(cookie["expires"] - (time.time() + SESSION_MINUTES * 60)) < 120  # the session's lifetime
    browser.check_page("dashboard")

    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    browser.check_page("dashboard-en")
    page.get_by_role("link", name="中文").click()
    expect(page.get_by_role("heading", name="总览")).to_be_visible()

    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    assert not [c for c in page.context.cookies() if c["name"] == SESSION_COOKIE]
    page.goto(browser.console.at("/"))
    expect(page).to_have_url(re.compile(r"/console/signin"))


def test_unknown_and_member_keys_are_refused_at_sign_in(browser: Browser) -> None:
    api = browser.console.api
    api.add_org("haixian", "importer")
    page = browser.open("/signin")
    page.get_by_label("API 密钥").fill("sk_nothing_like_a_key")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_have_text("该 API 密钥不存在或已被吊销。")

    page.get_by_label("API 密钥").fill(api.keys["haixian"])
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("不是市场监管部门")
    assert not [c for c in page.context.cookies() if c["name"] == SESSION_COOKIE]


def test_a_member_keys_session_an_expired_one_and_a_forged_one_get_no_data(console: Console) -> None:
    console.api.add_org("haixian", "importer")
    with httpx.Client(base_url=console.url, timeout=30) as client:
        client.cookies.set(SESSION_COOKIE, _sealed(console, console.api.keys["haixian"]), path="/console")
        member = client.get("/console/")
        client.cookies.set(
            SESSION_COOKIE, _sealed(console, console.regulator_key, started=time.time() - 7200)
        )
        expired = client.get("/console/")
        client.cookies.set(SESSION_COOKIE, _sealed(console, console.regulator_key)[:-4] + "AAAA")
        forged = client.get("/console/")
        client.cookies.clear()
        htmx = client.get("/console/", headers={"HX-Request": "true"})

    assert member.status_code == 403
    assert "不是市场监管部门" in member.text
    assert "ledger" not in member.text.lower()
    for refused in (expired, forged):
        assert refused.status_code == 303
        assert refused.headers["location"] == "/console/signin?next=/console/"
    assert (htmx.status_code, htmx.headers["hx-redirect"]) == (401, "/console/signin?next=/console/")


def _inspector_and_device_keys(api: Api) -> dict[str, str]:
    """An inspector's key and a device's key of the regulator ``samr``, by kind."""
    body = {"name": "王建国", "badge_no": "3100000001"}
    inspector = api.as_org("samr", "POST", "/v1/enforcement/inspectors", json=body)
    assert inspector.status_code == 201, inspector.text
    device = api.as_org("samr", "POST", "/v1/organisations/me/keys", params={"kind": "device"})
    assert device.status_code == 201, device.text
    return {"inspector": inspector.json()["api_key"], "device": device.json()["api_key"]}


#: What the console says to each kind of key it refuses, samr being "Market Regulator".
REFUSED_KEYS = {
    "inspector": "这是Market Regulator执法人员的密钥，只能记录检查。请使用本单位的成员 API 密钥登录。",
    "device": "这是Market Regulator设备的密钥，只能代表该设备。请使用本单位的成员 API 密钥登录。",
}


def test_a_regulators_inspector_and_device_keys_are_refused_at_sign_in(browser: Browser) -> None:
    keys = _inspector_and_device_keys(browser.console.api)
    page = browser.open("/signin")
    for kind, key in keys.items():
        page.get_by_label("API 密钥").fill(key)
        page.get_by_role("button", name="登录").click()
        expect(page.get_by_role("alert")).to_have_text(REFUSED_KEYS[kind])
        expect(page.get_by_role("heading", name="登录")).to_be_visible()
        assert not [c for c in page.context.cookies() if c["name"] == SESSION_COOKIE], kind
    browser.check_page("signin-inspector-key")
    page.get_by_role("link", name="English").click()
    page.get_by_label("API key").fill(keys["inspector"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text(
        "This is an inspector's key of Market Regulator: it records inspections only. "
        "Sign in with the organisation's member API key."
    )


def test_a_session_sealed_for_an_inspector_or_device_key_gets_no_data(console: Console) -> None:
    """The sign-in refuses such keys; a session cookie holding one anyway (made under the console's
    secret) is refused on every page, though the API lists lots to the device key."""
    api = console.api
    api.add_org("haixian", "importer")
    assert api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian")).status_code == 201
    keys = _inspector_and_device_keys(api)
    for kind, key in keys.items():
        # The API lists lots to a device's key (an inspector's acts on inspections only): for the
        # device's, only the console's check stands in the way.
        listed = api.client.get("/v1/batches", headers={"Authorization": f"Bearer {key}"})
        shown = {"device": (200, True), "inspector": (403, False)}[kind]
        assert (listed.status_code, "L2026-001" in listed.text) == shown, kind
        with httpx.Client(base_url=console.url, timeout=30) as client:
            client.cookies.set(SESSION_COOKIE, _sealed(console, key), path="/console")
            for path in ("/", "/lots", "/lots?lot=L2026-001", "/members/haixian", "/map"):
                answer = client.get("/console" + path)
                main = answer.text.partition("<main")[2].partition("</main>")[0]
                assert answer.status_code == 403, (kind, path)
                assert REFUSED_KEYS[kind] in main, (kind, path)
                assert "L2026-001" not in main, (kind, path)
                assert "haixian" not in main, (kind, path)
            signout = client.post("/console/signout", data={"csrf": "anything"})
            assert signout.status_code == 403, kind


def _inject_session(browser: Browser, cookie: str) -> None:
    """Puts a sealed session cookie in the browser, as the console would have set it."""
    host = urlsplit(browser.console.url).hostname or "127.0.0.1"
    browser.page.context.add_cookies(
        [{"name": SESSION_COOKIE, "value": cookie, "domain": host, "path": "/console",
          "httpOnly": True, "sameSite": "Strict"}]
    )  # fmt: skip


def test_a_member_keys_session_gets_the_not_allowed_page_in_the_browser(browser: Browser) -> None:
    api = browser.console.api
    api.add_org("haixian", "importer")
    assert api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian")).status_code == 201
    _inject_session(browser, _sealed(browser.console, api.keys["haixian"]))

    for path in ("/", "/lots", "/members/haixian"):
        answer = browser.page.goto(browser.console.at(path))
        assert answer is not None
        assert answer.status == 403, path
        page = browser.page
        expect(page.get_by_role("heading", name="无权操作", level=1)).to_be_visible()
        expect(page.get_by_role("alert")).to_have_text(
            "haixian Co.不是市场监管部门：监管平台仅供监管部门使用。"
        )
        expect(page.get_by_role("navigation", name="栏目")).to_have_count(0)
        expect(page.locator("main")).not_to_contain_text("L2026-001")
        expect(page.locator("main")).not_to_contain_text("证据账本")
    browser.check_page("not-a-regulator")


def test_an_expired_session_is_sent_to_sign_in_in_the_browser(browser: Browser) -> None:
    console = browser.console
    _inject_session(browser, _sealed(console, console.regulator_key, started=time.time() - 3601))

    page = browser.open("/lots?lot=L2026-001")
    expect(page).to_have_url(re.compile(r"/console/signin\?next=/console/lots%3Flot%3DL2026-001$"))
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    expect(page.get_by_role("navigation", name="栏目")).to_have_count(0)
    assert not [c for c in page.context.cookies() if c["name"] == SESSION_COOKIE]  # dropped
    page.get_by_label("API 密钥").fill(console.regulator_key)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/console/lots\?lot=L2026-001$"))  # back where it was going


def test_a_form_sent_without_its_csrf_token_is_refused_in_the_browser(browser: Browser) -> None:
    page = browser.sign_in()
    signout = page.locator("form[action='/console/signout']")
    signout.locator("input[name=csrf]").evaluate("input => input.remove()")
    signout.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("heading", name="无权操作", level=1)).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("表单不是从本平台提交的")
    page.goto(browser.console.at("/"))
    expect(page.get_by_role("heading", name="总览")).to_be_visible()  # still signed in: nothing was done


def test_writes_without_the_sessions_csrf_token_are_refused(console: Console) -> None:
    with httpx.Client(base_url=console.url, timeout=30) as client:
        client.cookies.set(SESSION_COOKIE, _sealed(console, console.regulator_key), path="/console")
        missing = client.post("/console/signout", data={})
        wrong = client.post("/console/signout", data={"csrf": "not-the-token"})
        assert client.get("/console/").status_code == 200  # still signed in
        signin_without_token = client.post("/console/signin", data={"api_key": console.regulator_key})

    assert (missing.status_code, wrong.status_code) == (403, 403)
    assert "表单不是从本平台提交的" in missing.text
    assert signin_without_token.status_code == 403
    assert SESSION_COOKIE not in signin_without_token.cookies


def test_every_answer_forbids_outside_content_and_caching(console: Console) -> None:
    with httpx.Client(base_url=console.url, timeout=30) as client:
        page = client.get("/console/signin")
        script = client.get("/console/vendor/htmx.min.js")
        unknown = client.get("/console/vendor/..%2Fpackage.json")
        bounce = client.get("/console/lang/en", params={"next": "https://example.com/"})

    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert page.headers["cache-control"] == "no-store"
    assert (script.status_code, script.headers["content-type"].split(";")[0]) == (200, "text/javascript")
    assert unknown.status_code == 404
    assert bounce.headers["location"] == "/console/"  # never an open redirect


def test_keyboard_alone_signs_in_and_reaches_the_navigation(browser: Browser) -> None:
    page = browser.open("/signin")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="跳到正文")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.get_by_label("API 密钥")).to_be_focused()
    page.keyboard.type(browser.console.regulator_key)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="总览")).to_be_visible()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the skip link
    expect(page.locator("main")).to_be_focused()


def test_a_suspended_regulator_cannot_sign_in(browser: Browser) -> None:
    api = browser.console.api
    api.add_org("samr-pudong", "regulator")
    suspended = api.as_org("samr", "POST", "/v1/organisations/samr-pudong/suspend", json={"reason": "Merged"})
    assert suspended.status_code == 200, suspended.text
    page = browser.open("/signin")
    page.get_by_label("API 密钥").fill(api.keys["samr-pudong"])
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_have_text("该单位已被暂停：其密钥无法登录。")
