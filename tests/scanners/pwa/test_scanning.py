"""Scanning with the phone: a real label's QR through Chromium's fake camera, and scans made offline
that wait in the phone's queue, survive a closed tab and reach the ledger once the network is back —
or are refused with the reason in words."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import segno
from playwright.sync_api import Browser as PwBrowser
from playwright.sync_api import expect

from tests.conftest import CHROMIUM
from tests.scanners.pwa.conftest import (
    SHOP,
    Phone,
    Scanner,
    goods_at_shop,
    new_phone,
    recorded_scans,
    write_y4m,
)

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

FRAME_WIDTH, FRAME_HEIGHT = 640, 480


def _path(code: str) -> str:
    """A Digital Link's path (``/01/…/10/…/21/…``): the item, whichever resolver's host it names."""
    return urlsplit(code).path


def _label_video(path: Path, code: str) -> Path:
    """A camera's view of a label: the code's QR, black on white, in the middle of the frame."""
    modules = [list(row) for row in segno.make(code, error="m").matrix_iter(scale=8, border=4)]
    frame = [[255] * FRAME_WIDTH for _ in range(FRAME_HEIGHT)]
    top, left = (FRAME_HEIGHT - len(modules)) // 2, (FRAME_WIDTH - len(modules[0])) // 2
    for y, row in enumerate(modules):
        for x, dark in enumerate(row):
            if dark:
                frame[top + y][left + x] = 0
    write_y4m(path, frame)
    return path


@pytest.fixture
def camera_browser(chromium: PwBrowser, tmp_path: Path, scanner: Scanner) -> Iterator[tuple[PwBrowser, str]]:
    """A second Chromium whose camera films a label of the shop's first item."""
    code = goods_at_shop(scanner.api).codes[0]
    video = _label_video(tmp_path / "label.y4m", code)
    browser = chromium.browser_type.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=[
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    yield browser, code
    browser.close()


def test_the_camera_reads_a_label_and_the_sale_reaches_the_ledger(
    camera_browser: tuple[PwBrowser, str], scanner: Scanner
) -> None:
    browser, code = camera_browser
    phone = new_phone(browser, scanner)
    try:
        page = phone.sign_in(scanner.api.keys[SHOP])
        phone.choose("销售", place="Till 1")
        page.get_by_role("button", name="打开相机").click()
        expect(page.get_by_role("button", name="关闭相机")).to_be_visible()
        expect(page.locator("#count")).to_have_text("1", timeout=20_000)
        expect(phone.count("recorded")).to_have_text("1")
        # The label stays in view for longer than the two seconds after which a code counts again,
        # and is still one scan: it is the same code seen again, not a new one.
        first_seen = page.evaluate("document.getElementById('video').currentTime")
        page.wait_for_function(
            "(since) => document.getElementById('video').currentTime > since + 3", arg=first_seen
        )
        expect(page.locator("#count")).to_have_text("1")
        phone.show("已记录")
        expect(page.locator("#queue-list li")).to_contain_text("销售")
        sold = recorded_scans(scanner.api, SHOP, "sell")
        assert [(s["code"], s["location"]) for s in sold] == [(code, "Till 1")]
        page.get_by_role("button", name="关闭相机").click()
        expect(page.get_by_role("button", name="打开相机")).to_be_visible()
        phone.check_page("scanned")
    finally:
        phone.context.close()
    assert not phone.outside, phone.outside[:3]


def test_offline_scans_wait_on_the_phone_and_reach_the_ledger_once_online(phone: Phone) -> None:
    api = phone.scanner.api
    goods = goods_at_shop(api)
    page = phone.sign_in(api.keys[SHOP])
    phone.wait_offline_ready()
    phone.choose("销售", place="Till 1")

    phone.context.set_offline(True)
    page.reload()  # the app opens from the service worker
    phone.wait_ready()
    expect(page.locator("#network")).to_have_text("离线")
    expect(page.locator("#notice")).to_have_text("离线：扫码已保存在本机，联网后自动同步。")
    phone.type_code(goods.codes[0])
    phone.type_code(goods.codes[1])
    expect(phone.count("pending")).to_have_text("2")
    expect(page.locator("#queue-list li")).to_have_count(2)
    expect(page.locator("#queue-list li").first).to_contain_text("待同步")
    waiting = phone.stored()["databases"]["suyuan-scanner/scans"]
    scan_times = {_path(scan["code"]): scan["time"] for scan in waiting}
    assert not recorded_scans(api, SHOP, "sell")

    phone.context.set_offline(False)  # the `online` event sends the queue
    expect(phone.count("recorded")).to_have_text("2")
    expect(phone.count("pending")).to_have_text("0")
    expect(page.locator("#network")).to_have_text("在线")
    expect(page.locator("#notice")).to_be_empty()
    sold = recorded_scans(api, SHOP, "sell")
    assert sorted(s["code"] for s in sold) == sorted(goods.codes[:2])
    assert {_path(s["code"]): s["time"] for s in sold} == scan_times  # when they were scanned, offline

    page.get_by_role("button", name="立即同步").click()  # sending again records nothing twice
    expect(phone.count("recorded")).to_have_text("2")
    assert len(recorded_scans(api, SHOP, "sell")) == 2


def test_scans_made_before_the_tab_closed_are_sent_on_the_next_open_or_refused_with_why(
    phone: Phone,
) -> None:
    api = phone.scanner.api
    goods = goods_at_shop(api)
    page = phone.sign_in(api.keys[SHOP])
    phone.wait_offline_ready()
    phone.choose("销售", place="Till 1")
    phone.context.set_offline(True)
    expect(page.locator("#network")).to_have_text("离线")
    never_issued = re.sub(r"/21/[^/]+$", "/21/NEVERISSUED1", goods.codes[0])
    another_network = "https://id.other-network.example/01/09506000134352/10/ELSEWHERE/21/X1"
    for code in (goods.codes[2], goods.codes[3], never_issued, another_network):
        phone.type_code(code)
    expect(phone.count("pending")).to_have_text("4")
    # Meanwhile the shop's other till, online, sells one of the same items.
    other_till = api.as_org(
        SHOP, "POST", "/v1/scans", json={"action": "sell", "code": goods.codes[3], "location": "Till 2"}
    )
    assert other_till.status_code == 201, other_till.text
    page.close()

    phone.context.set_offline(False)
    phone.page = phone.context.new_page()
    page = phone.open("/")
    phone.wait_ready()
    expect(phone.count("recorded")).to_have_text("1")
    expect(phone.count("refused")).to_have_text("3")
    phone.show("被拒绝")
    refused = page.locator("#queue-list li")
    expect(refused).to_have_count(3)
    expect(refused.filter(has_text="已售出过（疑似仿冒）")).to_have_count(1)
    expect(refused.filter(has_text="从未赋码（疑似仿冒）")).to_have_count(1)
    expect(refused.filter(has_text="其他追溯网络的码")).to_contain_text("code: a code of another network")
    phone.check_page("refused")
    signals = api.as_org("samr", "GET", "/v1/signals").json()["signals"]
    # Another network's code is refused, not taken for a counterfeit of this network's.
    assert sorted(s["reason"] for s in signals) == ["code_never_issued", "sold_twice"]

    page.get_by_role("button", name="English").click()
    expect(refused.filter(has_text="Sold before (suspected counterfeit)")).to_have_count(1)
    expect(page.get_by_role("heading", name="Scans on this phone")).to_be_visible()
    phone.check_page("refused-en")


def test_another_members_scans_stay_its_own_and_goods_it_does_not_hold_are_refused(phone: Phone) -> None:
    api = phone.scanner.api
    goods = goods_at_shop(api)
    page = phone.sign_in(api.keys[SHOP])
    phone.choose("销售", place="Till 1")
    phone.type_code(goods.codes[4])
    expect(phone.count("recorded")).to_have_text("1")
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("heading", name="登录")).to_be_visible()

    phone.sign_in(api.keys["shop2"])
    expect(phone.count("recorded")).to_have_text("0")  # the shop's scans are not shown to shop2
    phone.choose("销售", place="Stall 9")
    phone.type_code(goods.codes[5])
    expect(phone.count("refused")).to_have_text("1")
    phone.show("被拒绝")
    expect(page.locator("#queue-list li")).to_contain_text("不在本单位保管")


