"""The phone scanner served by a real uvicorn over the trace API (real anvil, SQLite, ledger), used
from a real headless Chromium at phone width.

Goods for the scanner come through the API as a member would make them: an importer admits a lot,
issues its item codes and ships it to a retailer, who receives it. Screenshots go to
``build/test-artifacts/scanner/`` (git-ignored).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from playwright.sync_api import Browser as PwBrowser
from playwright.sync_api import BrowserContext, Page, expect

from scanners.pwa import mount_scanner
from scanners.pwa.i18n import messages
from tests.api.conftest import Api, batch_payload
from tests.api.conftest import api as api  # the trace API under the scanner (a fixture)
from tests.console.conftest import AXE, FAILING_IMPACTS, PHONE, ROOT
from trace_api.app import create_app
from trace_api.server import start_server

ARTIFACTS = ROOT / "build" / "test-artifacts" / "scanner"
SHOP = "shop"


@dataclass
class Scanner:
    """The served scanner: its base URL, the API underneath, and the session secret."""

    url: str
    api: Api
    secret: bytes

    def at(self, path: str) -> str:
        return self.url + "/scan" + path


@pytest.fixture
def scanner(api: Api) -> Iterator[Scanner]:
    secret = Fernet.generate_key()
    app = create_app(api.services)
    mount_scanner(app, secret, node_modules=ROOT / "node_modules")
    url, stop = start_server(app, "127.0.0.1", 0)
    yield Scanner(url, api, secret)
    stop()


@dataclass
class Goods:
    """A lot held by the retailer ``shop`` and its item codes (GS1 Digital Link URIs)."""

    batch_id: str
    codes: list[str]


def goods_at_shop(api: Api, count: int = 6) -> Goods:
    """An importer's lot with ``count`` item codes, shipped to and received by the retailer ``shop``
    (a second retailer, ``shop2``, holds nothing)."""
    for handle, kind in (("haixian", "importer"), (SHOP, "retailer"), ("shop2", "retailer")):
        api.add_org(handle, kind)
    admitted = api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian"))
    assert admitted.status_code == 201, admitted.text
    batch_id = admitted.json()["id"]
    issued = api.as_org("haixian", "POST", f"/v1/batches/{batch_id}/codes", json={"count": count})
    assert issued.status_code == 201, issued.text
    for handle, body in (
        ("haixian", {"action": "ship", "batch_id": batch_id, "counterparty": SHOP}),
        (SHOP, {"action": "receive", "batch_id": batch_id}),
    ):
        moved = api.as_org(handle, "POST", "/v1/scans", json={"location": "Shanghai", **body})
        assert moved.status_code == 201, moved.text
    return Goods(batch_id, [str(code) for code in issued.json()["codes"]])


def recorded_scans(api: Api, handle: str, action: str) -> list[dict[str, Any]]:
    """The organisation's scans of ``action`` as the API lists them (``GET /v1/scans``)."""
    answer = api.as_org(handle, "GET", "/v1/scans", params={"action": action})
    assert answer.status_code == 200, answer.text
    return list(answer.json()["scans"])


