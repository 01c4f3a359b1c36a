"""三小一摊登记 in the console, in a real Chromium: the review queue, a filing with its materials and
ledger history, the review form (an opinion is required; request more, then approve), the
certificate and its public check page on a phone, inspections, a refusal, and English."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.console.conftest import ARTIFACTS, Browser, Console
from tests.console.conftest import browser as browser  # fixtures of the console's page tests
from tests.console.conftest import console as console
from tests.filings.conftest import Filings, png

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_regulator_reviews_a_filing_to_its_certificate_and_inspects_the_business(
    browser: Browser, console: Console, filings: Filings
) -> None:
    number = filings.submitted(business_name="张记早餐铺")
    page = browser.sign_in()
    page.get_by_role("link", name="三小一摊登记").click()
    expect(page.get_by_role("heading", name="三小一摊登记")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=number)
    expect(row).to_contain_text("张记早餐铺")
    expect(row).to_contain_text("已提交，待受理")
    browser.check_page("filings")

    row.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", name=re.compile("张记早餐铺"))).to_be_visible()
    expect(page.get_by_role("link", name="经营者身份证明", exact=True)).to_be_visible()
    picture = page.get_by_role("img", name=re.compile("^经营者身份证明"))
    expect(picture).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=picture.element_handle())
    expect(page.locator(".history li")).to_have_count(1)
    expect(page.locator(".history")).to_contain_text("提交申请")
    browser.check_page("filing-submitted")

    page.get_by_role("button", name="受理").click()  # without an opinion
    opinion = page.get_by_label("审查意见")
    expect(opinion).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("请填写审查意见：审查的每一步都须写明意见。")).to_be_visible()
    assert filings.get(number)["status"] == "submitted"
    opinion.fill("材料齐全，予以受理。")
    page.get_by_role("button", name="受理").click()
    expect(page.get_by_role("status")).to_have_text("已受理，进入审查。")

    page.get_by_label("审查意见").fill("健康证明已过期，请补交。")
    page.get_by_label("从业人员健康证明").check()
    page.get_by_role("button", name="要求补正").click()
    expect(page.get_by_role("status")).to_have_text("已要求补正，申请人将获知需补正的材料。")
    expect(page.locator(".history")).to_contain_text("要求补正：从业人员健康证明")
    expect(page.get_by_role("button", name="准予登记")).to_have_count(0)
    answer = filings.as_applicant(
        number, "POST", "/supplements", data={"note": "已补交新的健康证明。"},
        files=[("health_certificates", ("新健康证.png", png("green"), "image/png"))],
    )  # fmt: skip
    assert answer.status_code == 201, answer.text

    page.reload()
    expect(page.locator(".history")).to_contain_text("已补交新的健康证明。")
    page.get_by_label("审查意见").fill("经审查符合要求，准予登记。")
    page.get_by_label("登记证有效期（年）").select_option("2")
    page.get_by_role("button", name="准予登记").click()
    expect(page.get_by_role("status")).to_have_text("已准予登记，登记证已发放。")
    certificate = filings.get(number)["certificate"]
    expect(page.get_by_text(certificate["number"], exact=True)).to_be_visible()
    pdf = page.request.get(console.at(f"/filings/{number}/certificate.pdf"))
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    browser.check_page("filing-approved")

    expect(page.locator("#items-error")).to_have_count(0)
    page.get_by_role("button", name="提交检查记录").click()  # no item marked
    expect(page.locator("#items-error")).to_have_text("请至少将一项检查项目标为通过或未通过。")
    page.get_by_label("从业人员健康证明有效").select_option("passed")
    page.get_by_label("餐具清洗消毒").select_option("failed")
    page.get_by_label("检查结论").select_option("rectify")
    page.get_by_label("检查记录").fill("消毒柜未通电，责令当日整改。")
    page.get_by_role("button", name="提交检查记录").click()
    expect(page.get_by_role("status")).to_have_text("检查已记录。")
    inspection = page.locator(".inspections > li")
    expect(inspection).to_have_count(1)
    expect(inspection).to_contain_text("责令整改")
    expect(inspection).to_contain_text("✗ 餐具清洗消毒")
    browser.check_page("filing-inspected")

    page.get_by_role("link", name="公开核验页面").click()
    expect(page.get_by_role("heading", name="张记早餐铺")).to_be_visible()
    expect(page.locator("#certificate-no")).to_have_text(certificate["number"])
    expect(page.locator("#last-inspection")).to_contain_text("责令整改")
    page.set_viewport_size({"width": 360, "height": 740})
    page.screenshot(path=str(ARTIFACTS / "filing-certificate-check-phone.png"), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the certificate's check page scrolls sideways by {overflow} px on a phone"


def test_refusal_needs_reasons_and_offers_its_decision_in_either_language(
    browser: Browser, console: Console, filings: Filings
) -> None:
    number = filings.submitted(business_name="老王烧烤")
    page = browser.sign_in()
    page.goto(console.at(f"/filings/{number}"))
    page.get_by_label("审查意见").fill("经营场所位于居民住宅楼内，不符合要求。")
    page.get_by_role("button", name="不予许可").click()
    expect(page.get_by_role("status")).to_have_text("已作出不予许可决定，决定书已发放。")
    expect(page.get_by_role("button", name="受理")).to_have_count(0)
    expect(page.get_by_text("已作出决定，办理结束。")).to_be_visible()
    decision = page.request.get(console.at(f"/filings/{number}/decision.pdf"))
    assert decision.body().startswith(b"%PDF")

    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name=re.compile("老王烧烤"))).to_be_visible()
    expect(page.get_by_role("link", name="Download the refusal decision (PDF)")).to_be_visible()
    page.goto(console.at("/filings?status=refused"))
    expect(page.get_by_role("heading", name="Small food business filings")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=number)).to_contain_text("Registration refused")


def test_queue_pages_by_keyset_and_filters_by_jurisdiction(
    browser: Browser, console: Console, filings: Filings
) -> None:
    filings.add_regulator("hangzhou", "Hangzhou")
    numbers = [filings.submitted(business_name=f"面馆{i}") for i in range(22)]
    page = browser.sign_in()
    page.goto(console.at("/filings"))
    expect(page.locator("table.filings tbody tr")).to_have_count(20)
    page.get_by_role("link", name="下一页").click()
    expect(page.locator("table.filings tbody tr")).to_have_count(2)
    expect(page.get_by_role("row").filter(has_text=numbers[0])).to_have_count(1)

    other = browser.sign_in(console.api.keys["hangzhou"])
    other.goto(console.at("/filings"))
    expect(other.get_by_text("没有符合条件的登记申请。")).to_be_visible()  # its own jurisdiction first
    other.get_by_label("辖区").select_option("")
    other.get_by_role("button", name="筛选").click()
    expect(other.locator("table.filings tbody tr")).to_have_count(20)
    other.get_by_role("link", name=numbers[-1]).click()
    expect(other.get_by_text("该申请由Shanghai管辖，仅由其监管部门审查。")).to_be_visible()
    expect(other.get_by_role("button", name="受理")).to_have_count(0)