def test_shipping_to_a_named_partner_moves_the_lot(phone: Phone) -> None:
    api = phone.scanner.api
    goods = goods_at_shop(api)
    page = phone.sign_in(api.keys[SHOP])
    phone.choose("发货", place="Back door", partner="shop")
    phone.type_code(goods.codes[0])
    expect(phone.count("refused")).to_have_text("1")  # not to itself
    phone.choose("发货", place="Back door", partner="shop2")
    phone.type_code(goods.codes[1])
    expect(phone.count("recorded")).to_have_text("1")
    shipped = recorded_scans(api, SHOP, "ship")
    assert [(s["batch_id"], s["to"], s["location"]) for s in shipped] == [
        (goods.batch_id, "shop2", "Back door")
    ]
    expect(page.get_by_label("发往（对方单位标识）")).to_have_value("shop2")
    phone.show("被拒绝")
    expect(page.locator("#queue-list li")).to_contain_text("请发往其他经营单位，不能发往本单位或监管部门")


def test_splitting_off_the_scanned_items_makes_a_new_lot(phone: Phone) -> None:
    api = phone.scanner.api
    goods = goods_at_shop(api)
    page = phone.sign_in(api.keys[SHOP])
    phone.choose("分拆", place="Repacking room")
    page.get_by_label("新批号").fill("L2026-001S")
    page.get_by_label("新批次数量").fill("100")
    for code in goods.codes[:2]:
        phone.type_code(code)
    expect(page.locator("#split-count")).to_have_text("2")
    expect(phone.count("pending")).to_have_text("0")  # the items wait for the split to be recorded
    page.get_by_role("button", name="记录分拆").click()
    expect(phone.count("recorded")).to_have_text("1")
    expect(page.locator("#split-count")).to_have_text("0")
    child = goods.batch_id.rsplit(".", 1)[0] + ".L2026-001S"
    split = recorded_scans(api, SHOP, "split")
    assert [(s["batch_id"], s["children"], s["location"]) for s in split] == [
        (goods.batch_id, [child], "Repacking room")
    ]
    moved = api.as_org(SHOP, "GET", f"/v1/batches/{child}/codes").json()["codes"]
    assert sorted(_path(c["uri"]) for c in moved) == sorted(_path(c) for c in goods.codes[:2])


