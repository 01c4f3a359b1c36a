"""风险预警 in the console, in a real Chromium: open warnings by level, a warning's evidence records
linked to their verification pages, and its workflow (a note required at every step) to closed;
then English."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.console.conftest import Browser, Console
from tests.console.conftest import browser as browser  # fixtures of the console's page tests
from tests.console.conftest import console as console
from trace_api.risk import RiskEvaluator, default_rules

from .conftest import excursion

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_regulator_takes_a_warning_from_raised_to_closed(browser: Browser, console: Console) -> None:
    api = console.api
    api.add_org("coldstore", "importer")
    evidence = [excursion(api, "coldstore", day) for day in (0, 1, 2)]
    (warning,) = RiskEvaluator(api.services, default_rules()).run_once()

    page = browser.sign_in()
    page.get_by_role("link", name="风险预警").first.click()
    expect(page.get_by_role("heading", name="风险预警", exact=True)).to_be_visible()
    expect(page.locator("#level-orange")).to_have_text("1")
    row = page.get_by_role("row").filter(has_text=warning.id)
    expect(row).to_contain_text("同一企业冷链温度多次超标")
    expect(row).to_contain_text("待分派")
    browser.check_page("risk")

    row.get_by_role("link", name=warning.id).click()
    expect(page.get_by_role("heading", name=re.compile("同一企业冷链温度多次超标"))).to_be_visible()
    for record_id in evidence:
        expect(page.get_by_role("link", name=record_id)).to_have_attribute(
            "href", re.compile("/evidence/record")
        )
    page.get_by_role("button", name="办结预警").click()  # without a note
    expect(page.get_by_label("办结说明")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("承办监管单位（账号标识）").fill("samr")
    page.get_by_label("分派说明").fill("请核查该冷库的制冷设备。")
    page.get_by_role("button", name="分派").click()
    expect(page.get_by_role("status")).to_have_text("已分派，由承办单位处置。")
    page.get_by_label("处置情况").fill("现场检查：压缩机故障，已维修并复测合格。")
    page.get_by_role("button", name="记录处置情况").click()
    expect(page.get_by_role("status")).to_have_text("处置情况已记录，待办结。")
    browser.check_page("risk-warning")
    page.get_by_label("办结说明").fill("已整改到位。")
    page.get_by_role("button", name="办结预警").click()
    expect(page.locator("#warning-status")).to_have_text("已结案")
    expect(page.locator(".history li")).to_have_count(4)

    page.get_by_role("link", name=evidence[0]).click()
    expect(page).to_have_url(re.compile("/evidence/record"))
    page.goto(console.at(f"/risk/{warning.id}"))
    page.get_by_role("link", name="English").click()
    expect(
        page.get_by_role("heading", name=re.compile("Repeated cold-chain excursions at one firm"))
    ).to_be_visible()
    expect(page.locator("#warning-status")).to_have_text("Closed")
