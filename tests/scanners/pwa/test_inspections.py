"""The inspection mode of the phone app (real Chromium, real uvicorn, real trace API): an inspector
fills in inspections from a kept template, with photos, offline; drafts survive a reload; the
queue is sent when the network returns, each inspection recorded exactly once."""

from __future__ import annotations

import hashlib

from playwright.sync_api import expect

from tests.enforcement.conftest import png
from tests.scanners.pwa.conftest import Phone
from tests.scanners.pwa.inspecting import (
    fill_inspection,
    inspector_with_parties,
    recorded_inspections,
    wait_for_sync,
)


def test_inspections_queued_offline_are_recorded_once_when_the_network_returns(phone: Phone) -> None:
    api = phone.scanner.api
    key = inspector_with_parties(api, "laozhengxing", "xiaochi")
    page = phone.sign_in(key)
    expect(page.locator("h1")).to_have_text("现场检查")
    expect(page.locator("#who")).to_contain_text("王建国")
    expect(page.locator("#template option")).to_have_count(4)  # kept for offline use
    phone.wait_offline_ready()
    red, blue = png("red"), png("blue")

    phone.context.set_offline(True)
    page.reload()  # the app and its templates open from the phone
    phone.wait_ready()
    expect(page.locator("#network")).to_have_text("离线")
    fill_inspection(page, "laozhengxing", failing={"C5": "冷藏柜温度12℃"}, photos={"C5": red})
    page.get_by_role("button", name="加入待发送").click()
    expect(page.locator("#n-queued")).to_have_text("1")
    expect(page.get_by_label("被检查单位（单位标识）")).to_have_value("")

    fill_inspection(page, "xiaochi", photos={"C1": blue})
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator("#notice")).to_have_text("草稿已保存在本机。")
    page.reload()  # the draft, its findings and its photo are kept on the phone
    phone.wait_ready()
    expect(page.locator("#n-draft")).to_have_text("1")
    page.locator("[data-show=draft]").click()
    draft = page.locator("#queue-list li")
    expect(draft).to_contain_text("xiaochi")
    expect(draft).to_contain_text("照片 1 张")
    draft.get_by_role("button", name="继续填写").click()
    expect(page.get_by_label("被检查单位（单位标识）")).to_have_value("xiaochi")
    expect(page.locator('fieldset[data-item="C6"] input[value="pass"]')).to_be_checked()
    expect(page.locator('fieldset[data-item="C1"] .photos li')).to_have_count(1)
    page.get_by_role("button", name="加入待发送").click()
    expect(page.locator("#n-queued")).to_have_text("2")
    expect(page.locator("#n-draft")).to_have_text("0")
    phone.check_page("inspection-offline")
    queued = phone.stored()["databases"]["suyuan-inspections/inspections"]
    client_ids = {each["party"]: each["client_id"] for each in queued}
    assert all(client_ids.values())
    assert len(set(client_ids.values())) == 2
    assert not recorded_inspections(api)

    phone.context.set_offline(False)  # the `online` event sends the queue
    expect(page.locator("#n-recorded")).to_have_text("2")
    expect(page.locator("#n-queued")).to_have_text("0")
    recorded = recorded_inspections(api)
    assert {each["party"]: each["client_id"] for each in recorded} == client_ids
    by_party = {each["party"]: each["record"] for each in recorded}
    failed = [f for f in by_party["laozhengxing"]["findings"] if f["result"] == "fail"]
    assert [(f["item"], f["note"]) for f in failed] == [("C5", "冷藏柜温度12℃")]
    assert [e["sha256"] for e in failed[0]["evidence"]] == [hashlib.sha256(red).hexdigest()]
    first = by_party["xiaochi"]["findings"][0]
    assert (first["result"], [e["sha256"] for e in first["evidence"]]) == (
        "pass",
        [hashlib.sha256(blue).hexdigest()],
    )
    page.locator("[data-show=recorded]").click()
    expect(page.locator("#queue-list li").first).to_contain_text("已记录，编号 JC-")

    rounds = wait_for_sync(page, 0)
    page.get_by_role("button", name="立即同步").click()  # sending again records nothing twice
    wait_for_sync(page, rounds)
    assert len(recorded_inspections(api)) == 2

    page.get_by_role("button", name="English").click()  # the same app, in English
    expect(page.locator("h1")).to_have_text("On-site inspection")
    expect(page.locator("#template option:checked")).to_have_text("Catering food safety inspection")
    expect(page.locator('fieldset[data-item="C1"] label').first).to_have_text("Pass")
