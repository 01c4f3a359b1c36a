"""农贸市场 Farmers' markets: every market, and for one market its stalls with today's tenants, its
vendors with their licences, the rapid tests (农残快检), the recheck scale's weighings (复称) and
the disposals of failed tests (不合格处理).

Everything comes from ``/v1/markets`` with the regulator's key; the public board and each stall's
QR code are the API's own public pages, linked from here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ..api import ApiProblem
from ..i18n import N_, TIMEZONE, _
from ..web import DashboardCard, NavItem, Regulator, SignedIn, _state, console_url, render

NAV = NavItem("/markets", N_("Farmers' markets"), 55)
#: The dashboard's open-alert figures of the markets: failed rapid tests whose goods are not yet
#: disposed of, and stalls whose recheck weighings came out short.
DASHBOARD = (
    DashboardCard("rapid_test_failed", N_("Rapid test failed"), "/alerts?status=open&kind=rapid_test_failed"),
    DashboardCard("short_weight", N_("Short weight"), "/alerts?status=open&kind=short_weight"),
)
router = APIRouter()

PAGE_SIZE = 50
CATEGORIES = {
    "vegetables": N_("Vegetables"),
    "fruit": N_("Fruit"),
    "meat": N_("Meat"),
    "poultry_eggs": N_("Poultry and eggs"),
    "aquatic": N_("Aquatic products"),
    "grain_oil": N_("Grain and oil"),
    "dry_goods": N_("Dry goods"),
    "cooked": N_("Cooked food"),
    "other": N_("Other goods"),
}
METHODS = {"enzyme_inhibition": N_("Enzyme inhibition"), "colloidal_gold": N_("Colloidal gold")}
TABS = {
    "stalls": N_("Stalls"),
    "vendors": N_("Vendors"),
    "tests": N_("Rapid tests"),
    "weighings": N_("Weighings"),
    "disposals": N_("Disposals"),
}
DISPOSAL_STATUSES = {"open": N_("Off sale, to dispose of"), "completed": N_("Disposed of"), "all": N_("All")}
OUTCOMES = {"open": N_("Off sale"), "destroyed": N_("Goods destroyed"), "returned": N_("Goods returned")}
OUTCOME_BADGES = {"open": "bad", "destroyed": "good", "returned": "good"}
CHOICES = {"": N_("All"), "true": N_("Yes"), "false": N_("No")}


def label(table: dict[str, str], key: str | None) -> str:
    found = table.get(key or "")
    return _(found) if found else (key or "—")


def _today() -> str:
    return dt.datetime.now(TIMEZONE).date().isoformat()


async def _market(request: Request, regulator: Regulator, handle: str) -> dict[str, Any]:
    found: dict[str, Any] = await _state(request).api.get(regulator.key, f"/v1/markets/{handle}")
    return found


def _page(
    request: Request, regulator: Regulator, market: dict[str, Any], tab: str, context: dict[str, Any]
) -> HTMLResponse:
    values = {"market": market, "tab": tab, "tabs": TABS, "label": label, "categories": CATEGORIES, **context}
    status = 422 if context.get("problem") else 200
    return render(request, f"markets/{tab}.html", values, regulator=regulator, status_code=status)


def _next(path: str, found: dict[str, Any], **params: str) -> str | None:
    cursor = found.get("next_cursor")
    return console_url(path, **params, cursor=cursor) if cursor else None


@router.get("/markets", response_class=HTMLResponse)
async def markets(request: Request, regulator: SignedIn) -> HTMLResponse:
    found = await _state(request).api.get(regulator.key, "/v1/markets")
    return render(request, "markets/list.html", {"markets": found["markets"]}, regulator=regulator)


@router.get("/markets/{handle}", response_class=HTMLResponse)
async def stalls(request: Request, regulator: SignedIn, handle: str) -> HTMLResponse:
    market = await _market(request, regulator, handle)
    found = await _state(request).api.get(regulator.key, f"/v1/markets/{handle}/stalls")
    return _page(request, regulator, market, "stalls", {"stalls": found["stalls"]})


@router.get("/markets/{handle}/vendors", response_class=HTMLResponse)
async def vendors(request: Request, regulator: SignedIn, handle: str) -> HTMLResponse:
    market = await _market(request, regulator, handle)
    found = await _state(request).api.get(regulator.key, f"/v1/markets/{handle}/vendors")
    return _page(request, regulator, market, "vendors", {"vendors": found["vendors"], "today": _today()})


async def _listed(
    request: Request, regulator: Regulator, path: str, params: dict[str, str]
) -> tuple[dict[str, Any], ApiProblem | None]:
    """A page of a list, or the API's refusal of the filters (shown beside them)."""
    try:
        return await _state(request).api.get(regulator.key, path, **params, limit=PAGE_SIZE), None
    except ApiProblem as problem:
        if problem.status != 422:
            raise
        return {"next_cursor": None}, problem


