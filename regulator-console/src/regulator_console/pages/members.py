"""主体 Members: the network's organisations; admitting one; suspending and restoring one.

Every rule is the API's: ``GET /v1/organisations`` (keyset pages, filters), ``POST
/v1/organisations`` (admission, the USCC's check character verified again there),
``GET /v1/organisations/uscc-check`` (asked as the code is typed), ``GET /v1/organisations/{handle}``
(a regulator's view of one member), ``POST /v1/organisations/{handle}/suspend`` and ``/restore``.
The page turns the API's answers into words a regulator reads, in their language.

A new member's first API key goes from the admission to the member's page in a sealed cookie scoped
to that page that lives five minutes and is dropped by the first page that shows it: shown once.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from .. import i18n
from ..api import ApiProblem
from ..i18n import N_, _
from ..vocabulary import ALERT_RULES
from ..web import MOUNT, NavItem, Regulator, SignedIn, Writer, _state, console_url, render
from .kitchen import VIOLATIONS

NAV = NavItem("/members", N_("Members"), 30)
router = APIRouter()

ORG_TYPES = {
    "importer": N_("Importer"),
    "wholesaler": N_("Wholesaler"),
    "retailer": N_("Retailer"),
    "restaurant": N_("Restaurant"),
    "market": N_("Market"),
    "regulator": N_("Market regulator"),
    "vendor": N_("Vendor"),
    "maintainer": N_("Maintenance unit"),
    "user_unit": N_("Equipment user unit"),
    "producer": N_("Food producer"),
}
STATUSES = {"active": N_("Active"), "suspended": N_("Suspended")}
CHAIN_ROLES = {
    "regulator": N_("Regulator role"),
    "importer": N_("Importer role"),
    "trader": N_("Trader role"),
    "anchor": N_("Anchoring role"),
}
CHANGES = {"org.suspended": N_("Suspended"), "org.restored": N_("Restored")}
#: Rows per page of the list, and of each short list on a member's page.
PAGE_SIZE = 25
SHORT = 5
#: The sealed cookie carrying a new member's first key to its page.
KEY_COOKIE = "suyuan_console_first_key"
KEY_NOTE = "first-key"
KEY_LIFETIME_S = 300
ADMISSION_FIELDS = ("handle", "name", "org_type", "uscc", "gln", "jurisdiction")


def _api(request: Request) -> Any:
    return _state(request).api


# -- the list -----------------------------------------------------------------------------------


@router.get("/members", response_class=HTMLResponse)
async def members(
    request: Request,
    regulator: SignedIn,
    q: Annotated[str, Query(max_length=200)] = "",
    org_type: Annotated[str, Query(alias="type", max_length=20)] = "",
    jurisdiction: Annotated[str, Query(max_length=100)] = "",
    status: Annotated[str, Query(max_length=20)] = "",
    after: Annotated[str, Query(max_length=400)] = "",
) -> HTMLResponse:
    filters = {
        "q": q.strip(),
        "type": org_type if org_type in ORG_TYPES else "",
        "jurisdiction": jurisdiction.strip(),
        "status": status if status in STATUSES else "",
    }
    page = await _api(request).get(
        regulator.key, "/v1/organisations", **filters, cursor=after or None, limit=PAGE_SIZE
    )
    kept = {k: v for k, v in filters.items() if v}
    context = {
        "orgs": page["organisations"],
        "filters": filters,
        "filtered": bool(kept),
        "next_url": console_url("/members", **kept, after=page["next_cursor"])
        if page["next_cursor"]
        else None,
        "first_url": console_url("/members", **kept) if after else None,
        "org_types": ORG_TYPES,
        "statuses": STATUSES,
    }
    return render(request, "members/list.html", context, regulator=regulator)


# -- admitting ----------------------------------------------------------------------------------


@router.get("/members/new", response_class=HTMLResponse)
async def admission_form(request: Request, regulator: SignedIn) -> HTMLResponse:
    return _admission_page(request, regulator, dict.fromkeys(ADMISSION_FIELDS, ""), {})


@router.get("/members/uscc-check", response_class=HTMLResponse)
async def uscc_check(
    request: Request, regulator: SignedIn, uscc: Annotated[str, Query(max_length=64)] = ""
) -> HTMLResponse:
    """The verdict on the code as typed so far (the admission form asks as the user types)."""
    verdict = await _uscc_verdict(request, regulator, uscc)
    return render(request, "members/uscc_check.html", {"verdict": verdict}, regulator=regulator)


@router.post("/members/new", response_class=HTMLResponse)
async def admit(
    request: Request,
    regulator: Writer,
    handle: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    org_type: Annotated[str, Form()] = "",
    uscc: Annotated[str, Form()] = "",
    gln: Annotated[str, Form()] = "",
    jurisdiction: Annotated[str, Form()] = "",
) -> Response:
    values = {
        "handle": handle.strip(),
        "name": name.strip(),
        "org_type": org_type,
        "uscc": uscc.strip(),
        "gln": gln.strip(),
        "jurisdiction": jurisdiction.strip(),
    }
    body = {k: v for k, v in values.items() if k != "gln"} | {"gln": values["gln"] or None}
    try:
        admitted = await _api(request).post(regulator.key, "/v1/organisations", body)
    except ApiProblem as problem:
        if problem.status == 422:
            errors = await _admission_errors(request, regulator, values, problem.field_errors())
            return _admission_page(request, regulator, values, errors, status_code=422)
        if problem.status == 409:
            message = _(
                "An organisation with this handle or this unified social credit code is a member already."
            )
            return _admission_page(request, regulator, values, {}, message=message, status_code=409)
        raise
    member = admitted["organisation"]["handle"]
    response = RedirectResponse(f"{MOUNT}/members/{quote(member)}", status_code=303)
    note = _state(request).seal.seal_note(
        KEY_NOTE, {"handle": member, "key": admitted["api_key"]}, KEY_LIFETIME_S
    )
    response.set_cookie(KEY_COOKIE, note, max_age=KEY_LIFETIME_S, **_key_cookie_flags(request, member))
    return response


def _admission_page(
    request: Request,
    regulator: Regulator,
    values: dict[str, str],
    errors: dict[str, str],
    *,
    message: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {"values": values, "errors": errors, "message": message, "org_types": ORG_TYPES}
    return render(request, "members/new.html", context, regulator=regulator, status_code=status_code)


async def _admission_errors(
    request: Request, regulator: Regulator, values: dict[str, str], found: dict[str, str]
) -> dict[str, str]:
    """The API's field errors in the reader's words (the USCC's reason asked for again, exactly)."""
    errors: dict[str, str] = {}
    for field, reason in found.items():
        if field == "uscc":
            verdict = await _uscc_verdict(request, regulator, values["uscc"])
            errors[field] = verdict["message"] if verdict and not verdict["ok"] else reason
        elif field == "handle":
            errors[field] = (
                _("This handle is reserved; choose another.")
                if "reserved" in reason or "path" in reason
                else _("Use 2 to 63 lowercase letters, digits or hyphens, starting with a letter or digit.")
            )
        elif field == "org_type":
            errors[field] = _("Choose the organisation's type.")
        elif field in ("name", "jurisdiction"):
            errors[field] = _("Required, on one line.")
        elif field == "gln":
            errors[field] = _("Not a valid GLN: %(reason)s", reason=reason)
        else:
            errors[field] = reason
    return errors


async def _uscc_verdict(request: Request, regulator: Regulator, uscc: str) -> dict[str, Any] | None:
    """``{"ok", "message"}`` for a code typed, from the API's check; None for nothing typed."""
    if not uscc.strip():
        return None
    answer = await _api(request).get(regulator.key, "/v1/organisations/uscc-check", uscc=uscc.strip()[:64])
    return {"ok": answer["valid"] and not answer.get("admitted_as"), "message": uscc_message(answer)}


def uscc_message(answer: dict[str, Any]) -> str:
    """What the API's verdict on a code says, in the reader's language."""
    if answer.get("valid"):
        if answer.get("admitted_as"):
            return _("This code belongs to a member already: %(handle)s.", handle=answer["admitted_as"])
        return _("Check character correct.")
    problem = answer.get("problem")
    if problem == "length":
        return _(
            "A unified social credit code has 18 characters; this one has %(n)s.", n=answer.get("length")
        )
    if problem == "character":
        separator = "、" if i18n.language() == "zh" else ", "
        found = separator.join(
            _("%(char)s at position %(position)s", char=char, position=position)
            for char, position in zip(answer.get("characters", ""), answer.get("positions", []), strict=False)
        )
        return _(
            "Not allowed: %(found)s. The code uses digits and capital letters other than I, O, S, V and Z.",
            found=found,
        )
    if problem == "region":
        return _("Characters 3 to 8 are the administrative region code: digits only.")
    if problem == "check_character":
        return _(
            "Wrong check character: the 18th character should be %(expected)s, not %(found)s.",
            expected=answer.get("expected"),
            found=answer.get("found"),
        )
    return str(answer.get("reason") or "")


def _key_cookie_flags(request: Request, handle: str) -> dict[str, Any]:
    return {
        "path": f"{MOUNT}/members/{quote(handle)}",
        "httponly": True,
        "samesite": "strict",
        "secure": request.url.scheme == "https",
    }


# -- one member ---------------------------------------------------------------------------------


@router.get("/members/{handle}", response_class=HTMLResponse)
async def member(
    request: Request, regulator: SignedIn, handle: str, done: Annotated[str, Query(max_length=20)] = ""
) -> Response:
    note = _state(request).seal.open_note(KEY_NOTE, request.cookies.get(KEY_COOKIE))
    first_key = note["key"] if note and note.get("handle") == handle else None
    response = await _member_page(request, regulator, handle, first_key=first_key, done=done)
    if request.cookies.get(KEY_COOKIE) is not None:
        response.delete_cookie(KEY_COOKIE, **_key_cookie_flags(request, handle))  # shown once
    return response


@router.post("/members/{handle}/suspend", response_class=HTMLResponse)
async def suspend(
    request: Request,
    regulator: Writer,
    handle: str,
    reason: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    return await _change_standing(request, regulator, handle, "suspend", reason, confirm)


@router.post("/members/{handle}/restore", response_class=HTMLResponse)
async def restore(
    request: Request,
    regulator: Writer,
    handle: str,
    reason: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    return await _change_standing(request, regulator, handle, "restore", reason, confirm)


async def _change_standing(
    request: Request, regulator: Regulator, handle: str, change: str, reason: str, confirm: str
) -> Response:
    form: dict[str, Any] = {"reason": reason, "errors": {}, "message": None}
    if confirm != "yes":
        form["errors"]["confirm"] = _("Tick the box to confirm.")
        return await _member_page(request, regulator, handle, form=form, status_code=422)
    path = f"/v1/organisations/{quote(handle)}/{change}"
    try:
        await _api(request).post(regulator.key, path, {"reason": reason.strip()})
    except ApiProblem as problem:
        if problem.status == 422 and "reason" in problem.field_errors():
            form["errors"]["reason"] = _("Give the reason in at least 3 characters (at most 500).")
        elif problem.status in (403, 409):
            form["message"] = _standing_refusal(problem, change)
        else:
            raise
        return await _member_page(request, regulator, handle, form=form, status_code=problem.status)
    done = "suspended" if change == "suspend" else "restored"
    return RedirectResponse(f"{MOUNT}/members/{quote(handle)}?done={done}", status_code=303)


def _standing_refusal(problem: ApiProblem, change: str) -> str:
    if problem.status == 403 and "own organisation" in problem.detail:
        return _("A regulator cannot suspend its own organisation.")
    if problem.status == 409:
        return _("It is suspended already.") if change == "suspend" else _("It is not suspended.")
    return problem.detail


async def _member_page(
    request: Request,
    regulator: Regulator,
    handle: str,
    *,
    first_key: str | None = None,
    done: str = "",
    form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    api, key = _api(request), regulator.key
    org = await api.get(key, f"/v1/organisations/{quote(handle)}")  # first: an unknown one is a 404
    lots, devices, alerts, incidents = await asyncio.gather(
        api.get(key, "/v1/batches", org=handle, limit=SHORT),
        api.get(key, "/v1/devices", org=handle, status="active", limit=SHORT + 1),
        api.get(key, "/v1/alerts", org=handle, status="open", limit=SHORT + 1),
        api.get(key, "/v1/incidents", org=handle, status="open", limit=SHORT + 1),
    )
    context = {
        "org": org,
        "first_key": first_key,
        "done": done if done in ("suspended", "restored") else "",
        "form": form or {"reason": "", "errors": {}, "message": None},
        "own": org["handle"] == regulator.org.get("handle"),
        "lots": lots["batches"],
        "more_lots": bool(lots["next_cursor"]),
        "devices": devices["devices"],
        "alerts": alerts["alerts"],
        "incidents": incidents["incidents"],
        "short": SHORT,
        "org_types": ORG_TYPES,
        "statuses": STATUSES,
        "chain_roles": CHAIN_ROLES,
        "changes": CHANGES,
        "alert_rules": ALERT_RULES,
        "violations": VIOLATIONS,
    }
    return render(request, "members/member.html", context, regulator=regulator, status_code=status_code)
