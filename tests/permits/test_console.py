"""食品经营许可 in the console, in a real Chromium: the queue, an application's review to its permit
(an opinion is required at every step), the permit suspended with a reason that its public check
page shows at once, and English."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.console.conftest import Browser, Console
from tests.console.conftest import browser as browser  # fixtures of the console's page tests
from tests.console.conftest import console as console
from tests.permits.conftest import Permits

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_regulator_reviews_to_a_permit_and_suspends_it(
    browser: Browser, console: Console, permits: Permits
) -> None:
    number = permits.submitted(business_name="杏花楼")
    page = browser.sign_in()
    page.get_by_role("link", name="食品经营许可").click()
    expect(page.get_by_role("heading", name="食品经营许可")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=number)
    expect(row).to_contain_text("已提交，待受理")
    browser.check_page("permits")

    row.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", name=re.compile("杏花楼"))).to_be_visible()
    expect(page.get_by_role("link", name="食品安全管理制度")).to_be_visible()
    page.get_by_role("button", name="受理").click()  # without an opinion
    expect(page.get_by_label("审查意见")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("请填写意见或原因：每一步都须写明。")).to_be_visible()
    assert permits.get(number)["status"] == "submitted"
    page.get_by_label("审查意见").fill("材料齐全，予以受理。")
    page.get_by_role("button", name="受理").click()
    expect(page.get_by_role("status")).to_have_text("已受理，进入审查。")
    page.get_by_label("审查意见").fill("经现场核查，符合要求。")
    page.get_by_role("button", name="提交审查意见").click()
    expect(page.get_by_role("status")).to_have_text("审查意见已记录，待作出许可决定。")
    page.get_by_label("审查意见").fill("准予许可。")
    page.get_by_label("许可证有效期（年）").select_option("3")
    page.get_by_role("button", name="准予许可").click()
    expect(page.get_by_role("status")).to_have_text("已准予许可，许可证已核发。")
    certificate = permits.get(number)["certificate"]
    expect(page.get_by_text(certificate["number"], exact=True)).to_be_visible()
    pdf = page.request.get(console.at(f"/permits/{number}/certificate.pdf"))
    assert (pdf.headers["content-type"], pdf.body()[:4]) == ("application/pdf", b"%PDF")
    expect(page.locator(".history li")).to_have_count(4)
    browser.check_page("permit-approved")

    page.get_by_role("button", name="暂停许可证").click()  # without a reason
    expect(page.get_by_label("原因")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("原因").fill("后厨卫生严重不达标，责令停业整改。")
    page.get_by_role("button", name="暂停许可证").click()
    expect(page.get_by_role("status")).to_have_text("已暂停，公开核验页面即时显示。")
    expect(page.locator("#permit-state")).to_have_text("许可证已暂停")
    expect(page.get_by_role("button", name="恢复许可证")).to_be_visible()
    browser.check_page("permit-suspended")

    page.get_by_role("link", name="公开核验页面").click()
    expect(page.locator("#status")).to_have_text("已暂停")
    expect(page.locator("#standing")).to_contain_text("后厨卫生严重不达标，责令停业整改。")


def test_other_jurisdiction_reads_without_acting_and_english(
    browser: Browser, console: Console, permits: Permits
) -> None:
    permits.add_regulator("hangzhou", "Hangzhou")
    number = permits.approved(business_name="王家沙点心店")
    other = browser.sign_in(console.api.keys["hangzhou"])
    other.goto(console.at(f"/permits/{number}"))
    expect(other.get_by_text("该申请由Shanghai管辖，仅由其监管部门审查。")).to_be_visible()
    expect(other.get_by_role("button", name="撤销许可证")).to_have_count(0)

    page = browser.sign_in()
    page.goto(console.at(f"/permits/{number}"))
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name=re.compile("王家沙点心店"))).to_be_visible()
    expect(page.get_by_role("button", name="Revoke the permit")).to_be_visible()
    page.goto(console.at("/permits?status=approved"))
    expect(page.get_by_role("heading", name="Food business permits")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=number)).to_contain_text("Permit in force")
