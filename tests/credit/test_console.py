"""企业信用分级 in the console, in a real Chromium: the grades with a filter, one firm's
explanation, a month's inspection plan drawn at random, and a credit repair accepted."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.console.conftest import Browser, Console
from tests.console.conftest import browser as browser  # fixtures of the console's page tests
from tests.console.conftest import console as console
from tests.credit.conftest import Credit

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_regulator_reads_grades_draws_a_plan_and_accepts_a_repair(
    browser: Browser, console: Console, credit: Credit
) -> None:
    api = credit.api
    credit.org("good-shop", "retailer")
    credit.alert("good-shop", "door_open")
    credit.org("lapsed-diner")
    _, detected = credit.incident("lapsed-diner")
    for _ in range(3):
        credit.incident("lapsed-diner")
    credit.regrade()
    credit.inspectors("王强 31001", "李娜 31002", "张伟 31003")

    page = browser.sign_in()
    page.get_by_role("link", name="信用分级").click()
    expect(page.get_by_role("heading", name="信用分级", exact=True)).to_be_visible()
    expect(page.get_by_role("row")).to_have_count(3)
    page.get_by_label("等级", exact=True).select_option("B")
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_role("row")).to_have_count(2)
    browser.check_page("credit-grades")

    page.get_by_role("link", name="lapsed-diner Co.").click()
    expect(page.locator("#grade")).to_have_text("B")
    expect(page.locator("#score")).to_have_text("76")
    expect(page.get_by_role("row").filter(has_text="明厨亮灶违规及整改")).to_contain_text(detected)
    browser.check_page("credit-explanation")

    page.goto(console.at("/credit/plans"))
    page.get_by_label("月份（YYYY-MM）").fill("2026-13")
    roster = page.get_by_label("执法人员（每行一名）")
    roster.fill("王强 31001\n李娜\n赵六")
    page.get_by_role("button", name="抽取").click()
    expect(page.get_by_label("月份（YYYY-MM）")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("月份（YYYY-MM）").fill("2026-04")
    page.get_by_role("button", name="抽取").click()
    expect(roster).to_have_attribute("aria-invalid", "true")  # 赵六 is no inspector of samr
    expect(page.get_by_role("alert")).to_contain_text("'赵六' is not a registered inspector of samr")
    roster.fill("")  # every registered inspector
    page.get_by_role("button", name="抽取").click()
    plan = page.locator(".plan")
    expect(plan).to_have_count(1)
    expect(plan).to_contain_text("lapsed-diner")  # of the two B firms, ceil(2 × 2 / 12) = 1 drawn
    expect(plan).to_contain_text(re.compile("王强 31001|李娜 31002|张伟 31003"))
    browser.check_page("credit-plans")

    proof = api.upload("lapsed-diner", b"%PDF-1.4 rectification", "整改报告.pdf")
    applied = api.as_org(
        "lapsed-diner",
        "POST",
        "/v1/credit/repairs",
        json={"statement": "已全部整改并完成员工培训。", "evidence": [proof]},
    )
    assert applied.status_code == 201, applied.text
    page.goto(console.at("/credit/repairs"))
    expect(page.locator(".repair")).to_contain_text("已全部整改并完成员工培训。")
    page.get_by_label("审核意见").fill("整改到位，同意修复。")
    page.get_by_role("button", name="同意修复").click()
    expect(page.get_by_role("status")).to_have_text("已同意修复：信用等级已重新评定。")
    browser.check_page("credit-repairs")
    page.goto(console.at("/credit/orgs/lapsed-diner"))
    expect(page.locator("#grade")).to_have_text("A")
    expect(page.get_by_role("heading", name=re.compile("lapsed-diner"))).to_be_visible()