def test_a_session_that_ends_keeps_the_scans_waiting_until_the_member_signs_in_again(phone: Phone) -> None:
    api = phone.scanner.api
    goods = goods_at_shop(api)
    page = phone.sign_in(api.keys[SHOP])
    phone.choose("销售", place="Till 1")
    phone.context.clear_cookies()  # the session has ended (or the cookie was lost)
    phone.type_code(goods.codes[0])
    expect(page.locator("#notice")).to_have_text("登录已失效：请重新登录以同步待发送的扫码。")
    expect(phone.count("pending")).to_have_text("1")
    page.get_by_role("link", name="重新登录").click()
    phone.sign_in(api.keys[SHOP])
    expect(phone.count("recorded")).to_have_text("1")
    assert [_path(s["code"]) for s in recorded_scans(api, SHOP, "sell")] == [_path(goods.codes[0])]


def test_the_service_worker_sends_the_queue_when_the_network_returns_with_no_tab_open(phone: Phone) -> None:
    api = phone.scanner.api
    goods = goods_at_shop(api)
    page = phone.sign_in(api.keys[SHOP])
    phone.wait_offline_ready()
    phone.choose("销售", place="Till 1")
    phone.context.set_offline(True)
    expect(page.locator("#network")).to_have_text("离线")
    phone.type_code(goods.codes[0])
    expect(phone.count("pending")).to_have_text("1")
    page.close()
    with phone.context.expect_event(
        "requestfinished", lambda r: r.url.endswith("/scan/api/sync"), timeout=60_000
    ) as synced:
        phone.context.set_offline(False)
    assert synced.value.service_worker is not None  # sent by the worker: no page is open
    assert [_path(s["code"]) for s in recorded_scans(api, SHOP, "sell")] == [_path(goods.codes[0])]
    phone.page = phone.context.new_page()
    phone.open("/")
    expect(phone.count("recorded")).to_have_text("1")  # the worker settled the phone's queue too
    expect(phone.count("pending")).to_have_text("0")
