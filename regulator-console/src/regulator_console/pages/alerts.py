"""设备与告警 Devices and alerts: the cold-chain alerts (filtered, a page at a time, acknowledged
with a note), the device registry, and the messages ingest refused (dead letters).

Everything comes from the trace API (``GET /v1/alerts``, ``GET /v1/alerts/{id}``,
``POST /v1/alerts/{id}/acknowledgements``, ``GET /v1/devices``, ``GET /v1/dead-letters``); the
API decides who may acknowledge what and records each acknowledgement in the ledger. The
dashboard links here with ``?status=open&kind=<rule>``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..api import ApiProblem
from ..i18n import N_, _
from ..vocabulary import ALERT_RULES, ALERT_SUBJECTS, STORAGE_CLASSES
from ..web import MOUNT, DashboardCard, NavItem, Regulator, SignedIn, Writer, _state, console_url, render

NAV = NavItem("/alerts", N_("Devices and alerts"), 40)
router = APIRouter()

#: Alerts, devices and refused messages per page (the API's default page).
PAGE_SIZE = 50
#: The rules an alert is opened by (the API's ``rule``; the console's ``kind``), with labels.
ALERT_KINDS = ALERT_RULES
#: The dashboard's open-alert figures of the cold-chain rules.
DASHBOARD = (
    DashboardCard("temperature", N_("Temperature excursions"), "/alerts?status=open&kind=temperature"),
    DashboardCard("door_open", N_("Doors left open"), "/alerts?status=open&kind=door_open"),
    DashboardCard("silent", N_("Silent devices"), "/alerts?status=open&kind=silent"),
)
ALERT_STATUSES = {"open": N_("Still open"), "closed": N_("Cleared"), "all": N_("All alerts")}
ACKNOWLEDGED = {"no": N_("Not acknowledged"), "yes": N_("Acknowledged")}
READING_KINDS = {
    "temperature": N_("Temperature"),
    "humidity": N_("Humidity"),
    "door": N_("Door"),
    "location": N_("GPS position"),
    "weight": N_("Weight"),
    "camera": N_("Kitchen camera"),
    "rapid_test": N_("Rapid test"),
    "equipment_event": N_("Equipment event"),
}
DEVICE_STATUSES = {"active": N_("In service"), "retired": N_("Retired")}
#: Why ingest refuses a message (``DeadLetter.reason``, written by ``ingest``); others show as sent.
DEAD_LETTER_REASONS = {
    "bad_topic": N_("Topic not in the device scheme"),
    "unknown_kind": N_("Unknown reading kind"),
    "invalid_json": N_("Not a JSON object"),
    "schema": N_("Fields do not match the reading's schema"),
    "impossible_value": N_("Impossible value"),
    "sequence_reused": N_("Sequence number reused"),
    "unknown_device": N_("Device not registered"),
    "retired_device": N_("Device retired"),
    "organisation_suspended": N_("Organisation suspended"),
    "kind_not_allowed": N_("Device not registered for this reading"),
    "refused": N_("Refused by the ledger or database"),
}


def _pick(value: str | None, allowed: dict[str, str]) -> str | None:
    """``value`` when it is one of ``allowed`` (anything else in a link is left out, not an error)."""
    return value if value in allowed else None


#: What every template of these pages uses.
LABELS: dict[str, Any] = {
    "alert_kinds": ALERT_KINDS,
    "reading_kinds": READING_KINDS,
    "storage_classes": STORAGE_CLASSES,
    "alert_subjects": ALERT_SUBJECTS,
    "dead_letter_reasons": DEAD_LETTER_REASONS,
    "link": console_url,
}


@router.get("/alerts", response_class=HTMLResponse)
async def alerts(
    request: Request,
    regulator: SignedIn,
    status: str | None = None,
    kind: str | None = None,
    org: str | None = None,
    device: str | None = None,
    ack: str | None = None,
    cursor: str | None = None,
) -> HTMLResponse:
    chosen = {
        "status": _pick(status, ALERT_STATUSES) or "open",
        "kind": _pick(kind, ALERT_KINDS),
        "org": (org or "").strip() or None,
        "device": (device or "").strip() or None,
        "ack": _pick(ack, ACKNOWLEDGED),
    }
    acknowledged = {"yes": "true", "no": "false"}.get(chosen["ack"] or "")
    page = await _state(request).api.get(
        regulator.key,
        "/v1/alerts",
        status=chosen["status"],
        rule=chosen["kind"],
        org=chosen["org"],
        device=chosen["device"],
        acknowledged=acknowledged,
        limit=PAGE_SIZE,
        cursor=cursor,
    )
    context = {
        **LABELS,
        "page": page,
        "chosen": chosen,
        "cursor": cursor,
        "statuses": ALERT_STATUSES,
        "acknowledged": ACKNOWLEDGED,
    }
    return render(request, "alerts/alerts.html", context, regulator=regulator)


@router.get("/alerts/{alert_id}", response_class=HTMLResponse)
async def alert(request: Request, regulator: SignedIn, alert_id: str) -> HTMLResponse:
    return await _alert_page(request, regulator, alert_id)


async def _alert_page(
    request: Request,
    regulator: Regulator,
    alert_id: str,
    *,
    note: str = "",
    errors: dict[str, str] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    found = await _state(request).api.get(regulator.key, f"/v1/alerts/{alert_id}")
    context = {**LABELS, "a": found, "note": note, "errors": errors or {}, "message": message}
    return render(request, "alerts/alert.html", context, regulator=regulator, status_code=status_code)


@router.post("/alerts/{alert_id}/acknowledge", response_model=None)
async def acknowledge(
    request: Request, regulator: Writer, alert_id: str, note: Annotated[str, Form()] = ""
) -> Response:
    """Forwards the acknowledgement to the API; shows the form again with the reason if refused."""
    try:
        await _state(request).api.post(
            regulator.key, f"/v1/alerts/{alert_id}/acknowledgements", {"note": note.strip()}
        )
    except ApiProblem as problem:
        if problem.status == 422:
            fields = problem.field_errors()
            reason = _("Write what was seen and what is being done (at most 500 characters).")
            errors = {"note": reason if "note" in fields else problem.detail}
            return await _alert_page(request, regulator, alert_id, note=note, errors=errors, status_code=422)
        if problem.status == 409:
            message = _("This alert was acknowledged already: the acknowledgement is shown below.")
            return await _alert_page(request, regulator, alert_id, message=message, status_code=409)
        raise
    return RedirectResponse(f"{MOUNT}/alerts/{alert_id}", status_code=303)


@router.get("/devices", response_class=HTMLResponse)
async def devices(
    request: Request,
    regulator: SignedIn,
    org: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    cursor: str | None = None,
) -> HTMLResponse:
    chosen = {
        "org": (org or "").strip() or None,
        "kind": _pick(kind, READING_KINDS),
        "status": _pick(status, DEVICE_STATUSES),
    }
    page = await _state(request).api.get(
        regulator.key, "/v1/devices", **chosen, limit=PAGE_SIZE, cursor=cursor
    )
    context = {
        **LABELS,
        "page": page,
        "chosen": chosen,
        "cursor": cursor,
        "device_statuses": DEVICE_STATUSES,
    }
    return render(request, "alerts/devices.html", context, regulator=regulator)


@router.get("/dead-letters", response_class=HTMLResponse)
async def dead_letters(
    request: Request,
    regulator: SignedIn,
    reason: str | None = None,
    org: str | None = None,
    cursor: str | None = None,
) -> HTMLResponse:
    chosen = {"reason": (reason or "").strip() or None, "org": (org or "").strip() or None}
    page = await _state(request).api.get(
        regulator.key, "/v1/dead-letters", **chosen, limit=PAGE_SIZE, cursor=cursor
    )
    context = {**LABELS, "page": page, "chosen": chosen, "cursor": cursor}
    return render(request, "alerts/dead_letters.html", context, regulator=regulator)
