"""证据 Evidence pages in a real Chromium: a record verified step by step, a tampered bundle named
by its failing step, an audit followed live to its report, a lot's exports downloaded."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from evidence import AuditOutcome, close_audit, insert_audit, note_audit_progress, write_transaction
from regulator_console.sessions import SESSION_COOKIE, SessionSeal
from tests.api.conftest import batch_payload
from tests.api.test_resolver import anchor
from tests.conftest import Network
from tests.console.conftest import Browser, Console

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

LOT_ID = "09506000134352.L2026-001"
ADMITTED = f"batch:{LOT_ID}:admitted"
#: How long a page that polls (every 2 s) may take to show what changed: a few polls.
POLLED = 15_000


@pytest.fixture
def anchored(console: Console, network: Network) -> Console:
    """Three lots admitted by an importer, the log anchored on chain: 5 records, after the
    admissions of samr and the importer."""
    api = console.api
    api.add_org("haixian", "importer")
    for lot in ("L2026-001", "L2026-002", "L2026-003"):
        response = api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian", lot=lot))
        assert response.status_code == 201, response.text
    anchor(api, network)
    return console


def verify(page: Page, ref: str) -> None:
    page.get_by_label("记录编号或账本序号").fill(ref)
    page.get_by_role("button", name="核验", exact=True).click()


def downloaded(page: Page, link: str) -> Path:
    with page.expect_download() as download:
        page.get_by_role("link", name=link).click()
    return Path(download.value.path())


def check_uploaded(page: Page, bundle: dict[str, Any], tmp_path: Path) -> None:
    file = tmp_path / "tampered.json"
    file.write_text(json.dumps(bundle))
    page.goto(page.url.split("/console/")[0] + "/console/evidence")
    page.get_by_label("证明包文件").set_input_files(file)
    page.get_by_role("button", name="核验证明包").click()


def test_record_verified_by_id_and_by_index_passes_every_step(browser: Browser, anchored: Console) -> None:
    browser.sign_in()
    page = browser.open("/evidence")
    expect(page.get_by_role("heading", name="证据", exact=True)).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("最新检查点"))).to_contain_text("5 条记录")
    expect(page.get_by_role("row", name=re.compile("最近一次上链锚定"))).to_contain_text("区块")
    browser.check_page("evidence")

    verify(page, ADMITTED)

    expect(page.get_by_role("heading", name="核验通过：每一步均通过")).to_be_visible()
    expect(page.locator(".step.passed")).to_have_count(4)
    for title in (
        "记录字节的哈希与叶子哈希一致",
        "包含证明可推导出检查点的根哈希",
        "检查点由账本密钥签名",
        "根哈希已在链上锚定",
    ):
        expect(page.get_by_role("listitem").filter(has_text=title)).to_contain_text("通过")
    expect(page.locator("pre.record")).to_contain_text('"lot": "L2026-001"')
    browser.check_page("evidence-record")

    page.goto(browser.console.at("/evidence"))
    verify(page, "4")
    expect(page.get_by_role("heading", name="核验通过：每一步均通过")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("记录编号"))).to_contain_text("L2026-003")

    page.goto(browser.console.at("/evidence"))
    verify(page, "batch:nothing:admitted")
    expect(page.get_by_label("记录编号或账本序号")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("没有该编号或序号的记录。")).to_be_visible()
    expect(page.get_by_label("记录编号或账本序号")).to_have_value("batch:nothing:admitted")


def test_tampered_bundle_names_the_failing_step(browser: Browser, anchored: Console, tmp_path: Path) -> None:
    browser.sign_in()
    page = browser.open("/evidence")
    verify(page, ADMITTED)
    bundle = json.loads(downloaded(page, "下载证明包").read_text())
    assert bundle["record_id"] == ADMITTED

    body = bytearray(base64.b64decode(bundle["body"]))
    body[body.index(b'"quantity":1200') + len('"quantity":')] = ord("9")
    check_uploaded(page, {**bundle, "body": base64.b64encode(bytes(body)).decode()}, tmp_path)

    expect(page.get_by_role("heading", name="核验未通过")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("第 1 步未通过：记录字节的哈希与叶子哈希一致")
    expect(page.locator("#step-bytes")).to_have_class(re.compile("failed"))
    expect(page.locator("#step-signature")).to_have_class(re.compile("passed"))
    expect(page.locator("pre.record")).to_contain_text('"quantity": 9200')
    browser.check_page("evidence-bundle-failed")

    proof = list(bundle["inclusion_proof"])
    proof[0] = base64.b64encode(b"\x11" * 32).decode()
    page.goto(browser.console.at("/evidence"))
    page.get_by_label("或粘贴证明包内容").fill(json.dumps({**bundle, "inclusion_proof": proof}))
    page.get_by_role("button", name="核验证明包").click()
    expect(page.get_by_role("alert")).to_contain_text("第 2 步未通过：包含证明可推导出检查点的根哈希")
    expect(page.locator("#step-bytes")).to_have_class(re.compile("passed"))

    page.goto(browser.console.at("/evidence"))
    page.get_by_label("或粘贴证明包内容").fill("not a bundle")
    page.get_by_role("button", name="核验证明包").click()
    expect(page.get_by_text("该文件不是证明包：不是 JSON 文本。")).to_be_visible()
    expect(page.get_by_label("或粘贴证明包内容")).to_have_attribute("aria-invalid", "true")


def test_audit_is_followed_live_to_its_result_report_and_overview(
    browser: Browser, anchored: Console
) -> None:
    browser.sign_in()
    page = browser.open("/evidence")

    page.get_by_role("button", name="开始审计").click()

    expect(page).to_have_url(re.compile(r"/console/evidence/audits/[0-9a-f]{32}$"))
    expect(page.get_by_text("结果：通过")).to_be_visible(timeout=POLLED)
    expect(page.get_by_label("已核对记录")).to_have_attribute("value", "100.0")
    browser.check_page("evidence-audit")
    report = json.loads(downloaded(page, "下载审计报告（JSON）").read_text())
    audit_id = page.url.rsplit("/", 1)[1]
    assert (report["audit_id"], report["result"], report["records_checked"]) == (audit_id, "passed", 6)

    page.goto(browser.console.at("/evidence"))
    expect(page.get_by_role("row", name=re.compile("最近一次审计"))).to_contain_text("通过")
    page.goto(browser.console.at("/"))
    expect(page.get_by_role("row", name=re.compile("最近一次审计"))).not_to_contain_text("暂无审计记录")


def test_start_while_another_replica_audits_shows_that_audit_live_to_its_end(
    browser: Browser, anchored: Console
) -> None:
    api = anchored.api
    api.mined()  # the chain worker is idle: this writes behind the API's back
    with write_transaction(api.services.engine, api.services.ledger.lock_name) as conn:
        insert_audit(conn, "b" * 32, "other-replica", 3, dt.datetime.now(dt.UTC))
    browser.sign_in()
    page = browser.open("/evidence")

    page.get_by_role("button", name="开始审计").click()

    expect(page).to_have_url(re.compile(r"/console/evidence/audits/b{32}\?already=1$"))
    expect(page.get_by_text("另一项审计正在进行")).to_be_visible()
    expect(page.locator("#audit-progress")).to_contain_text("进行中")
    expect(page.locator("#audit-progress")).to_contain_text("已核对 0 / 3 条记录")
    browser.check_page("evidence-audit-running")

    note_audit_progress(api.services.engine, "b" * 32, 2, 3)  # the other replica's progress
    expect(page.locator("#audit-progress")).to_contain_text("已核对 2 / 3 条记录", timeout=POLLED)
    outcome = AuditOutcome("passed", 3, {"result": "passed", "root": "00" * 32, "checkpoints_checked": 1,
                                         "anchors_checked": 1, "failure": None, "detail": None})  # fmt: skip
    with write_transaction(api.services.engine, api.services.ledger.lock_name) as conn:
        close_audit(conn, "b" * 32, outcome, dt.datetime.now(dt.UTC))
    expect(page.get_by_text("结果：通过")).to_be_visible(timeout=POLLED)
    expect(page.get_by_role("link", name="下载审计报告（JSON）")).to_be_visible()


def test_lot_exports_download_through_the_console(browser: Browser, anchored: Console) -> None:
    browser.sign_in()
    page = browser.open(f"/evidence/exports?batch_id={LOT_ID}")
    expect(page.get_by_role("heading", name="导出", exact=True)).to_be_visible()
    browser.check_page("evidence-exports")

    epcis = json.loads(downloaded(page, "EPCIS 2.0 文档（JSON-LD）").read_text())
    csv = downloaded(page, "FSMA 204 电子表格（CSV）").read_text()
    xlsx = downloaded(page, "FSMA 204 电子表格（Excel）").read_bytes()

    assert epcis["type"] == "EPCISDocument"
    assert "L2026-001" in csv
    assert xlsx.startswith(b"PK")

    page.get_by_label("起始日期").fill("2020-01-01")
    page.get_by_label("格式").select_option("csv")
    with page.expect_download() as download:
        page.get_by_role("button", name="下载").click()
    every_lot = Path(download.value.path()).read_text()
    assert "L2026-001" in every_lot
    assert "L2026-003" in every_lot

    page.goto(browser.console.at("/evidence/exports/fsma204?since=2026-13-40"))
    expect(page.get_by_label("起始日期")).to_have_attribute("aria-invalid", "true")

    page.goto(browser.console.at("/evidence/exports?batch_id=09506000134352.NOPE"))
    expect(page.get_by_text("没有该编号的批次。")).to_be_visible()
    expect(page.get_by_label("批次编号")).to_have_attribute("aria-invalid", "true")


def test_evidence_writes_are_refused_without_the_csrf_token(anchored: Console) -> None:
    _, cookie = SessionSeal(anchored.secret, 3600).open_session(anchored.regulator_key)
    with httpx.Client(base_url=anchored.url) as client:
        client.cookies.set(SESSION_COOKIE, cookie, path="/console")
        audit = client.post("/console/evidence/audits", data={})
        bundle = client.post("/console/evidence/bundles", data={"bundle_text": "{}"})

    assert (audit.status_code, bundle.status_code) == (403, 403)
    assert anchored.api.as_org("samr", "GET", "/v1/audits").json()["audits"] == []
