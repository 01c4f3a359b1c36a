"""召回 Recalls: the list (in force, lifted, all), a new recall from a lot with its reach previewed
before it is issued, one recall's progress live (htmx) with its holders and drill timings, and
lifting it.

Every number comes from the trace API: ``GET /v1/recalls`` (keyset pages), ``GET
/v1/recalls/preview``, ``POST /v1/recalls``, ``GET /v1/recalls/{id}`` and ``POST
/v1/recalls/{id}/lift``; the API checks the regulator's role and writes the ledger records.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..api import ApiProblem
from ..i18n import N_
from ..web import MOUNT, NavItem, Regulator, SignedIn, Writer, _state, render

NAV = NavItem("/recalls", N_("Recalls"), 20)
router = APIRouter()

PAGE_SIZE = 20
#: The list's filters: the API's ``status`` (None: every recall), with their labels.
STATUSES: dict[str, tuple[str | None, str]] = {
    "active": ("active", N_("In force")),
    "lifted": ("lifted", N_("Lifted")),
    "all": (None, N_("All")),
}
#: The recall classes as the API names them (食品召回管理办法: 一级, 二级, 三级), with what each means.
CLASSES = {
    "I": (N_("Class I"), N_("Eating it has caused or may cause serious harm to health, or death.")),
    "II": (N_("Class II"), N_("Eating it has caused or may cause ordinary harm to health.")),
    "III": (N_("Class III"), N_("Not harmful to eat, but its labels or markings are seriously defective.")),
}
CHANNELS = {"mqtt": N_("MQTT message"), "webhook": N_("Webhook")}
DELIVERY_STATUSES = {
    "delivered": N_("delivered"),
    "pending": N_("not sent yet"),
    "failed": N_("failed, retrying"),
}
#: Field errors shown in the console's words; the API's own reason follows them.
FIELD_HINTS = {
    "batch_id": N_("No lot with this identifier."),
    "reason": N_("Give the reason in 3 to 500 characters."),
    "recall_class": N_("Choose the recall's class."),
    "confirm": N_("Tick the box to confirm."),
}


def _recall_path(recall_id: str) -> str:
    return f"{MOUNT}/recalls/{quote(recall_id, safe='')}"


def _with_counts(recall: dict[str, Any]) -> dict[str, Any]:
    """The recall with what its bars show: holders reached, quantity still outstanding."""
    progress = recall["progress"]
    notices = recall.get("notices", [])
    return {
        **recall,
        "reached": sum(1 for n in notices if n.get("reached")),
        "outstanding": max(0.0, progress["quantity"] - progress["quantity_quarantined"]),
        "waiting": [n for n in notices if n.get("acknowledged_at") is None],
        "names": {n["org"]: n.get("org_name") or n["org"] for n in notices},
    }


def _field_errors(problem: ApiProblem) -> dict[str, str]:
    """The API's field errors by form field (``query.batch_id`` is the form's ``batch_id``)."""
    errors = {name.rsplit(".", 1)[-1]: reason for name, reason in problem.field_errors().items()}
    if problem.status == 404 and not errors:
        errors["batch_id"] = problem.detail
    return errors


# -- the list ------------------------------------------------------------------------------------


@router.get("/recalls", response_class=HTMLResponse)
async def recall_list(
    request: Request, regulator: SignedIn, status: str = "active", cursor: str | None = None
) -> HTMLResponse:
    if status not in STATUSES:
        status = "active"
    page = await _state(request).api.get(
        regulator.key, "/v1/recalls", status=STATUSES[status][0], cursor=cursor, limit=PAGE_SIZE
    )
    context = {
        "recalls": [_with_counts(r) for r in page["recalls"]],
        "next_cursor": page["next_cursor"],
        "status": status,
        "statuses": STATUSES,
        "first_page": cursor is None,
    }
    return render(request, "recalls/list.html", context, regulator=regulator)


# -- a new recall --------------------------------------------------------------------------------


async def _new_recall_page(
    request: Request,
    regulator: Regulator,
    batch_id: str,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The new-recall form: the lot's reach previewed by the API, then the reason and class."""
    api = _state(request).api
    errors = dict(errors or {})
    preview = in_force = None
    if batch_id:
        try:
            preview = await api.get(regulator.key, "/v1/recalls/preview", batch_id=batch_id)
        except ApiProblem as refused:
            if refused.status not in (404, 422):
                raise
            errors.update(_field_errors(refused))
    if preview is not None and preview["under_recall"]:
        found = await api.get(regulator.key, "/v1/recalls", batch_id=batch_id, status="active", limit=1)
        in_force = found["recalls"][0] if found["recalls"] else None
    context = {
        "batch_id": batch_id,
        "preview": preview,
        "in_force": in_force,
        "values": values or {"reason": "", "recall_class": ""},
        "errors": errors,
        "problem": problem,
        "classes": CLASSES,
        "channels": CHANNELS,
        "hints": FIELD_HINTS,
    }
    return render(request, "recalls/new.html", context, regulator=regulator, status_code=status_code)


