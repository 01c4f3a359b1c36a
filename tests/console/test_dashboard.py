"""总览 Dashboard in a real Chromium: each figure's value over a network with an open cold-chain
alert, a risk warning, a recall half acknowledged, today's scans and a counterfeit signal, and
each figure (the counts in the headings too) a link leading to the list that shows the same count."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import Locator, Page, expect

from regulator_console import DashboardCard
from regulator_console.pages import PAGES
from regulator_console.pages.dashboard import AlertFigure, alert_figures, alert_list_total
from tests.api.conftest import Api
from tests.api.test_alerts import Device
from tests.api.test_devices import COLD_STORE
from tests.api.test_recalls import BATCH
from tests.api.test_recalls import network_of_holders as network_of_holders
from tests.api.test_resolver import anchor
from tests.conftest import Network
from tests.console.conftest import Browser
from tests.risk.conftest import excursion
from trace_api.gs1 import ItemCode as Code
from trace_api.risk import RiskEvaluator, default_rules

on_sqlite = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

REASON = "Vibrio parahaemolyticus in a sample 抽检检出副溶血性弧菌"
#: The figures a test network sets, by label, beside zero for every other one.
EXPECTED = {
    "温度超标": 1,
    "入市批次": 1,  # the lot admitted today; its two split-off children are not admissions
    "发货": 2,
    "收货": 2,
    "分拆": 1,
    "未赋码的追溯码": 1,
    "橙色风险预警": 1,
}
#: The rows of a list page (an empty list's single "nothing matches" row is not one).
LISTED_ROWS = "main table tbody tr:not(:has(td[colspan]))"


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _acknowledge(api: Api, handle: str, recall_id: str, quantity: float) -> None:
    url = f"/v1/recalls/{recall_id}/acknowledgements"
    _ok(api.as_org(handle, "POST", url, json={"quantity_quarantined": quantity}), 201)


@pytest.fixture
def busy(network_of_holders: Api) -> tuple[Api, str]:
    """The holders' network (five scans today), haixian's frozen store too warm, an orange risk
    warning about repeated excursions at a cold store, the lot recalled and acknowledged by the
    shop (one of two holders), and a made-up code offered for sale."""
    api = network_of_holders
    api.mined()  # the ingestor writes behind the API's back
    Device(api, "haixian", COLD_STORE).excursion()
    api.add_org("coldstore", "importer")
    for day in (0, 1, 2):
        excursion(api, "coldstore", day)
    raised = RiskEvaluator(api.services, default_rules()).run_once()
    assert [(w.level, w.group_key) for w in raised] == [("orange", "coldstore")], raised
    body = {"batch_id": BATCH, "reason": REASON, "recall_class": "I"}
    recall_id = str(_ok(api.as_org("samr", "POST", "/v1/recalls", json=body), 201)["id"])
    _acknowledge(api, "shop", recall_id, 600)
    fake = Code("09506000134352", "L2026-001", "FAKEFAKEFAKEFAKE").uri(api.services.settings.public_url)
    sale = api.as_org(
        "shop", "POST", "/v1/scans", json={"action": "sell", "code": fake, "location": "Stall 4"}
    )
    assert sale.status_code == 409, sale.text
    return api, recall_id


def _link_of(figure: Locator, name: str) -> str:
    """The list a figure leads to; fails when the figure is not a link."""
    tag, href = figure.evaluate("e => [e.tagName, e.getAttribute('href')]")
    assert (tag, bool(href)) == ("A", True), f"{name}: the figure is not a link to the list behind it"
    return str(href)


def _figures(page: Page, section: str) -> dict[str, tuple[int, str]]:
    """The section's figures: label → (value, link)."""
    found: dict[str, tuple[int, str]] = {}
    for figure in page.locator(f"section[aria-labelledby='{section}'] .figure").all():
        label = figure.locator(".label").inner_text().strip()
        value = int(figure.locator(".value").inner_text().replace(",", ""))
        found[label] = (value, _link_of(figure, label))
    return found


