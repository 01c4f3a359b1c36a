"""移动执法 in the console, in a real Chromium: the jurisdiction's inspections and documents, one
inspection with its findings, evidence and signed documents, and English."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from playwright.sync_api import expect

from tests.console.conftest import Browser, Console
from tests.console.conftest import browser as browser  # fixtures of the console's page tests
from tests.console.conftest import console as console
from tests.enforcement.conftest import Enforcement, findings, png
from tests.enforcement.test_documents import issue, sign

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_regulator_reads_inspections_and_their_documents(browser: Browser, console: Console) -> None:
    enforcement = Enforcement(console.api)
    console.api.add_org("xinghualou", "restaurant")
    enforcement.inspector("wang")
    photo = png("orange")
    number = enforcement.recorded(
        "wang",
        "xinghualou",
        files=[photo],
        findings=findings({"C5": "冷藏柜温度 12 °C"}, evidence={"C5": [photo]}),
    )["id"]
    issue(enforcement, number, "inspection_record")
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=10)).date().isoformat()
    issue(enforcement, number, "rectification_order", deadline=later, requirements="立即维修冷藏设施。")
    _, signed = sign(enforcement, f"{number}-ZG", enforcement.signing_keys["wang"])
    assert signed.status_code == 201, signed.text

    page = browser.sign_in()
    page.get_by_role("link", name="移动执法").click()
    expect(page.get_by_role("heading", name="移动执法")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=number)
    expect(row).to_contain_text("xinghualou")
    expect(page.locator(f"[data-document='{number}-ZG']")).to_contain_text("已签名，待当事人签收")
    browser.check_page("enforcement")

    row.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", name=re.compile(number))).to_be_visible()
    expect(page.locator("[data-item='C5']")).to_contain_text("不符合")
    expect(page.locator("[data-item='C5']")).to_contain_text("冷藏柜温度 12 °C")
    evidence = page.request.get(
        console.at(f"/enforcement/{number}/evidence/{hashlib.sha256(photo).hexdigest()}")
    )
    assert evidence.body() == photo
    pdf = page.request.get(console.at(f"/enforcement/documents/{number}-ZG.pdf"))
    assert (pdf.headers["content-type"], pdf.body()[:4]) == ("application/pdf", b"%PDF")
    page.locator(f"[data-document='{number}-ZG']").get_by_role("link", name="公开核验页").click()
    expect(page.locator("#kind")).to_have_text("责令改正通知书")
    page.go_back()
    browser.check_page("enforcement-inspection")

    page.get_by_role("link", name="English").click()
    expect(page.locator("[data-item='C5']")).to_contain_text("Does not comply")
    expect(page.get_by_role("heading", name="Enforcement documents")).to_be_visible()