@router.get("/recalls/new", response_class=HTMLResponse)
async def new_recall(request: Request, regulator: SignedIn, batch_id: str = "") -> HTMLResponse:
    return await _new_recall_page(request, regulator, batch_id.strip())


@router.post("/recalls/new")
async def issue_recall(
    request: Request,
    regulator: Writer,
    batch_id: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    recall_class: Annotated[str, Form()] = "",
) -> Response:
    body = {"batch_id": batch_id, "reason": reason, "recall_class": recall_class or None}
    try:
        recall = await _state(request).api.post(regulator.key, "/v1/recalls", body)
    except ApiProblem as refused:
        if refused.status not in (404, 409, 422):
            raise
        errors = _field_errors(refused)
        return await _new_recall_page(
            request,
            regulator,
            batch_id,
            values={"reason": reason, "recall_class": recall_class},
            errors=errors,
            problem=None if errors else refused.detail,
            status_code=refused.status,
        )
    return RedirectResponse(_recall_path(recall["id"]), status_code=303)


# -- one recall ----------------------------------------------------------------------------------


async def _recall(request: Request, regulator: Regulator, recall_id: str) -> dict[str, Any]:
    recall = await _state(request).api.get(regulator.key, f"/v1/recalls/{quote(recall_id, safe='')}")
    return _with_counts(recall)


def _recall_context(recall: dict[str, Any]) -> dict[str, Any]:
    return {
        "r": recall,
        "classes": CLASSES,
        "channels": CHANNELS,
        "delivery_statuses": DELIVERY_STATUSES,
        "hints": FIELD_HINTS,
    }


@router.get("/recalls/{recall_id}", response_class=HTMLResponse)
async def recall_page(request: Request, regulator: SignedIn, recall_id: str) -> HTMLResponse:
    context = {**_recall_context(await _recall(request, regulator, recall_id)), "values": {}, "errors": {}}
    return render(request, "recalls/detail.html", context, regulator=regulator)


@router.get("/recalls/{recall_id}/live", response_class=HTMLResponse)
async def recall_live(request: Request, regulator: SignedIn, recall_id: str) -> HTMLResponse:
    """The progress, the holders and the drill alone: the recall's page polls it while in force."""
    context = _recall_context(await _recall(request, regulator, recall_id))
    return render(request, "recalls/live.html", context, regulator=regulator)


@router.post("/recalls/{recall_id}/lift")
async def lift_recall(
    request: Request,
    regulator: Writer,
    recall_id: str,
    reason: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    errors: dict[str, str] = {}
    problem = None
    status_code = 422
    if confirm != "yes":
        errors["confirm"] = ""
    else:
        try:
            await _state(request).api.post(
                regulator.key, f"/v1/recalls/{quote(recall_id, safe='')}/lift", {"reason": reason}
            )
        except ApiProblem as refused:
            if refused.status not in (409, 422):
                raise
            errors, status_code = _field_errors(refused), refused.status
            problem = None if errors else refused.detail
        else:
            return RedirectResponse(_recall_path(recall_id), status_code=303)
    context = {
        **_recall_context(await _recall(request, regulator, recall_id)),
        "values": {"reason": reason},
        "errors": errors,
        "problem": problem,
    }
    return render(request, "recalls/detail.html", context, regulator=regulator, status_code=status_code)
