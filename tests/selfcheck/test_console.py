"""企业自查 in the console, in a real Chromium: completion per area and firm, the on-site inspection
task a hurried submission opened (awaiting an inspector, then done by an inspection naming it),
and a rectification's remote review (an opinion required, rejected, rectified again, accepted),
then English."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.api.conftest import Api
from tests.console.conftest import Browser, Console
from tests.console.conftest import browser as browser  # fixtures of the console's page tests
from tests.console.conftest import console as console
from tests.enforcement.conftest import Enforcement
from tests.enforcement.conftest import enforcement as enforcement  # a fixture
from tests.selfcheck.conftest import Selfcheck

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_regulator_reads_completion_and_tasks_and_reviews_a_rectification(
    browser: Browser, console: Console, api: Api, selfcheck: Selfcheck, enforcement: Enforcement
) -> None:
    # The console's API runs on the system clock: the campaign runs today.
    selfcheck.clock.now = dt.datetime.now(dt.UTC)
    today = selfcheck.clock.now.astimezone(ZoneInfo("Asia/Shanghai")).date()
    api.add_org("laozhengxing", "restaurant")
    api.add_org("xinghualou", "restaurant")
    days = {"starts_on": today.isoformat(), "ends_on": (today + dt.timedelta(days=30)).isoformat()}
    campaign = selfcheck.campaign(selfcheck.checklist()["id"], title="餐饮日常自查", **days)["id"]
    failing = selfcheck.answers("laozhengxing", failing=("cold_storage",))
    [rectification] = selfcheck.submitted("laozhengxing", campaign, answers=failing)["rectifications"]
    selfcheck.submitted("xinghualou", campaign, seconds=5)
    path = f"/rectifications/{rectification}/evidence"
    selfcheck.ok(
        selfcheck.post(
            "laozhengxing", path, {"note": "已维修冷藏柜", "evidence": [selfcheck.photo("laozhengxing")]}
        )
    )

    page = browser.sign_in()
    page.get_by_role("link", name="企业自查").click()
    expect(page.get_by_role("heading", name="企业自查", exact=True)).to_be_visible()
    expect(page.locator("#area-completion")).to_contain_text("应报 2 次，已报 2 次（100%）")
    expect(page.get_by_role("row").filter(has_text="laozhengxing Co.")).to_contain_text("100%")
    expect(page.locator(".tasks li")).to_contain_text("自查用时过短")
    expect(page.locator(".tasks li")).to_contain_text("xinghualou")
    expect(page.locator(".tasks li")).to_contain_text("待现场检查")
    browser.check_page("selfcheck")

    enforcement.inspector("wang")
    [task] = api.as_org("wang", "GET", "/v1/enforcement/tasks").json()["tasks"]
    inspected = enforcement.recorded("wang", "xinghualou", task=task["id"])
    page.reload()
    expect(page.locator(".tasks li.done")).to_contain_text(f"已由现场检查 {inspected['id']} 完成")

    page.get_by_label("任务名称").fill("节前专项自查")
    page.get_by_label("频次").select_option("once")
    page.get_by_label("开始日期").fill(today.isoformat())
    page.get_by_label("截止日期").fill((today - dt.timedelta(days=1)).isoformat())
    page.get_by_role("button", name="发起任务").click()
    expect(page.get_by_label("截止日期")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("任务名称")).to_have_value("节前专项自查")
    page.get_by_label("截止日期").fill((today + dt.timedelta(days=7)).isoformat())
    page.get_by_role("button", name="发起任务").click()
    expect(page.get_by_role("status")).to_have_text("自查任务已发起，相关企业即可提交。")
    expect(page.get_by_role("heading", name=re.compile("节前专项自查"))).to_be_visible()
    opened = api.as_org("samr", "GET", "/v1/selfcheck/campaigns").json()["campaigns"][0]
    assert (opened["title"], opened["frequency"], opened["ends_on"]) == (
        "节前专项自查",
        "once",
        (today + dt.timedelta(days=7)).isoformat(),
    )

    page.get_by_role("link", name="laozhengxing：自查项 cold_storage").click()
    expect(page.locator("#rectification-state")).to_have_text("已整改，待审核")
    evidence = page.get_by_role("link", name="证明材料 1")
    photo = page.request.get(console.at(evidence.get_attribute("href").removeprefix("/console")))  # type: ignore[union-attr]
    assert photo.headers["content-type"] == "image/png"
    page.get_by_role("button", name="审核通过").click()  # without an opinion
    expect(page.get_by_label("审核意见")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("请填写审核意见：每次审核都须写明。")).to_be_visible()
    page.get_by_label("审核意见").fill("照片未显示温度计读数。")
    page.get_by_role("button", name="退回重新整改").click()
    expect(page.get_by_role("status")).to_have_text("已退回，企业须重新整改。")
    expect(page.locator("#rectification-state")).to_have_text("待企业整改")

    selfcheck.ok(
        selfcheck.post(
            "laozhengxing", path, {"note": "温度计读数 4 °C", "evidence": [selfcheck.photo("laozhengxing")]}
        )
    )
    page.reload()
    page.get_by_label("审核意见").fill("整改到位。")
    page.get_by_role("button", name="审核通过").click()
    expect(page.get_by_role("status")).to_have_text("已审核通过，整改已销号。")
    expect(page.locator(".history li")).to_have_count(5)
    expect(page.locator(".materials a")).to_have_text(["证明材料 1", "证明材料 2"])
    browser.check_page("selfcheck-rectification")

    page.get_by_role("link", name="English").click()
    expect(page.locator("#rectification-state")).to_have_text("Rectification accepted")
    page.get_by_role("link", name="Self-inspection").first.click()
    expect(page.get_by_role("heading", name="On-site inspection tasks")).to_be_visible()
