"""A page plugs into the console: a throwaway domain page (its router, navigation item, template,
catalogue and dashboard card, kept outside the package) served beside the console's own, in a real
Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType

import pytest
from cryptography.fernet import Fernet
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from playwright.sync_api import expect

from regulator_console import DashboardCard, NavItem, mount_console
from regulator_console.pages import PAGES, kitchen, markets
from regulator_console.web import SignedIn, render
from tests.api.conftest import Api
from tests.console.conftest import ROOT, Browser, Console
from trace_api.app import create_app
from trace_api.server import start_server

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

TEMPLATE = """{% extends "base.html" %}
{% block title %}{{ _("Hygiene inspections") }}{% endblock %}
{% block main %}
<h1>{{ _("Hygiene inspections") }}</h1>
<p>{{ _("No inspection is due.") }}</p>
<p id="status">{{ status }}</p>
{% endblock %}
"""
CATALOGUE = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Language: zh_Hans_CN\\n"

msgid "Hygiene inspections"
msgstr "卫生检查"

msgid "Hygiene warnings"
msgstr "卫生警示"

msgid "No inspection is due."
msgstr "暂无到期的检查。"
"""


def inspections_page(folder: Path) -> ModuleType:
    """A domain page as a later domain writes one, in ``folder``."""
    (folder / "templates" / "inspections").mkdir(parents=True)
    (folder / "templates" / "inspections" / "page.html").write_text(TEMPLATE)
    (folder / "locale" / "zh" / "LC_MESSAGES").mkdir(parents=True)
    (folder / "locale" / "zh" / "LC_MESSAGES" / "inspections.po").write_text(CATALOGUE)
    router = APIRouter()

    @router.get("/inspections", response_class=HTMLResponse)
    async def inspections(request: Request, regulator: SignedIn, status: str = "") -> HTMLResponse:
        return render(request, "inspections/page.html", {"status": status}, regulator=regulator)

    page = ModuleType("inspections")
    page.router = router
    page.NAV = NavItem("/inspections", "Hygiene inspections", 80)
    page.DASHBOARD = (DashboardCard("hygiene_warning", "Hygiene warnings", "/inspections?status=open"),)
    page.TEMPLATES = folder / "templates"
    page.LOCALE = folder / "locale"
    return page


@pytest.fixture
def console_pages(tmp_path: Path) -> Sequence[ModuleType]:
    return (*PAGES, inspections_page(tmp_path / "inspections"))


@pytest.fixture
def console(api: Api, console_pages: Sequence[ModuleType]) -> Iterator[Console]:
    """The console serving ``console_pages``."""
    secret = Fernet.generate_key()
    app = create_app(api.services)
    mount_console(app, secret, node_modules=ROOT / "node_modules", pages=console_pages)
    url, stop = start_server(app, "127.0.0.1", 0)
    yield Console(url, api, secret)
    stop()


def test_a_domain_page_joins_the_navigation_the_layout_and_the_dashboard(browser: Browser) -> None:
    page = browser.sign_in()
    card = page.locator("section[aria-labelledby='alerts-h'] a.figure").filter(has_text="卫生警示")
    expect(card).to_have_attribute("href", "/console/inspections?status=open")
    expect(card.locator(".value")).to_have_text("0")
    every_card = [card for each in PAGES for card in getattr(each, "DASHBOARD", ())]
    expect(page.locator("section[aria-labelledby='alerts-h'] a.figure")).to_have_count(len(every_card) + 1)

    nav = page.get_by_role("navigation", name="栏目")
    expect(nav.get_by_role("link").last).to_have_text("卫生检查")  # ordered after the evidence page
    nav.get_by_role("link", name="卫生检查").click()
    expect(page).to_have_url(re.compile(r"/console/inspections$"))
    expect(page.get_by_role("heading", name="卫生检查", level=1)).to_be_visible()
    expect(page.get_by_text("暂无到期的检查。")).to_be_visible()
    expect(page).to_have_title("卫生检查 · 溯源监管平台")
    expect(nav.get_by_role("link", name="卫生检查")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()  # the base layout's header
    browser.check_page("plugged-page")

    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Hygiene inspections", level=1)).to_be_visible()
    page.goto(browser.console.at("/"))
    page.get_by_role("link", name=re.compile("Hygiene warnings")).click()
    expect(page).to_have_url(re.compile(r"/console/inspections\?status=open$"))
    expect(page.locator("#status")).to_have_text("open")


@pytest.mark.parametrize("console_pages", [tuple(p for p in PAGES if p not in (kitchen, markets))])
def test_a_kind_the_overview_counts_shows_even_when_no_page_names_it(browser: Browser) -> None:
    page = browser.sign_in()
    figures = page.locator("section[aria-labelledby='alerts-h'] a.figure")
    expect(figures.locator(".label")).to_have_text(
        [
            "温度超标",
            "冷库门未关",
            "设备失联",
            "维保超期电梯",
            "电梯故障",
            "无维保合同电梯",
            "红色风险预警",
            "橙色风险预警",
            "黄色风险预警",
            "蓝色风险预警",
            "kitchen_incident",
        ]
    )
    expect(figures.last).to_have_attribute("href", "/console/alerts?status=open&kind=kitchen_incident")
    expect(page.get_by_role("navigation", name="栏目").get_by_role("link", name="明厨亮灶")).to_have_count(0)
