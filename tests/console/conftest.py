"""The console served by a real uvicorn over the trace API (real anvil, SQLite, ledger), and a real
headless Chromium (Debian's, through Playwright) to use it.

Screenshots go to ``build/test-artifacts/console/`` (git-ignored): one per page at desktop, tablet
and phone width, taken by :func:`Browser.check_page`, which also fails on horizontal overflow, on
English left in a Chinese page, and on serious axe-core violations.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from playwright.sync_api import Browser as PwBrowser
from playwright.sync_api import Page, ViewportSize
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from regulator_console import mount_console
from regulator_console.i18n import catalogue
from tests.api.conftest import Api
from tests.api.conftest import api as api  # the trace API under the console (a fixture)
from trace_api.app import create_app
from trace_api.server import start_server

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "build" / "test-artifacts" / "console"
DESKTOP = ViewportSize(width=1280, height=800)
TABLET = ViewportSize(width=768, height=1024)
PHONE = ViewportSize(width=390, height=844)
#: axe-core impacts that fail a test.
FAILING_IMPACTS = ("serious", "critical")


@dataclass
class Console:
    """The served console: its base URL, the API underneath, and the session secret."""

    url: str
    api: Api
    secret: bytes

    @property
    def regulator_key(self) -> str:
        return self.api.regulator_key

    def at(self, path: str) -> str:
        return self.url + "/console" + path


@pytest.fixture
def console(api: Api) -> Iterator[Console]:
    secret = Fernet.generate_key()
    app = create_app(api.services)
    mount_console(app, secret, node_modules=ROOT / "node_modules")
    url, stop = start_server(app, "127.0.0.1", 0)
    yield Console(url, api, secret)
    stop()


#: English message ids that a Chinese page must not show (a few short ones, like "API", are words
#: both languages use).
def _english_messages() -> list[str]:
    ids = [message for message in catalogue("zh") if re.search(r"[A-Za-z]{3,}\s+[A-Za-z]{2,}", message)]
    return sorted((re.sub(r"%\(\w+\)s", "", m).strip() for m in ids), key=len, reverse=True)


#: Where a one-word English message would show as a label: headings, form labels, table headers,
#: buttons and navigation links (elsewhere such words are as often a member's own data).
LABELLING = "h1, h2, h3, label, th, button, nav a"


def _english_words() -> frozenset[str]:
    """One-word English message ids of four letters or more that a Chinese page must not show as
    a label, less those the Chinese itself uses (``GTIN`` in ``商品条码（GTIN）``)."""
    zh = catalogue("zh")
    chinese = {
        word
        for translation in zh.values()
        for text in (translation if isinstance(translation, tuple) else (translation,))
        for word in re.findall(r"[A-Za-z]+", text)
    }
    return frozenset(m for m in zh if re.fullmatch(r"[A-Za-z]{4,}", m) and m not in chinese)


def english_words_in(texts: list[str]) -> list[str]:
    """The one-word English messages that ``texts`` show as whole words standing alone: a word in
    a run of English words (``Frozen white shrimp``, ``Market Regulator``) is a member's own data,
    whose phrases are not the console's to translate."""
    words = _english_words()
    runs = (run for text in texts for run in re.findall(r"[A-Za-z]+(?:[ '.-]+[A-Za-z]+)*", text))
    return sorted({run for run in runs if run in words})


def _server_answer(url: str) -> str:
    """Whether the server answers ``url`` outside the browser: which of the two stalled."""
    started = time.monotonic()
    try:
        response = httpx.get(url, timeout=10)
    except httpx.HTTPError as exc:
        return f"outside the browser the server did not answer either ({exc!r})"
    took = time.monotonic() - started
    return f"outside the browser the server answered {response.status_code} in {took:.2f} s"


@dataclass
class Browser:
    """One browser context (its own cookies) and page, with the page checks every test shares."""

    page: Page
    console: Console
    request: pytest.FixtureRequest

    def open(self, path: str) -> Page:
        url = self.console.at(path)
        try:
            self.page.goto(url)
        except PlaywrightTimeout as exc:
            raise AssertionError(f"{url} did not load in the browser; {_server_answer(url)}") from exc
        return self.page

    def sign_in(self, key: str | None = None) -> Page:
        page = self.open("/signin")
        page.get_by_label("API 密钥").fill(key or self.console.regulator_key)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(re.compile(r".*/console/(\?.*)?$"))
        return page

    def check_page(self, name: str) -> None:
        """Screenshots at desktop, tablet and phone width; no horizontal overflow at any; no English
        message left in a Chinese page; no serious or critical axe-core violation."""
        page = self.page
        original = page.viewport_size
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for label, size in (("desktop", DESKTOP), ("tablet", TABLET), ("phone", PHONE)):
            page.set_viewport_size(size)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            page.screenshot(path=str(ARTIFACTS / f"{name}-{label}.png"), full_page=True)
            assert overflow <= 0, f"{name} at {label} width scrolls sideways by {overflow} px"
        if original is not None:
            page.set_viewport_size(original)
        if page.evaluate("document.documentElement.lang") == "zh-CN":
            text = page.inner_text("body")
            left = [m for m in _english_messages() if m and m in text]
            labels: list[str] = page.eval_on_selector_all(LABELLING, "found => found.map(e => e.innerText)")
            left += english_words_in(labels)
            assert not left, f"{name}: untranslated in the Chinese page: {left[:5]}"
        violations = self.axe()
        serious = [v for v in violations if v["impact"] in FAILING_IMPACTS]
        assert not serious, f"{name}: axe-core: " + json.dumps(
            [
                {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"][:3]]}
                for v in serious
            ],
            ensure_ascii=False,
        )

    def axe(self) -> list[dict[str, Any]]:
        """axe-core's violations for the page as it is now (WCAG 2.1 A and AA rules)."""
        self.page.evaluate(AXE.read_text())
        result: dict[str, Any] = self.page.evaluate(
            "axe.run(document, {runOnly: {type: 'tag', "
            "values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
        )
        return list(result["violations"])


@pytest.fixture
def browser(chromium: PwBrowser, console: Console, request: pytest.FixtureRequest) -> Iterator[Browser]:
    """A desktop-sized page in a fresh context (no cookies), Chinese by default."""
    context = chromium.new_context(viewport=DESKTOP, locale="zh-CN")
    # A page with its scripts loads in well under a second; on a loaded CI machine a navigation
    # (a goto, or a click that leads to another page) has taken more than ten. These bounds guard
    # against a hang; they measure no speed.
    context.set_default_timeout(30_000)
    context.set_default_navigation_timeout(30_000)
    outside: list[str] = []
    context.on("request", lambda r: outside.append(r.url) if not r.url.startswith(console.url) else None)
    problems: list[str] = []
    page = context.new_page()
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    yield Browser(page, console, request)
    context.close()
    assert not outside, f"the console loaded something from outside the app: {outside[:3]}"
    assert not [p for p in problems if "Content Security Policy" in p], problems
