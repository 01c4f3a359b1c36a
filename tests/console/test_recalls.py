"""召回 Recalls in a real Chromium: a regulator previews a lot's reach, issues the recall, watches the
holders acknowledge live, lifts it; and the writes refused without the session's CSRF token."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from regulator_console.pages import recalls as recalls_page
from regulator_console.sessions import SESSION_COOKIE, SessionSeal
from tests.api.conftest import Api, batch_payload
from tests.api.test_recalls import BATCH
from tests.api.test_recalls import network_of_holders as network_of_holders
from tests.console.conftest import Browser, Console
from trace_api.recalls.notify import NoticeWorker

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

REASON = "Vibrio parahaemolyticus in a sample 抽检检出副溶血性弧菌"
#: How long to wait for the page's next poll (every 3 s) to show what the API was just told.
NEXT_POLL_MS = 15_000


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _acknowledge(api: Api, handle: str, recall_id: str, quantity: float) -> None:
    url = f"/v1/recalls/{recall_id}/acknowledgements"
    _ok(api.as_org(handle, "POST", url, json={"quantity_quarantined": quantity}), 201)


def _figure(page: Page, name: str) -> Any:
    return page.locator(f'[data-figure="{name}"]')


def _holder_row(page: Page, handle: str) -> Any:
    return page.locator(f'#recall-live tr[data-holder="{handle}"]')


def test_regulator_previews_issues_watches_and_lifts_a_recall(
    browser: Browser, network_of_holders: Api
) -> None:
    api = network_of_holders
    page = browser.sign_in()
    page.get_by_role("navigation", name="栏目").get_by_role("link", name="召回").click()
    expect(page.get_by_role("heading", name="召回", exact=True)).to_be_visible()
    expect(page.get_by_text("暂无召回。")).to_be_visible()

    # The lot's reach, previewed before anything is written.
    page.get_by_label("批次标识（GTIN.批号）").fill(BATCH)
    page.get_by_role("button", name="预览召回范围").click()
    expect(page.get_by_role("heading", name="新建召回")).to_be_visible()
    preview = _ok(api.as_org("samr", "GET", "/v1/recalls/preview", params={"batch_id": BATCH}))
    expect(_figure(page, "holders")).to_have_text("2")
    expect(_figure(page, "lots")).to_have_text(str(preview["totals"]["lots"]))
    expect(_figure(page, "quantity")).to_have_text("1,200.0")
    holders = page.get_by_role("table").get_by_role("row")
    expect(holders).to_have_count(3)  # the header and the two holders
    expect(holders.nth(1)).to_contain_text("wholesale Co.")
    expect(holders.nth(2)).to_contain_text("shop Co.")
    browser.check_page("recall-new")
    assert _ok(api.as_org("samr", "GET", "/v1/recalls"))["recalls"] == []

    # The API's refusals, next to their fields, keeping what was typed.
    page.get_by_label("原因（发现了什么、在哪里、经何种检测）").fill("ab")
    page.get_by_role("button", name="向 2 个持有方发布召回").click()
    reason = page.get_by_label("原因（发现了什么、在哪里、经何种检测）")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(reason).to_have_value("ab")
    expect(page.locator("#reason-error")).to_contain_text("请填写原因")
    expect(page.locator("#recall_class-error")).to_contain_text("请选择召回级别")
    browser.check_page("recall-new-errors")

    reason.fill(REASON)
    page.get_by_label("一级召回").check()
    page.get_by_role("button", name="向 2 个持有方发布召回").click()
    expect(page).to_have_url(re.compile(r"/console/recalls/[0-9a-f]{32}$"))
    recall_id = page.url.rsplit("/", 1)[-1]
    expect(page.get_by_role("heading", name="批次 L2026-001 的召回")).to_be_visible()
    expect(page.get_by_role("link", name="L2026-001", exact=True)).to_have_attribute(
        "href", f"/console/lots/{BATCH}"
    )
    live = page.locator("#recall-live")
    expect(live.locator("#acknowledged-count")).to_have_text("0 / 2")
    expect(live.locator("#not-acknowledged")).to_contain_text("wholesale Co.")
    expect(live.locator("#not-acknowledged")).to_contain_text("shop Co.")

    # Live from here: the page is never reloaded while the holders are reached and acknowledge.
    page.evaluate("window.stillTheSamePage = true")
    api.mined()
    assert NoticeWorker(api.services).run_once() == 2  # one MQTT notice each, over a real broker
    expect(_holder_row(page, "shop")).to_contain_text("送达", timeout=NEXT_POLL_MS)
    expect(live).to_contain_text("已送达 2 / 2")

    _acknowledge(api, "shop", recall_id, 600)
    expect(live.locator("#acknowledged-count")).to_have_text("1 / 2", timeout=NEXT_POLL_MS)
    expect(live.locator("#quarantined-count")).to_have_text("600.0 / 1,200.0 千克")
    expect(live.locator("#not-acknowledged")).to_contain_text("wholesale Co.")
    expect(live.locator("#not-acknowledged")).not_to_contain_text("shop Co.")
    expect(_holder_row(page, "wholesale")).to_have_class(re.compile(r"\bunacknowledged\b"))
    expect(_holder_row(page, "wholesale")).to_contain_text("未确认")
    expect(_holder_row(page, "shop")).to_contain_text("已控制 600.0 千克")
    expect(live).to_contain_text("已确认 1 / 2")
    browser.check_page("recall-progress")

    _acknowledge(api, "wholesale", recall_id, 600)
    expect(live.locator("#acknowledged-count")).to_have_text("2 / 2", timeout=NEXT_POLL_MS)
    expect(live.locator("#quarantined-count")).to_have_text("1,200.0 / 1,200.0 千克")
    expect(live.locator("#not-acknowledged")).to_have_text("所有持有方均已确认。")
    expect(live).to_contain_text("已确认 2 / 2")
    assert page.evaluate("window.stillTheSamePage") is True

    # Lifting asks for a confirmation, then frees the lot.
    lift_reason = page.get_by_label("解除原因")
    lift_reason.fill("Retest negative 复检阴性")
    page.get_by_role("button", name="解除召回").click()
    expect(page.locator("#confirm-error")).to_contain_text("请勾选以确认")
    expect(page.get_by_label("解除原因")).to_have_value("Retest negative 复检阴性")
    assert _ok(api.as_org("samr", "GET", f"/v1/recalls/{recall_id}"))["status"] == "active"
    page.get_by_label("我确认该批次安全，解除本次召回。").check()
    page.get_by_role("button", name="解除召回").click()
    expect(page).to_have_url(re.compile(rf"/console/recalls/{recall_id}$"))
    expect(page.get_by_role("heading", name="批次 L2026-001 的召回")).to_contain_text("已解除")
    expect(page.get_by_role("note")).to_contain_text("由 samr 解除")
    expect(page.get_by_role("note")).to_contain_text("复检阴性")
    expect(page.get_by_role("button", name="解除召回")).to_have_count(0)
    browser.check_page("recall-lifted")
    assert _ok(api.as_org("samr", "GET", f"/v1/recalls/{recall_id}"))["status"] == "lifted"

    page.get_by_role("link", name="召回", exact=True).first.click()
    page.get_by_role("link", name="已解除").click()
    expect(page.get_by_role("link", name="L2026-001", exact=True)).to_have_attribute(
        "href", f"/console/recalls/{recall_id}"
    )
    browser.check_page("recalls-lifted")


def test_recall_drill_times_the_last_holder_reached_and_acknowledged(
    browser: Browser, network_of_holders: Api
) -> None:
    api = network_of_holders
    body = {"batch_id": BATCH, "reason": REASON, "recall_class": "I"}
    recall_id = _ok(api.as_org("samr", "POST", "/v1/recalls", json=body), 201)["id"]
    page = browser.sign_in()
    browser.open(f"/recalls/{recall_id}")
    drill = page.locator("section[aria-labelledby='drill-h']")
    reached = drill.locator(".figure").filter(has_text="最后一个持有方送达用时")
    acknowledged = drill.locator(".figure").filter(has_text="最后一个持有方确认用时")
    expect(reached.locator(".value")).to_have_text("—")
    expect(reached).to_contain_text("已送达 0 / 2")
    expect(drill.locator("tbody tr").filter(has_text="shop Co.")).to_contain_text("尚未送达")

    api.mined()
    assert NoticeWorker(api.services).run_once() == 2  # one MQTT notice each, over a real broker
    page.reload()
    expect(reached.locator(".value")).to_have_text(re.compile(r"^\d+ (秒|分钟)$"))
    expect(reached).to_contain_text("已送达 2 / 2")
    expect(drill.locator("tbody tr").filter(has_text="shop Co.")).not_to_contain_text("尚未送达")
    expect(acknowledged.locator(".value")).to_have_text("—")

    _acknowledge(api, "shop", recall_id, 600)
    _acknowledge(api, "wholesale", recall_id, 600)
    page.reload()
    expect(acknowledged.locator(".value")).to_have_text(re.compile(r"^\d+ (秒|分钟)$"))
    expect(acknowledged).to_contain_text("已确认 2 / 2")
    browser.check_page("recall-drill")


def _admit(api: Api, lot: str) -> str:
    return str(
        _ok(api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian", lot=lot)), 201)[
            "id"
        ]
    )


def test_recall_list_pages_by_keyset_and_new_recall_points_to_the_one_in_force(
    browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = browser.console.api
    api.add_org("haixian", "importer")
    lots = [_admit(api, f"L2026-10{i}") for i in range(3)]
    recalls = [
        _ok(api.as_org("samr", "POST", "/v1/recalls",
                       json={"batch_id": lot, "reason": REASON, "recall_class": "II"}), 201)["id"]
        for lot in lots
    ]  # fmt: skip
    monkeypatch.setattr(recalls_page, "PAGE_SIZE", 2)
    page = browser.sign_in()

    browser.open("/recalls")
    rows = page.locator("table.recalls tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("L2026-102")  # newest first
    browser.check_page("recalls")
    page.get_by_role("link", name="下一页").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("L2026-100")
    expect(page.get_by_role("link", name="下一页")).to_have_count(0)
    page.get_by_role("link", name="第一页").click()
    expect(rows).to_have_count(2)
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Recalls", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Next page")).to_be_visible()
    browser.check_page("recalls-en")
    page.get_by_role("link", name="中文").click()

    browser.open(f"/recalls/new?batch_id={lots[0]}")
    expect(page.get_by_role("alert")).to_contain_text("该批次已在召回中")
    expect(page.get_by_role("link", name="查看进行中的召回")).to_have_attribute(
        "href", f"/console/recalls/{recalls[0]}"
    )
    expect(page.get_by_role("button", name=re.compile("发布召回"))).to_have_count(0)

    browser.open("/recalls/new?batch_id=09506000134352.NOPE")
    lot_field = page.get_by_label("批次标识（GTIN.批号）")
    expect(lot_field).to_have_attribute("aria-invalid", "true")
    expect(lot_field).to_have_value("09506000134352.NOPE")
    expect(page.locator("#batch_id-error")).to_contain_text("没有该标识的批次")
    browser.check_page("recall-new-unknown-lot")


def _sealed(console: Console) -> str:
    _, cookie = SessionSeal(console.secret, 3600).open_session(console.regulator_key)
    return cookie


def test_recall_writes_without_the_sessions_csrf_token_are_refused(
    console: Console, network_of_holders: Api
) -> None:
    api = network_of_holders
    body = {"batch_id": BATCH, "reason": REASON, "recall_class": "I"}
    with httpx.Client(base_url=console.url, timeout=30) as client:
        client.cookies.set(SESSION_COOKIE, _sealed(console), path="/console")
        issue_missing = client.post("/console/recalls/new", data=body)
        issue_wrong = client.post("/console/recalls/new", data={**body, "csrf": "not-the-token"})
        recalls = _ok(api.as_org("samr", "GET", "/v1/recalls"))["recalls"]
        recall_id = _ok(api.as_org("samr", "POST", "/v1/recalls", json=body), 201)["id"]
        lift = {"reason": "Retest negative", "confirm": "yes"}
        lift_missing = client.post(f"/console/recalls/{recall_id}/lift", data=lift)
        lift_wrong = client.post(f"/console/recalls/{recall_id}/lift", data={**lift, "csrf": "nope"})

    assert [r.status_code for r in (issue_missing, issue_wrong, lift_missing, lift_wrong)] == [403] * 4
    assert "表单不是从本平台提交的" in lift_missing.text
    assert recalls == []
    assert _ok(api.as_org("samr", "GET", f"/v1/recalls/{recall_id}"))["status"] == "active"
