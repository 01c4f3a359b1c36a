"""An elevator's public page (the QR symbol's target): what it shows, fault reports bounded in size
and rate, recorded in the ledger for the units, and never shown back to the public; and the page
on a phone in a real Chromium."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from sqlmodel import Session, select

from evidence import record_from_bytes
from tests.api.conftest import Api
from tests.equipment._registry import (
    MAINTAINER,
    OTHER_MAINTAINER,
    USER,
    code,
    maintain,
    ok,
    refused,
    register,
    setup_registry,
)
from trace_api.app import create_app
from trace_api.equipment import EquipmentRules
from trace_api.notices import OwedNotice
from trace_api.orgs.models import Organisation
from trace_api.server import start_server

PHONE = ViewportSize(width=390, height=844)
SECRET = "电梯在5楼和6楼之间停了，里面有两个人 call 13800138000"


@pytest.fixture
def registry(api: Api) -> Api:
    setup_registry(api)
    register(api, 1)
    return api


def _report(api: Api, n: int = 1, **fields: str) -> object:
    form = {"problem": "trapped", "detail": SECRET, "contact": "138 0013 8000", **fields}
    return api.client.post(f"/e/{code(n)}/reports", data=form, follow_redirects=False)


def _fault_records(api: Api) -> list[dict[str, object]]:
    found = []
    for _, body in api.services.ledger.iter_records():
        record = record_from_bytes(body)
        if record.kind == "equipment.fault_reported":
            found.append(record.payload)
    return found


def test_page_shows_maintenance_and_inspection_in_chinese_then_english(registry: Api) -> None:
    page = registry.client.get(f"/e/{code(1)}")

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "3号楼 1号梯" in page.text
    assert "正常 In order" in page.text
    assert "暂无记录 None on record" in page.text  # no maintenance yet
    assert "2027-06-30" in page.text
    assert "96333" in page.text
    assert "tower-props Co." in page.text
    assert "lift-care Co." in page.text

    maintain(registry, 1, performed_at=(dt.datetime.now(dt.UTC) - dt.timedelta(days=20)).isoformat())
    page = registry.client.get(f"/e/{code(1)}")
    assert "维保超期 Maintenance overdue" in page.text
    assert "已超期 overdue" in page.text


def test_unknown_elevator_answers_a_page_saying_so(registry: Api) -> None:
    page = registry.client.get(f"/e/{code(7)}")
    assert page.status_code == 404
    assert "未找到电梯 No such elevator" in page.text


def test_report_is_recorded_for_the_units_and_never_shown_back(registry: Api) -> None:
    sent = _report(registry)

    assert sent.status_code == 303  # type: ignore[attr-defined]
    location = sent.headers["location"]  # type: ignore[attr-defined]
    page = registry.client.get(location)
    assert "已收到您的报修 Report received" in page.text
    assert SECRET not in page.text
    assert "13800138000" not in page.text
    assert "138 0013 8000" not in page.text
    [payload] = _fault_records(registry)
    assert payload["problem"] == "trapped"
    expected = hashlib.sha256(f"{SECRET}\x00138 0013 8000".encode()).hexdigest()
    assert payload["report_sha256"] == expected
    assert SECRET not in str(payload)
    for handle in (MAINTAINER, USER, "samr"):
        [report] = ok(registry.as_org(handle, "GET", f"/v1/equipment/{code(1)}/fault-reports"), 200)[
            "reports"
        ]
        assert report["detail"] == SECRET
        assert report["contact"] == "138 0013 8000"
    refused(registry.as_org(OTHER_MAINTAINER, "GET", f"/v1/equipment/{code(1)}/fault-reports"), 404)
    # A reference that is not this elevator's recent report confirms nothing.
    assert "已收到" not in registry.client.get(f"/e/{code(1)}?reported=0123456789abcdef").text
    assert "client_key" not in report  # the address's keyed hash stays in the database
    with Session(registry.services.engine) as session:
        owed = session.exec(select(OwedNotice).where(OwedNotice.event == "equipment.fault_reported")).all()
        told = {session.get(Organisation, n.org_id).handle for n in owed}  # type: ignore[union-attr]
    assert told == {MAINTAINER, USER, "samr"}  # the units and the grid inspector's regulator
    assert all(SECRET not in n.message and "0013 8000" not in n.message for n in owed)


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"problem": "fire"}, "请选择问题类型"),
        ({"detail": "x" * 501}, "说明最多 500 字"),
        ({"detail": "stuck\x00"}, "控制字符"),
        ({"contact": "<script>"}, "电话只能包含数字"),
    ],
)
def test_bad_report_is_refused_with_the_page_and_nothing_recorded(
    registry: Api, fields: dict[str, str], says: str
) -> None:
    answer = _report(registry, **fields)

    assert answer.status_code == 422  # type: ignore[attr-defined]
    assert says in answer.text  # type: ignore[attr-defined]
    assert "<script>" not in answer.text  # type: ignore[attr-defined]
    assert _fault_records(registry) == []


def test_report_larger_than_a_form_is_refused_unread(registry: Api) -> None:
    answer = _report(registry, detail="x" * 9000)
    assert answer.status_code == 413  # type: ignore[attr-defined]
    assert _fault_records(registry) == []


def test_reports_are_bounded_per_address_and_per_elevator(registry: Api) -> None:
    register(registry, 2)
    registry.client.app.state.equipment_rules = EquipmentRules(  # type: ignore[attr-defined]
        fault_reports_per_hour=2, reports_per_equipment_per_hour=3
    )
    assert [_report(registry).status_code for _ in range(3)] == [303, 303, 429]  # type: ignore[attr-defined]
    limited = _report(registry, n=2)
    assert limited.status_code == 429  # type: ignore[attr-defined]
    assert "报修太频繁 Too many reports" in limited.text  # type: ignore[attr-defined]
    assert len(_fault_records(registry)) == 2

    registry.client.app.state.equipment_rules = EquipmentRules(
        fault_reports_per_hour=100, reports_per_equipment_per_hour=3
    )  # type: ignore[attr-defined]
    assert [_report(registry).status_code for _ in range(2)] == [303, 429]  # type: ignore[attr-defined]
    assert _report(registry, n=2).status_code == 303  # type: ignore[attr-defined]
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1, minutes=1)
    registry.client.app.state.equipment_clock = lambda: later  # type: ignore[attr-defined]
    assert _report(registry).status_code == 303  # type: ignore[attr-defined]


# -- in a browser -----------------------------------------------------------------------------------


@pytest.fixture
def live_url(registry: Api) -> Iterator[str]:
    url, stop = start_server(create_app(registry.services), "127.0.0.1", 0)
    yield url
    stop()


@pytest.fixture
def phone(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_phone_reports_a_fault_from_the_page(
    registry: Api, live_url: str, phone: Page, tmp_path: Path
) -> None:
    hosts: set[str | None] = set()
    phone.on("request", lambda request: hosts.add(urlsplit(request.url).hostname))

    phone.goto(f"{live_url}/e/{code(1)}")
    expect(phone.locator("#name")).to_have_text("3号楼 1号梯")
    expect(phone.locator("#status")).to_have_text("正常 In order")
    assert (
        phone.locator("#status").evaluate("e => getComputedStyle(e).color") == "rgb(19, 115, 51)"
    )  # stylesheet
    assert int(phone.evaluate("document.documentElement.scrollWidth")) <= PHONE["width"]
    phone.screenshot(path=tmp_path / "equipment-public-phone.png", full_page=True)
    phone.get_by_label("门故障 Doors").check()
    phone.locator("#detail").fill(SECRET)
    phone.locator("#contact").fill("13800138000")
    phone.get_by_role("button", name="提交报修 Send the report").click()

    expect(phone.locator("#reported")).to_contain_text("已收到您的报修 Report received")
    assert SECRET not in phone.content()
    assert int(phone.evaluate("document.documentElement.scrollWidth")) <= PHONE["width"]
    assert hosts == {"127.0.0.1"}, f"the page reached other hosts: {hosts}"
    [report] = ok(registry.as_org(MAINTAINER, "GET", f"/v1/equipment/{code(1)}/fault-reports"), 200)[
        "reports"
    ]
    assert (report["problem"], report["detail"]) == ("doors", SECRET)
