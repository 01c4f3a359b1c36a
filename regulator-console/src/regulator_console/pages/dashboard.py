"""总览 Dashboard: what needs a regulator's attention now, each figure linking to the list behind it.

One call, ``GET /v1/overview`` (counts over indexes, bounded lists), so the page answers as fast on
a ledger of millions of records as on an empty one. The active recalls' progress refreshes itself
(htmx, every 10 s) while the page is open.

The open-alert figures are the pages' own: each page module may declare ``DASHBOARD``, a tuple of
:class:`~regulator_console.web.DashboardCard` (the alert kind, its label, the list behind it), so
a later domain adds its warnings with its page (the risk warnings by level, say). A kind the API
counts that no page names still shows, by its name. Every figure is a link to the list behind it,
the counts in the headings too: the open alerts' to the alert list (counting the figures that lead
into it), the active recalls' to the recalls in force; the ledger's checkpoint and anchor lead to
the evidence page, which shows the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ..i18n import N_
from ..vocabulary import ALERT_RULES, AUDIT_RESULTS
from ..web import MOUNT, DashboardCard, NavItem, SignedIn, _state, console_url, render

NAV = NavItem("/", "Overview", 0)
router = APIRouter()

SCAN_ACTIONS = {
    "receive": N_("Received"),
    "ship": N_("Shipped"),
    "split": N_("Split"),
    "sell": N_("Sold"),
    "destroy": N_("Destroyed"),
}
SIGNAL_KINDS = {
    "code_never_issued": N_("Code never issued"),
    "sold_twice": N_("Sold twice"),
    "destroyed_item": N_("Destroyed item scanned"),
    "off_custody_path": N_("Off the custody path"),
    "code_batch_mismatch": N_("Code and lot do not match"),
}


@dataclass(frozen=True)
class AlertFigure:
    """One open-alert figure: its label (a message id, or the API's kind where none is known), the
    count, and the list behind it."""

    label: str
    count: int
    link: str


def alert_figures(cards: list[DashboardCard], open_by_kind: dict[str, int]) -> list[AlertFigure]:
    """A figure for each card the pages declare, in their order, then one for each other kind the
    API counts (a domain whose page names no card): labelled by the cold-chain rules' words if it
    is one, else by its name, and linked to the open alerts of that kind."""
    figures: list[AlertFigure] = []
    shown: set[str] = set()
    for card in cards:
        if card.kind not in shown:
            shown.add(card.kind)
            figures.append(AlertFigure(card.label, open_by_kind.get(card.kind, 0), MOUNT + card.link))
    for kind in sorted(set(open_by_kind) - shown):
        link = console_url("/alerts", status="open", kind=kind)
        figures.append(AlertFigure(ALERT_RULES.get(kind, kind), open_by_kind[kind], link))
    return figures


def alert_list_total(figures: list[AlertFigure]) -> int:
    """The open alerts the alert list (``/alerts?status=open``) shows: the figures leading into
    it, so not the kitchen incidents nor the risk warnings, which have lists of their own."""
    listed = console_url("/alerts") + "?"
    return sum(figure.count for figure in figures if figure.link.startswith(listed))


def signal_reasons(by_kind: dict[str, int]) -> dict[str, str]:
    """The counterfeit signals' reasons with their labels: the known ones in their order, then any
    other the API counts, by its name."""
    return {**SIGNAL_KINDS, **{kind: kind for kind in sorted(by_kind) if kind not in SIGNAL_KINDS}}


async def _overview(request: Request, regulator: SignedIn) -> dict[str, Any]:
    overview: dict[str, Any] = await _state(request).api.get(regulator.key, "/v1/overview")
    return overview


@router.get("/", response_class=HTMLResponse)
async def dashboard(request: Request, regulator: SignedIn) -> HTMLResponse:
    overview = await _overview(request, regulator)
    figures = alert_figures(_state(request).cards, overview["alerts"]["open_by_kind"])
    context = {
        "o": overview,
        "alert_figures": figures,
        "alerts_listed": alert_list_total(figures),
        "scan_actions": SCAN_ACTIONS,
        "signal_kinds": signal_reasons(overview["signals"]["by_kind"]),
        "audit_results": AUDIT_RESULTS,
    }
    return render(request, "dashboard/page.html", context, regulator=regulator)


@router.get("/partials/recalls", response_class=HTMLResponse)
async def recalls_progress(request: Request, regulator: SignedIn) -> HTMLResponse:
    """The active recalls' progress alone (the dashboard polls it)."""
    context = {"o": await _overview(request, regulator)}
    return render(request, "dashboard/recalls.html", context, regulator=regulator)