def _heading_counts(page: Page) -> dict[str, tuple[int, str]]:
    """The counts beside the sections' headings: heading id → (value, link)."""
    found: dict[str, tuple[int, str]] = {}
    for count in page.locator("main h2 .count").all():
        heading = str(count.evaluate("e => e.closest('h2').id"))
        found[heading] = (int(re.sub(r"\D", "", count.inner_text())), _link_of(count, heading))
    return found


@on_sqlite
def test_each_figure_counts_what_its_list_shows(browser: Browser, busy: tuple[Api, str]) -> None:
    api, _ = busy
    page = browser.sign_in()
    expect(page.get_by_role("heading", name="总览")).to_be_visible()
    browser.check_page("dashboard-busy")
    figures = {
        **_figures(page, "alerts-h"),
        **_figures(page, "today-h"),
        **_figures(page, "signals-h"),
    }
    # Alert kinds (the cold chain's, kitchens', elevators', markets'), risk warnings by level,
    # admissions and scan actions, signal reasons.
    assert len(figures) == 4 + 3 + 2 + 4 + 6 + 5
    assert {label: value for label, (value, _) in figures.items() if value} == EXPECTED
    counts = _heading_counts(page)
    since = quote(api.as_org("samr", "GET", "/v1/overview").json()["today"]["since"])
    assert counts == {
        "alerts-h": (1, "/console/alerts?status=open"),
        "signals-h": (1, f"/console/signals?since={since}"),
        "recalls-h": (1, "/console/recalls?status=active"),
    }
    expect(page.locator("#signals-h .badge")).to_have_text("今日 1")
    for figure in page.locator("main .figure, main .count").all():  # the ledger's too
        _link_of(figure, figure.inner_text())

    for label, (value, link) in {**figures, **counts}.items():
        page.goto(browser.console.url + link)
        expect(page.locator("main h1")).to_be_visible()
        rows = page.locator(LISTED_ROWS)
        assert rows.count() == value, f"{label}: the dashboard says {value}, {link} lists {rows.count()}"
    page.goto(browser.console.at("/alerts?status=open&kind=temperature"))
    expect(page.locator(LISTED_ROWS)).to_contain_text("haixian/cs-01")
    page.goto(browser.console.at("/signals?reason=code_never_issued"))
    expect(page.locator(LISTED_ROWS)).to_contain_text("FAKEFAKEFAKEFAKE")
    page.goto(browser.console.at("/signals?since=yesterday"))
    expect(page.get_by_label("记录时间起（北京时间）")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#since-error")).to_be_visible()
    page.goto(browser.console.at("/risk?status=active&level=orange"))
    expect(page.locator(LISTED_ROWS)).to_contain_text("同一企业冷链温度多次超标")


@on_sqlite
def test_ledger_figures_lead_to_the_evidence_page_with_the_same_counts(
    browser: Browser, busy: tuple[Api, str], network: Network
) -> None:
    api, _ = busy
    anchor(api, network)
    page = browser.sign_in()
    ledger = _figures(page, "ledger-h")
    assert set(ledger) == {"记录数", "待上链锚定"}
    size = api.services.ledger.size()
    assert ledger["记录数"][0] == size > 0
    checkpoint, anchored = page.locator("#latest-checkpoint"), page.locator("#latest-anchor")
    block = api.services.ledger.checkpoint_at_size(api.services.ledger.latest_anchored_size() or 0)
    assert block is not None
    assert block.anchor_block is not None
    expect(checkpoint).to_contain_text(f"{block.tree_size:,} 条记录")
    expect(anchored).to_contain_text(f"区块 {block.anchor_block:,}")
    links = {"checkpoint": _link_of(checkpoint, "checkpoint"), "anchor": _link_of(anchored, "anchor")}
    assert set(links.values()) == {"/console/evidence"}
    for label, (value, link) in ledger.items():
        page.goto(browser.console.url + link)
        shown = page.locator("section[aria-labelledby='ledger-h'] .figure").filter(has_text=label)
        expect(shown.locator(".value")).to_have_text(f"{value:,}")
    rows = page.locator("section[aria-labelledby='ledger-h'] table")
    expect(rows.get_by_role("row", name=re.compile("最新检查点"))).to_contain_text(
        f"{block.tree_size:,} 条记录"
    )
    expect(rows.get_by_role("row", name=re.compile("最近一次上链锚定"))).to_contain_text(
        f"{block.anchor_block:,}"
    )


@on_sqlite
def test_recall_progress_follows_the_holders_acknowledgements(
    browser: Browser, busy: tuple[Api, str]
) -> None:
    api, recall_id = busy
    page = browser.sign_in()
    progress = page.locator("#recall-progress")
    row = progress.get_by_role("row").filter(has_text="L2026-001")
    expect(row).to_contain_text("1 / 2")
    expect(row).to_contain_text("600 / 1,200")
    expect(row).to_contain_text("未控制 600")
    expect(row.get_by_role("progressbar", name="批次 L2026-001 已确认的持有方")).to_have_attribute(
        "value", "1"
    )

    _acknowledge(api, "wholesale", recall_id, 600)
    # The refresh the page polls for, asked for now rather than waited for.
    page.evaluate("htmx.ajax('GET', '/console/partials/recalls', {target: '#recall-progress'})")
    expect(row).to_contain_text("2 / 2")
    expect(row).to_contain_text("1,200 / 1,200")
    expect(row).to_contain_text("未控制 0")
    expect(page.locator("#recall-progress")).to_have_count(1)  # swapped inside, not nested

    row.get_by_role("link", name="L2026-001").click()
    expect(page).to_have_url(re.compile(rf"/console/recalls/{recall_id}$"))
    expect(page.locator("#acknowledged-count")).to_have_text("2 / 2")


def test_pages_declare_the_alert_figures_in_their_order() -> None:
    cards = [card for page in PAGES for card in getattr(page, "DASHBOARD", ())]
    assert [(card.kind, card.link) for card in cards] == [
        ("temperature", "/alerts?status=open&kind=temperature"),
        ("door_open", "/alerts?status=open&kind=door_open"),
        ("silent", "/alerts?status=open&kind=silent"),
        ("kitchen_incident", "/incidents?status=open"),
        ("maintenance_overdue", "/alerts?status=open&kind=maintenance_overdue"),
        ("equipment_fault", "/alerts?status=open&kind=equipment_fault"),
        ("contract_missing", "/alerts?status=open&kind=contract_missing"),
        ("risk_red", "/risk?status=active&level=red"),
        ("risk_orange", "/risk?status=active&level=orange"),
        ("risk_yellow", "/risk?status=active&level=yellow"),
        ("risk_blue", "/risk?status=active&level=blue"),
        ("rapid_test_failed", "/alerts?status=open&kind=rapid_test_failed"),
        ("short_weight", "/alerts?status=open&kind=short_weight"),
    ]


def test_every_kind_the_api_counts_gets_a_figure_named_as_well_as_known() -> None:
    cards = [
        DashboardCard("kitchen_incident", "Kitchen violations", "/incidents?status=open"),
        DashboardCard("hygiene", "Hygiene warnings", "/inspections?status=open"),
    ]
    counted = {"temperature": 2, "kitchen_incident": 1, "market_warning": 3}

    assert alert_figures(cards, counted) == [
        AlertFigure("Kitchen violations", 1, "/console/incidents?status=open"),
        AlertFigure("Hygiene warnings", 0, "/console/inspections?status=open"),
        # Counted, named by no page: a cold-chain rule's words, else the kind itself.
        AlertFigure("market_warning", 3, "/console/alerts?status=open&kind=market_warning"),
        AlertFigure("Temperature excursion", 2, "/console/alerts?status=open&kind=temperature"),
    ]


def test_the_open_alerts_count_is_what_the_alert_list_shows() -> None:
    """Kitchen incidents and risk warnings have lists of their own: the heading's count, linked to
    the alert list, leaves them out."""
    figures = [
        AlertFigure("Temperature excursions", 2, "/console/alerts?status=open&kind=temperature"),
        AlertFigure("Kitchen violations", 1, "/console/incidents?status=open"),
        AlertFigure("Red risk warnings", 4, "/console/risk?status=active&level=red"),
        AlertFigure("market_warning", 3, "/console/alerts?status=open&kind=market_warning"),
    ]
    assert alert_list_total(figures) == 5
