"""Signing in to the phone scanner: who gets it, where the key is kept (only on the server), CSRF."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from regulator_console.sessions import SessionSeal
from scanners.pwa.signin import SESSION_COOKIE, scanner_secret
from tests.scanners.pwa.conftest import SHOP, Phone, Scanner, goods_at_shop
from tests.scanners.pwa.inspecting import inspector_with_parties

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _sealed(scanner: Scanner, key: str) -> str:
    _, cookie = SessionSeal(scanner_secret(scanner.secret), 3600).open_session(key)
    return cookie


def test_member_signs_in_and_out_and_the_key_stays_on_the_server(phone: Phone) -> None:
    api = phone.scanner.api
    goods_at_shop(api)
    key = api.keys[SHOP]
    page = phone.open("/")
    expect(page).to_have_url(re.compile(r"/scan/signin$"))
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    phone.check_page("signin")

    phone.sign_in(key)
    expect(page.locator("#who")).to_have_text("shop Co.")
    phone.wait_offline_ready()
    cookie = next(c for c in phone.context.cookies() if c["name"] == SESSION_COOKIE)
    assert (cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (True, "Strict", "/scan")
    assert cookie["expires"] > 0  # a session with an end, not a browser-lifetime cookie
    assert key not in cookie["value"]
    kept = phone.stored()
    assert kept["cached"], "the service worker keeps the app"
    assert key not in str(kept), "the API key is in the phone's storage"
    assert "shop" in str(kept["databases"])  # who is signed in is kept for offline use, not the key
    assert key not in page.content()
    phone.check_page("shell")

    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    assert not [c for c in phone.context.cookies() if c["name"] == SESSION_COOKIE]
    page.goto(phone.scanner.at("/"))
    expect(page).to_have_url(re.compile(r"/scan/signin$"))


def test_regulators_unknown_keys_and_suspended_members_do_not_get_the_scanner(phone: Phone) -> None:
    api = phone.scanner.api
    page = phone.open("/signin")
    page.get_by_label("API 密钥").fill(api.regulator_key)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("监管人员请使用监管平台")
    expect(page.get_by_role("link", name="前往监管平台")).to_have_attribute("href", "/console/signin")

    page.get_by_label("API 密钥").fill("sk_nothing_like_a_key")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_have_text("该 API 密钥不存在或已被吊销。")

    api.add_org("gone", "retailer")
    suspended = api.as_org("samr", "POST", "/v1/organisations/gone/suspend", json={"reason": "Closed"})
    assert suspended.status_code == 200, suspended.text
    page.get_by_label("API 密钥").fill(api.keys["gone"])
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_have_text("该单位已被暂停：其密钥无法登录。")
    assert not [c for c in phone.context.cookies() if c["name"] == SESSION_COOKIE]

    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("link", name="中文")).to_be_visible()
    phone.check_page("signin-en")


def test_writes_need_the_sessions_csrf_token_and_a_session(scanner: Scanner) -> None:
    scanner.api.add_org("shop", "retailer")
    sealed = _sealed(scanner, scanner.api.keys["shop"])
    body: dict[str, list[object]] = {"scans": []}
    with httpx.Client(base_url=scanner.url) as client:
        nobody = client.post("/scan/api/sync", json=body, headers={"X-CSRF-Token": "x"})
        client.cookies.set(SESSION_COOKIE, sealed, path="/scan")
        me = client.get("/scan/api/me")
        missing = client.post("/scan/api/sync", json=body)
        wrong = client.post("/scan/api/sync", json=body, headers={"X-CSRF-Token": "not-the-token"})
        signout = client.post("/scan/signout", data={"csrf": "not-the-token"})
        regulator = _sealed(scanner, scanner.api.regulator_key)
        client.cookies.set(SESSION_COOKIE, regulator, path="/scan")
        as_regulator = client.get("/scan/api/me")
        signin_without_token = client.post("/scan/signin", data={"api_key": scanner.api.keys["shop"]})

    assert nobody.status_code == 401
    assert nobody.headers["content-type"] == "application/problem+json"
    assert me.status_code == 200
    assert me.json()["org"]["handle"] == "shop"
    assert "key" not in str(me.json()).lower().replace("api_key", "")
    assert scanner.api.keys["shop"] not in me.text
    assert (missing.status_code, wrong.status_code, signout.status_code) == (403, 403, 403)
    assert as_regulator.status_code == 401  # a regulator's session (made outside the form) gets nothing
    assert signin_without_token.status_code == 403
    assert SESSION_COOKIE not in signin_without_token.cookies


def test_every_answer_forbids_outside_content_and_the_reader_is_served_locally(scanner: Scanner) -> None:
    with httpx.Client(base_url=scanner.url) as client:
        page = client.get("/scan/signin")
        reader = client.get("/scan/vendor/zxing/reader/index.js")
        shared = client.get("/scan/vendor/zxing/share.js")
        wasm = client.get("/scan/vendor/zxing/zxing_reader.wasm")
        unknown = client.get("/scan/vendor/../package.json")
        worker = client.get("/scan/sw.js")
        manifest = client.get("/scan/manifest.webmanifest")
        root = client.get("/scan", follow_redirects=False)

    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self' 'wasm-unsafe-eval'" in csp
    assert "connect-src 'self'" in csp
    assert page.headers["cache-control"] == "no-store"
    assert (reader.status_code, reader.headers["content-type"].split(";")[0]) == (200, "text/javascript")
    assert shared.status_code == 200
    assert (wasm.status_code, wasm.headers["content-type"]) == (200, "application/wasm")
    assert wasm.content[:4] == b"\0asm"
    assert unknown.status_code == 404
    assert worker.headers["content-type"].startswith("text/javascript")
    assert "/scan/vendor/zxing/zxing_reader.wasm" in worker.text
    assert manifest.json()["start_url"] == "/scan/"
    assert manifest.json()["name"] == "溯源扫码"
    assert {icon["sizes"] for icon in manifest.json()["icons"]} >= {"192x192", "512x512"}
    assert (root.status_code, root.headers["location"]) == (308, "/scan/")


def test_partners_to_ship_to_are_other_members_that_take_goods(scanner: Scanner) -> None:
    for handle, kind in (("shop", "retailer"), ("shop2", "retailer"), ("shop-office", "regulator")):
        scanner.api.add_org(handle, kind)
    with httpx.Client(base_url=scanner.url) as client:
        client.cookies.set(SESSION_COOKIE, _sealed(scanner, scanner.api.keys["shop"]), path="/scan")
        found = client.get("/scan/api/partners", params={"q": "shop"})
        empty = client.get("/scan/api/partners", params={"q": ""})

    assert found.json() == {"partners": [{"handle": "shop2", "name": "shop2 Co.", "org_type": "retailer"}]}
    assert empty.status_code == 422


def test_an_inspectors_key_gets_the_inspection_mode_and_only_it_records_inspections(
    scanner: Scanner,
) -> None:
    key = inspector_with_parties(scanner.api, "mianguan")
    scanner.api.add_org("shop", "retailer")
    inspection = {"inspection": '{"client_id": "phone-0001", "template": "catering"}'}
    with httpx.Client(base_url=scanner.url) as client:
        form = client.get("/scan/signin")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert token is not None
        signed_in = client.post("/scan/signin", data={"api_key": key, "csrf": token.group(1)})
        shell = client.get("/scan/")
        me = client.get("/scan/api/me").json()
        parties = client.get("/scan/api/enforcement/parties", params={"q": "mian"})
        templates = client.get("/scan/api/enforcement/templates")
        unchecked = client.post(
            "/scan/api/enforcement/inspections", data=inspection, headers={"X-CSRF-Token": me["csrf"]}
        )
        client.cookies.set(SESSION_COOKIE, _sealed(scanner, scanner.api.keys["shop"]), path="/scan")
        member = client.get("/scan/api/me").json()
        as_member = client.post(
            "/scan/api/enforcement/inspections", data=inspection, headers={"X-CSRF-Token": member["csrf"]}
        )
        member_shell = client.get("/scan/")

    assert (signed_in.status_code, signed_in.headers["location"]) == (303, "/scan/")
    assert 'src="/scan/assets/inspect.js"' in shell.text
    assert me["inspector"] == {"name": "王建国", "badge_no": me["inspector"]["badge_no"]}
    found = {"handle": "mianguan", "name": "mianguan Co.", "org_type": "restaurant"}
    assert parties.json() == {"parties": [found]}
    assert {t["code"] for t in templates.json()["templates"]} >= {"catering"}
    assert unchecked.status_code == 422  # the API's own check, passed on
    assert {e["field"] for e in unchecked.json()["errors"]} >= {"inspection.party", "inspection.findings"}
    assert (as_member.status_code, member["inspector"]) == (403, None)
    assert 'src="/scan/assets/app.js"' in member_shell.text