@router.get("/markets/{handle}/tests", response_class=HTMLResponse)
async def rapid_tests(
    request: Request, regulator: SignedIn, handle: str, day: str = "", passed: str = "", cursor: str = ""
) -> HTMLResponse:
    """Rapid tests of a day (today unless chosen), failures first if asked."""
    market = await _market(request, regulator, handle)
    filters = {"day": day.strip() or _today(), "passed": passed if passed in CHOICES else ""}
    path = f"/v1/markets/{handle}/rapid-tests"
    found, problem = await _listed(request, regulator, path, {**filters, "cursor": cursor})
    context = {
        "tests": found.get("rapid_tests", []),
        "filters": filters,
        "choices": CHOICES,
        "methods": METHODS,
        "problem": problem,
        "next_url": _next(f"/markets/{handle}/tests", found, **filters),
        "first_url": console_url(f"/markets/{handle}/tests", **filters) if cursor else None,
    }
    return _page(request, regulator, market, "tests", context)


@router.get("/markets/{handle}/weighings", response_class=HTMLResponse)
async def weighings(
    request: Request, regulator: SignedIn, handle: str, day: str = "", short: str = "", cursor: str = ""
) -> HTMLResponse:
    """The recheck scale's weighings of a day (today unless chosen), short ones only if asked."""
    market = await _market(request, regulator, handle)
    filters = {"day": day.strip() or _today(), "short": short if short in CHOICES else ""}
    path = f"/v1/markets/{handle}/weighings"
    found, problem = await _listed(request, regulator, path, {**filters, "cursor": cursor})
    prices = await _state(request).api.get(regulator.key, f"/v1/markets/{handle}/prices")
    context = {
        "weighings": found.get("weighings", []),
        "prices": prices["prices"],
        "filters": filters,
        "choices": CHOICES,
        "problem": problem,
        "next_url": _next(f"/markets/{handle}/weighings", found, **filters),
        "first_url": console_url(f"/markets/{handle}/weighings", **filters) if cursor else None,
    }
    return _page(request, regulator, market, "weighings", context)


@router.get("/markets/{handle}/disposals", response_class=HTMLResponse)
async def disposals(
    request: Request, regulator: SignedIn, handle: str, status: str = "open", cursor: str = ""
) -> HTMLResponse:
    """Disposals of failed tests: the goods still off sale first, or those disposed of."""
    market = await _market(request, regulator, handle)
    filters = {"status": status if status in DISPOSAL_STATUSES else "open"}
    path = f"/v1/markets/{handle}/disposals"
    found, problem = await _listed(request, regulator, path, {**filters, "cursor": cursor})
    context = {
        "disposals": found.get("disposals", []),
        "filters": filters,
        "statuses": DISPOSAL_STATUSES,
        "outcomes": OUTCOMES,
        "badges": OUTCOME_BADGES,
        "methods": METHODS,
        "problem": problem,
        "next_url": _next(f"/markets/{handle}/disposals", found, **filters),
        "first_url": console_url(f"/markets/{handle}/disposals", **filters) if cursor else None,
    }
    return _page(request, regulator, market, "disposals", context)