@dataclass
class Phone:
    """One browser context (its own cookies, storage and service worker) and page at phone width."""

    context: BrowserContext
    page: Page
    scanner: Scanner
    outside: list[str] = field(default_factory=list)

    def open(self, path: str = "/") -> Page:
        self.page.goto(self.scanner.at(path))
        return self.page

    def sign_in(self, key: str) -> Page:
        page = self.open("/signin")
        page.get_by_label("API 密钥").fill(key)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(re.compile(r".*/scan/$"))
        self.wait_ready()
        return page

    def wait_ready(self) -> None:
        """Until the app has asked who is signed in and drawn its queue."""
        self.page.wait_for_function("() => document.body.dataset.ready === 'true'")

    def wait_offline_ready(self) -> None:
        """Until the service worker controls the page (the app then opens without a network)."""
        self.page.wait_for_function("() => navigator.serviceWorker.controller !== null")

    def choose(self, action: str, place: str = "Till 1", partner: str | None = None) -> None:
        page = self.page
        page.get_by_role("radio", name=action).check()
        page.get_by_label("地点", exact=True).fill(place)
        page.get_by_label("地点", exact=True).dispatch_event("change")
        if partner is not None:
            page.get_by_label("发往（对方单位标识）").fill(partner)
            page.get_by_label("发往（对方单位标识）").dispatch_event("change")

    def type_code(self, text: str) -> None:
        field = self.page.get_by_label(re.compile("或手动输入追溯码"))
        field.fill(text)
        field.press("Enter")
        expect(field).to_have_value("")

    def show(self, tab: str) -> None:
        self.page.get_by_role("button", name=re.compile(tab)).click()

    def count(self, state: str) -> Any:
        return self.page.locator(f"#n-{state}")

    def stored(self) -> dict[str, Any]:
        """Everything the page can read of what the phone keeps: cookies visible to scripts, local and
        session storage, every IndexedDB record, and every response the service worker cached."""
        found: dict[str, Any] = self.page.evaluate(STORAGE_DUMP)
        return found

    def check_page(self, name: str) -> None:
        """A screenshot at phone width; no horizontal overflow; no message of the catalogue left in
        English on a Chinese page; no serious or critical axe-core violation."""
        page = self.page
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}-phone.png"), full_page=True)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} scrolls sideways by {overflow} px at phone width"
        if page.evaluate("document.documentElement.lang") == "zh-CN":
            text = page.inner_text("body")
            left = [m for m in _english_messages() if m in text]
            assert not left, f"{name}: untranslated in the Chinese page: {left[:5]}"
        page.evaluate(AXE.read_text())
        result = page.evaluate(AXE_RUN)
        serious = [v for v in result["violations"] if v["impact"] in FAILING_IMPACTS]
        assert not serious, f"{name}: axe-core: " + json.dumps(
            [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"][:3]]} for v in serious],
            ensure_ascii=False,
        )


def _english_messages() -> list[str]:
    """The catalogue's English messages of two words or more, without their placeholders."""
    ids = [m for m in messages("zh") if re.search(r"[A-Za-z]{3,}\s+[A-Za-z]{2,}", m)]
    return [part.strip() for m in ids for part in re.split(r"%\(\w+\)s", m) if len(part.strip()) > 6]


#: axe-core's WCAG 2.1 A and AA rules, as the console's page checks run them.
AXE_RUN = "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"

STORAGE_DUMP = """async () => {
  const databases = {};
  for (const info of await indexedDB.databases()) {
    const db = await new Promise((ok, no) => {
      const r = indexedDB.open(info.name);
      r.onsuccess = () => ok(r.result);
      r.onerror = () => no(r.error);
    });
    for (const name of db.objectStoreNames) {
      const all = db.transaction(name).objectStore(name).getAll();
      databases[info.name + "/" + name] = await new Promise((ok) => (all.onsuccess = () => ok(all.result)));
    }
    db.close();
  }
  const cached = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const body = await (await cache.match(request)).clone().text();
      cached.push({url: request.url, body});
    }
  }
  return {
    cookie: document.cookie,
    local: Object.fromEntries(Object.entries(localStorage)),
    session: Object.fromEntries(Object.entries(sessionStorage)),
    databases,
    cached,
  };
}"""


def new_phone(browser: PwBrowser, scanner: Scanner) -> Phone:
    context = browser.new_context(viewport=PHONE, locale="zh-CN", service_workers="allow")
    # A loaded CI machine has taken more than ten seconds to load a page: waits are bounded at 30 s,
    # as a guard against a hang, not as a measure of speed.
    context.set_default_timeout(30_000)
    context.set_default_navigation_timeout(30_000)
    phone = Phone(context, context.new_page(), scanner)
    context.on(
        "request", lambda r: phone.outside.append(r.url) if not r.url.startswith(scanner.url) else None
    )
    return phone


@pytest.fixture
def phone(chromium: PwBrowser, scanner: Scanner) -> Iterator[Phone]:
    """A phone-sized page in a fresh context (no cookies, no storage), Chinese by default."""
    problems: list[str] = []
    phone = new_phone(chromium, scanner)
    phone.page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    yield phone
    phone.context.close()
    assert not phone.outside, f"the scanner loaded something from outside the app: {phone.outside[:3]}"
    assert not [p for p in problems if "Content Security Policy" in p], problems


def write_y4m(path: Path, luma: list[list[int]], frames: int = 3) -> None:
    """A YUV4MPEG2 (4:2:0) video of ``frames`` identical grey frames, each row of ``luma`` a row of
    pixels (0 black to 255 white), for Chromium's fake camera."""
    height, width = len(luma), len(luma[0])
    assert (width % 2, height % 2) == (0, 0), "4:2:0 needs even sides"
    header = f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode()
    y_plane = bytes(value for row in luma for value in row)
    chroma = bytes([128]) * (width // 2 * height // 2)
    with path.open("wb") as video:
        video.write(header)
        for _ in range(frames):
            video.write(b"FRAME\n" + y_plane + chroma + chroma)
