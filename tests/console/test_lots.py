"""批次 Lots in a real Chromium: finding a lot by its number, by a pasted Digital Link and by a photo
of an item's QR code or by its GTIN; a lot's page with its lineage graph and its cold chain per
hop; the scans list."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from PIL import Image, ImageDraw, ImageFilter
from playwright.sync_api import Page, expect

from ingest import Message
from ingest._process import rfc3339
from regulator_console.pages import lots as lots_page
from regulator_console.sessions import SESSION_COOKIE, SessionSeal
from tests.api.conftest import Api, batch_payload
from tests.api.test_devices import COLD_STORE, add_device
from tests.console.conftest import DESKTOP, PHONE, Browser, Console
from tests.ingest.conftest import Clock, make_ingestor

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

GTIN = "09506000134352"
OTHER_GTIN, UNKNOWN_GTIN = "09506000888880", "09506000777771"
L1, L2 = f"{GTIN}.L2026-001", f"{GTIN}.L2026-002"
L1A, L1B = f"{L1}A", f"{L1}B"
IMPORTER_STORE, WHOLESALE_STORE = "海鲜进口 1 号冷库", "批发市场冷库 B2"


@dataclass
class Lots:
    api: Api
    codes: list[str]  # L1's items; the first was split off into L1A


def _scan(api: Api, handle: str, expected: int = 201, **body: Any) -> None:
    response = api.as_org(handle, "POST", "/v1/scans", json={"location": f"{handle} cold store", **body})
    assert response.status_code == expected, response.text


@pytest.fixture
def lots(console: Console) -> Lots:
    """haixian admits L1 (three items) and L2 and ships L1 to the wholesaler, who splits L1A (with
    the first item) and L1B off it; a shop that never held L1A offers its item for sale."""
    api = console.api
    for handle, kind in (("haixian", "importer"), ("wholesale", "wholesaler"), ("shop", "retailer")):
        api.add_org(handle, kind)
    assert api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian")).status_code == 201
    codes = api.as_org("haixian", "POST", f"/v1/batches/{L1}/codes", json={"count": 3}).json()["codes"]
    second = batch_payload(api, "haixian", lot="L2026-002")
    assert api.as_org("haixian", "POST", "/v1/batches", json=second).status_code == 201
    _scan(api, "haixian", action="ship", batch_id=L1, counterparty="wholesale")
    _scan(api, "wholesale", action="receive", batch_id=L1)
    children = [
        {"lot": "L2026-001A", "quantity": 600, "codes": [codes[0]]},
        {"lot": "L2026-001B", "quantity": 100},
    ]
    _scan(api, "wholesale", action="split", batch_id=L1, children=children)
    _scan(api, "shop", 409, action="sell", code=codes[0])  # off L1A's custody path: a signal
    return Lots(api, codes)


def _lot_path(batch_id: str) -> str:
    return f"/lots/{quote(batch_id, safe='')}"


def _qr_photo(api: Api, batch_id: str, code: str, path: Path) -> Path:
    """The QR symbol of an item of the lot as the API draws it, tilted, on a grey, slightly
    blurred, larger JPEG: a label photographed on a counter."""
    serial = code.rsplit("/", 1)[-1]
    qr = api.as_org("haixian", "GET", f"/v1/batches/{batch_id}/codes/{serial}/qr.png", params={"scale": 6})
    assert qr.status_code == 200, qr.text
    symbol = Image.open(io.BytesIO(qr.content)).convert("RGB").rotate(8, expand=True, fillcolor="white")
    photo = Image.new("RGB", (1200, 900), (176, 178, 181))
    ImageDraw.Draw(photo).rectangle((250, 120, 950, 800), fill=(236, 236, 232))  # the label
    photo.paste(symbol, (600 - symbol.width // 2, 460 - symbol.height // 2))
    photo.filter(ImageFilter.GaussianBlur(1)).save(path, "JPEG", quality=85)
    return path


def test_search_finds_a_lot_by_its_number_organisation_and_admission_time(
    browser: Browser, lots: Lots
) -> None:
    page = browser.sign_in()
    page.get_by_role("navigation").get_by_role("link", name="批次", exact=True).click()
    expect(page.get_by_role("heading", name="批次", exact=True)).to_be_visible()
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(4)  # L1B, L1A, L2, L1: newest first
    expect(rows.first).to_contain_text("L2026-001B")
    expect(rows.first).to_contain_text("分拆自 L2026-001")
    browser.check_page("lots")

    page.get_by_label("批号").fill("L2026-002")
    page.get_by_role("button", name="查询").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("haixian")
    expect(rows.first).to_contain_text("在库")
    page.get_by_role("link", name="L2026-002").click()
    expect(page.get_by_role("heading", name=re.compile("批次 L2026-002"))).to_be_visible()

    page.goto(browser.console.at("/lots?org=nobody"))
    org = page.get_by_label("机构（标识名）")
    expect(org).to_have_value("nobody")
    expect(org).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#org-error")).to_contain_text("nobody")

    since = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    page.goto(browser.console.at(f"/lots?since={quote(since)}"))  # as the dashboard links it
    expect(page.get_by_text("没有符合条件的批次。")).to_be_visible()
    shown = dt.datetime.fromisoformat(since).astimezone(dt.timezone(dt.timedelta(hours=8)))
    expect(page.get_by_label("准入时间起（北京时间）")).to_have_value(shown.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("准入时间起（北京时间）").fill("2020-01-01T00:00")
    page.get_by_label("批次类型").select_option("true")
    page.get_by_role("button", name="查询").click()
    expect(rows).to_have_count(2)
    expect(page).to_have_url(re.compile(r"since=2020-01-01T00%3A00&split=true"))

    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Lots", exact=True)).to_be_visible()
    expect(rows.first).to_contain_text("split from L2026-001")
    browser.check_page("lots-en")


def test_search_by_gtin_lists_that_products_lots_and_an_unknown_gtin_none(
    browser: Browser, lots: Lots
) -> None:
    api = lots.api
    other = {**batch_payload(api, "haixian", lot="M2026-007"), "gtin": OTHER_GTIN}
    assert api.as_org("haixian", "POST", "/v1/batches", json=other).status_code == 201
    page = browser.sign_in()
    browser.open("/lots")
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(5)

    page.get_by_label("商品条码（GTIN）").fill(GTIN)
    page.get_by_role("button", name="查询").click()
    expect(page).to_have_url(re.compile(rf"gtin={GTIN}"))
    expect(rows).to_have_count(4)  # L1, L2 and the two lots split off L1
    for lot in ("L2026-001B", "L2026-001A", "L2026-002", "L2026-001"):
        expect(rows.filter(has=page.get_by_role("link", name=lot, exact=True))).to_contain_text(GTIN)
    expect(rows.filter(has_text="M2026-007")).to_have_count(0)

    page.get_by_label("商品条码（GTIN）").fill(UNKNOWN_GTIN)
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_text("没有符合条件的批次。")).to_be_visible()
    expect(rows).to_have_count(0)
    expect(page.get_by_label("商品条码（GTIN）")).to_have_value(UNKNOWN_GTIN)


def test_lot_list_pages_by_cursor_keeping_its_search(
    browser: Browser, lots: Lots, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lots_page, "PAGE_SIZE", 2)
    page = browser.sign_in()

    browser.open(f"/lots?gtin={GTIN}")
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("L2026-001B")  # newest first
    expect(rows.nth(1)).to_contain_text("L2026-001A")
    page.get_by_role("link", name="下一页").click()
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("L2026-002")
    expect(rows.nth(1)).to_contain_text("L2026-001")
    expect(page).to_have_url(re.compile(rf"gtin={GTIN}.*cursor="))
    expect(page.get_by_label("商品条码（GTIN）")).to_have_value(GTIN)
    browser.check_page("lots-second-page")
    page.get_by_role("link", name="第一页").click()
    expect(rows.nth(0)).to_contain_text("L2026-001B")


def test_a_pasted_digital_link_goes_to_the_lot_its_item_is_in(browser: Browser, lots: Lots) -> None:
    page = browser.sign_in()
    browser.open("/lots")

    link = page.get_by_label("单品的数字链接（二维码中的网址）")
    link.fill(lots.codes[0])  # printed with lot L2026-001, split off into L2026-001A
    page.get_by_role("button", name="查找批次", exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(_lot_path(L1A)) + "$"))
    expect(page.get_by_role("heading", name=re.compile("批次 L2026-001A"))).to_be_visible()

    browser.open("/lots")
    link.fill("http://example.com/not-a-code")
    page.get_by_role("button", name="查找批次", exact=True).click()
    expect(link).to_have_value("http://example.com/not-a-code")
    expect(link).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#code-error")).to_contain_text("这不是 GS1 数字链接")
    browser.check_page("lots-bad-link")

    never = lots.codes[1].rsplit("/", 1)[0] + "/NEVERISSUED01"
    link.fill(never)
    page.get_by_role("button", name="查找批次", exact=True).click()
    expect(page.locator("#code-error")).to_contain_text("从未赋出")


def test_a_photo_of_a_qr_code_goes_to_the_lot(browser: Browser, lots: Lots, tmp_path: Path) -> None:
    page = browser.sign_in()
    browser.open("/lots")
    photo = page.get_by_label("或上传单品二维码照片")

    photo.set_input_files(_qr_photo(lots.api, L1, lots.codes[1], tmp_path / "label.jpg"))
    page.get_by_role("button", name="识别二维码并查找批次").click()
    expect(page).to_have_url(re.compile(re.escape(_lot_path(L1)) + "$"))
    expect(page.get_by_role("heading", name=re.compile("批次 L2026-001"))).to_be_visible()

    browser.open("/lots")
    blank = tmp_path / "counter.png"
    Image.new("RGB", (800, 600), (176, 178, 181)).save(blank)
    photo.set_input_files(blank)
    page.get_by_role("button", name="识别二维码并查找批次").click()
    expect(page.locator("#photo-error")).to_contain_text("未能识别出二维码")
    expect(photo).to_have_attribute("aria-invalid", "true")
    browser.check_page("lots-bad-photo")

    text = tmp_path / "label.png"
    text.write_text("not a picture")
    photo.set_input_files(text)
    page.get_by_role("button", name="识别二维码并查找批次").click()
    expect(page.locator("#photo-error")).to_contain_text("不是图片")


def test_a_photo_sent_without_the_forms_token_is_refused(console: Console, lots: Lots) -> None:
    _, sealed = SessionSeal(console.secret, 3600).open_session(console.regulator_key)
    with httpx.Client(base_url=console.url, timeout=30) as client:
        client.cookies.set(SESSION_COOKIE, sealed, path="/console")
        refused = client.post("/console/lots/photo", files={"photo": ("a.png", b"x", "image/png")})
        anonymous = httpx.post(
            console.url + "/console/lots/photo", files={"photo": ("a.png", b"x", "image/png")}
        )

    assert refused.status_code == 403
    assert anonymous.status_code == 303
    assert "/console/signin" in anonymous.headers["location"]


def _node_on_screen(page: Page, batch_id: str) -> dict[str, float]:
    page.locator("#lineage-graph").scroll_into_view_if_needed()
    # The graph learns where its container moved with the scroll event, dispatched next frame.
    page.evaluate("new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
    position: dict[str, float] = page.evaluate(
        """(id) => {
            const cy = window.suyuanLineage;
            const at = cy.getElementById(id).renderedPosition();
            const box = cy.container().getBoundingClientRect();
            return {x: box.left + at.x, y: box.top + at.y};
        }""",
        batch_id,
    )
    return position


def test_lot_page_shows_the_lot_and_its_lineage_graph_leads_to_other_lots(
    browser: Browser, lots: Lots
) -> None:
    page = browser.sign_in()
    browser.open(_lot_path(L1))

    graph = page.locator("#lineage-graph")
    expect(graph).to_have_attribute("data-node-count", "3")
    assert page.evaluate("window.suyuanLineage.edges().length") == 2
    assert sorted(page.evaluate("window.suyuanLineage.nodes().map(n => n.id())")) == [L1, L1A, L1B]
    custody = page.get_by_role("region", name="流通路径")
    expect(custody.locator("tbody tr")).to_have_count(2)  # admitted, shipped (received)
    expect(custody).to_contain_text("haixian → wholesale")
    expect(
        page.get_by_role("region", name="证明文件").get_by_role("link", name=re.compile("查看文件"))
    ).to_have_count(3)
    expect(page.get_by_role("link", name="发起召回")).to_have_attribute(
        "href", f"/console/recalls/new?batch_id={quote(L1, safe='')}"
    )
    expect(page.get_by_role("link", name="导出本批次记录")).to_have_attribute(
        "href", f"/console/evidence/exports?batch_id={quote(L1, safe='')}"
    )
    browser.check_page("lot")
    page.set_viewport_size(PHONE)
    expect(graph).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    page.set_viewport_size(DESKTOP)

    position = _node_on_screen(page, L1A)
    page.mouse.click(position["x"], position["y"])
    expect(page).to_have_url(re.compile(re.escape(_lot_path(L1A)) + "$"))
    expect(page.get_by_role("heading", name=re.compile("批次 L2026-001A"))).to_be_visible()
    expect(page.locator("#lineage-graph")).to_have_attribute("data-node-count", "2")  # L1 and L1A
    signals = page.get_by_role("region", name=re.compile("疑似假冒信号"))
    expect(signals).to_contain_text("偏离流通路径")
    certificates = page.get_by_role("region", name="证明文件")
    expect(certificates).to_contain_text("随本批次的来源批次 L2026-001 准入时提交")
    browser.check_page("lot-split")

    tree = page.get_by_role("list", name="谱系中的批次")
    expect(tree.locator("[aria-current=page]")).to_have_text("L2026-001A")
    tree.get_by_role("link", name="L2026-001").click()
    expect(page).to_have_url(re.compile(re.escape(_lot_path(L1)) + "$"))


def test_lot_page_lets_the_regulator_read_each_certificate_and_the_lineage_data(
    browser: Browser, lots: Lots
) -> None:
    page = browser.sign_in()
    browser.open(_lot_path(L1))
    first = page.get_by_role("region", name="证明文件").get_by_role("link", name=re.compile("查看文件")).first

    document = page.request.get(browser.console.url + str(first.get_attribute("href")))
    lineage = page.request.get(browser.console.at(_lot_path(L1A) + "/lineage.json")).json()

    assert document.status == 200
    assert document.body() == b"quarantine L2026-001"
    assert lineage["batch_id"] == L1A
    assert [(n["id"], n["current"], n["url"]) for n in lineage["nodes"]] == [
        (L1, False, "/console" + _lot_path(L1)),
        (L1A, True, "/console" + _lot_path(L1A)),
    ]
    assert lineage["edges"] == [{"source": L1, "target": L1A}]
    assert page.request.get(browser.console.at(_lot_path(L1) + "/documents/" + "0" * 64)).status == 404


def test_lot_page_links_to_the_recall_covering_a_lot_split_from_a_recalled_one(
    browser: Browser, lots: Lots
) -> None:
    recall = {"batch_id": L1, "reason": "Vibrio parahaemolyticus found", "recall_class": "I"}
    issued = lots.api.as_org("samr", "POST", "/v1/recalls", json=recall)
    assert issued.status_code == 201, issued.text
    page = browser.sign_in()

    browser.open(_lot_path(L1B))

    expect(page.locator(".lot-state")).to_contain_text("随上级批次召回")
    link = page.get_by_role("region", name="召回").get_by_role("link", name=re.compile("I 级召回"))
    expect(link).to_have_attribute("href", f"/console/recalls/{issued.json()['id']}")
    expect(page.get_by_role("link", name="发起召回")).to_have_count(0)
    browser.open("/lots?lot=L2026-001B")
    expect(page.locator("main table tbody tr").first).to_contain_text("随上级批次召回")


def test_scans_list_shows_todays_scans_of_an_action_and_leads_to_the_lot(
    browser: Browser, lots: Lots
) -> None:
    page = browser.sign_in()
    since = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)

    browser.open(f"/scans?action=ship&since={quote(since.isoformat())}")
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("发货")
    expect(rows.first).to_contain_text("haixian")
    expect(rows.first).to_contain_text("wholesale")
    expect(page.get_by_label("操作")).to_have_value("ship")
    browser.check_page("scans")

    page.get_by_label("操作").select_option("")
    page.get_by_role("button", name="查询").click()
    expect(rows).to_have_count(3)  # split, receive, ship: newest first
    expect(rows.first).to_contain_text("分拆")
    expect(rows.first.get_by_role("link", name="L2026-001A")).to_be_visible()
    rows.nth(1).get_by_role("link", name="L2026-001").click()
    expect(page.get_by_role("heading", name=re.compile("批次 L2026-001"))).to_be_visible()

    page.get_by_role("link", name="本批次的扫码记录").click()
    expect(rows).to_have_count(3)
    browser.open("/scans?since=yesterday")
    expect(page.locator("#since-error")).to_contain_text("请输入日期和时间")


def _readings(api: Api, username: str, clock: Clock, *taken: tuple[dt.datetime, float]) -> None:
    """Temperatures of a registered device, taken at the given times, through a real Ingestor."""
    ingestor = make_ingestor(api, clock)
    messages = [
        Message(
            f"suyuan/v1/{username}/temperature",
            json.dumps({"seq": seq, "time": rfc3339(at), "celsius": celsius}).encode(),
        )
        for seq, (at, celsius) in enumerate(taken)
    ]
    assert ingestor.ingest(messages).dead_reasons == []


def test_lot_page_shows_the_cold_chain_of_each_hop(browser: Browser) -> None:
    """The lot stays in haixian's store (three readings in the stay, one before it), travels, then
    stays in the wholesaler's store (two readings): one row per stay, with its own figures."""
    api = browser.console.api
    api.add_org("haixian", "importer")
    api.add_org("wholesale", "wholesaler")
    for handle, place in (("haixian", IMPORTER_STORE), ("wholesale", WHOLESALE_STORE)):
        add_device(api, handle, {**COLD_STORE, "location": place})
    admitted = api.as_org(
        "haixian", "POST", "/v1/batches", json={**batch_payload(api, "haixian"), "location": IMPORTER_STORE}
    )
    assert admitted.status_code == 201, admitted.text
    start = dt.datetime.fromisoformat(admitted.json()["created_at"])

    def at(seconds: int) -> dt.datetime:
        return start + dt.timedelta(seconds=seconds)

    _scan(api, "haixian", action="ship", batch_id=L1, counterparty="wholesale", time=rfc3339(at(100)))
    _scan(api, "wholesale", action="receive", batch_id=L1, location=WHOLESALE_STORE, time=rfc3339(at(200)))
    api.mined()  # the ingestor writes behind the API's back
    clock = Clock(at(300))
    _readings(api, "haixian/cs-01", clock, (at(-60), -5.0), (at(10), -20.0), (at(20), -21.5), (at(30), -19.0))
    _readings(api, "wholesale/cs-01", clock, (at(210), -18.5), (at(220), -20.0))
    page = browser.sign_in()

    browser.open(_lot_path(L1))
    section = page.locator("section[aria-labelledby='cold-h']")
    expect(section.get_by_role("heading", name="冷链记录")).to_be_visible()
    rows = section.locator("tbody tr")
    expect(rows).to_have_count(2)
    first, second = rows.nth(0).locator("td"), rows.nth(1).locator("td")
    expect(first).to_have_text([IMPORTER_STORE, "haixian Co.", re.compile(r"\d{4}-"), re.compile(r"\d{4}-"),
                                "3", "-21.5 – -19.0 °C", "0"])  # fmt: skip
    expect(second).to_have_text([WHOLESALE_STORE, "wholesale Co.", re.compile(r"\d{4}-"), "现在",
                                 "2", "-20.0 – -18.5 °C", "0"])  # fmt: skip
    browser.check_page("lot-cold-chain")
