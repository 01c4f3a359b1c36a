"""明厨亮灶 Kitchen incidents: what the kitchen cameras caught, the restaurants' rectifications, and
the regulator's review of each rectification (accepting closes the incident, rejecting reopens it).

Everything comes from ``/v1/incidents`` with the regulator's key. The pictures (the snapshot, its
thumbnail, the lossless frame, the rectification photos) are forwarded from the API by the routes
below, so the pages load nothing from elsewhere and the API's access rules apply to each.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..api import ApiProblem
from ..i18n import N_, _
from ..web import MOUNT, DashboardCard, NavItem, Regulator, SignedIn, Writer, _state, console_url, render

NAV = NavItem("/incidents", N_("Kitchen incidents"), 50)
router = APIRouter()
#: The dashboard's figure of incidents awaiting their kitchen's rectification.
DASHBOARD = (DashboardCard("kitchen_incident", N_("Kitchen violations"), "/incidents?status=open"),)

PAGE_SIZE = 20
#: The violations the kitchen cameras judge (``ingest.vision.classes.Violation``); a site may add
#: a model class as a violation of its own, shown by its name.
VIOLATIONS = {
    "no_chef_hat": N_("No chef hat"),
    "no_mask": N_("No mask"),
    "smoking": N_("Smoking"),
    "phone_in_use": N_("Phone in use"),
    "rodent": N_("Rodent"),
}
#: What the kitchen model sees (``ingest.vision.classes.CLASSES``).
CLASSES = {
    "cook": N_("Cook"),
    "chef_hat": N_("Chef hat"),
    "mask": N_("Mask"),
    "phone": N_("Phone"),
    "cigarette": N_("Cigarette"),
    "rodent": N_("Rodent"),
}
ROLES = {"subject": N_("Subject"), "evidence": N_("Supporting evidence")}
STATUSES = {
    "all": N_("All"),
    "open": N_("Awaiting rectification"),
    "rectified": N_("Awaiting review"),
    "closed": N_("Closed"),
}
STATUS_BADGES = {"open": "bad", "rectified": "warn", "closed": "good"}
DECISIONS = {"accepted": N_("Accepted"), "rejected": N_("Rejected")}
Decision = Literal["accepted", "rejected"]
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def violation_label(name: str) -> str:
    label = VIOLATIONS.get(name)
    return _(label) if label else name


def _filters(status: str, org: str, violation: str) -> dict[str, str]:
    return {
        "status": status if status in STATUSES else "all",
        "org": org.strip()[:64],
        "violation": violation.strip()[:64],
    }


@router.get("/incidents", response_class=HTMLResponse)
async def incidents(
    request: Request,
    regulator: SignedIn,
    status: str = "all",
    org: str = "",
    violation: str = "",
    cursor: str = "",
) -> HTMLResponse:
    filters = _filters(status, org, violation)
    found = await _state(request).api.get(
        regulator.key, "/v1/incidents", **filters, cursor=cursor, limit=PAGE_SIZE
    )
    context = {
        "incidents": found["incidents"],
        "filters": filters,
        "next_url": console_url("/incidents", **filters, cursor=found["next_cursor"])
        if found.get("next_cursor")
        else None,
        "first_url": console_url("/incidents", **filters) if cursor else None,
        "statuses": STATUSES,
        "violations": VIOLATIONS,
        "violation_label": violation_label,
        "badges": STATUS_BADGES,
    }
    return render(request, "kitchen/list.html", context, regulator=regulator)


async def _incident(request: Request, regulator: Regulator, incident_id: str) -> dict[str, Any]:
    found: dict[str, Any] = await _state(request).api.get(regulator.key, f"/v1/incidents/{incident_id}")
    return found


def _overlay(incident: dict[str, Any]) -> dict[str, Any] | None:
    """The detection's boxes as SVG shapes over the frame (in the frame's own pixels), labelled."""
    size = incident.get("frame_size") or []
    if len(size) != 2 or not incident.get("boxes"):
        return None
    width, height = size
    font = max(10, round(height / 24))
    shapes = []
    for box in incident["boxes"]:
        x1, y1, x2, y2 = box["box"]
        role = "subject" if box.get("role") == "subject" else "evidence"
        name = violation_label(incident["violation"]) if role == "subject" else _class_label(box["class"])
        shapes.append(
            {
                "x": x1,
                "y": y1,
                "width": max(0.0, x2 - x1),
                "height": max(0.0, y2 - y1),
                "role": role,
                "label": f"{name} {box.get('confidence', 0):.2f}",
                "label_y": y1 - round(font / 3) if y1 >= font else y1 + font,
            }
        )
    return {"width": width, "height": height, "font": font, "boxes": shapes}


def _class_label(name: str) -> str:
    label = CLASSES.get(name)
    return _(label) if label else name


def _detail(
    request: Request,
    regulator: Regulator,
    incident: dict[str, Any],
    *,
    form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "i": incident,
        "label": violation_label(incident["violation"]),
        "overlay": _overlay(incident),
        "violation_label": violation_label,
        "class_label": _class_label,
        "roles": ROLES,
        "statuses": STATUSES,
        "badges": STATUS_BADGES,
        "decisions": DECISIONS,
        "done": request.query_params.get("done") if form is None else None,
        "form": form or {"note": "", "errors": {}, "problem": None},
    }
    return render(request, "kitchen/detail.html", context, regulator=regulator, status_code=status_code)


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
async def incident(request: Request, regulator: SignedIn, incident_id: str) -> HTMLResponse:
    return _detail(request, regulator, await _incident(request, regulator, incident_id))


@router.get("/incidents/{incident_id}/snapshot")
async def snapshot(
    request: Request, regulator: SignedIn, incident_id: str, size: Literal["full", "thumb"] = "full"
) -> Response:
    """The incident's snapshot (``size=thumb``: the API's thumbnail for lists)."""
    answer = await _state(request).api.request(
        regulator.key, "GET", f"/v1/incidents/{incident_id}/snapshot", params={"size": size}
    )
    return Response(answer.content, media_type=answer.headers.get("content-type", "image/jpeg"))


@router.get("/incidents/{incident_id}/pictures/{sha256}")
async def picture(request: Request, regulator: SignedIn, incident_id: str, sha256: str) -> Response:
    """One of the incident's pictures: its lossless frame or a rectification's photo."""
    incident = await _incident(request, regulator, incident_id)
    own = {incident["frame_document_sha256"]} | {r["photo_sha256"] for r in incident["rectifications"]}
    if not _SHA256.match(sha256) or sha256 not in own:
        raise ApiProblem(404, {"detail": _("This incident has no such picture.")})
    answer = await _state(request).api.request(regulator.key, "GET", f"/v1/documents/{sha256}")
    return Response(answer.content, media_type=answer.headers.get("content-type", "application/octet-stream"))


@router.post("/incidents/{incident_id}/rectifications/{rectification_id}/review", response_class=HTMLResponse)
async def review(
    request: Request,
    regulator: Writer,
    incident_id: str,
    rectification_id: str,
    decision: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    """Accept or reject a rectification, through the API (which records it in the ledger)."""
    path = f"/v1/incidents/{incident_id}/rectifications/{rectification_id}/review"
    try:
        await _state(request).api.post(regulator.key, path, {"decision": decision, "note": note})
    except ApiProblem as problem:
        if problem.status not in (409, 422):
            raise
        errors = problem.field_errors()
        if "note" in errors and not note.strip():
            errors["note"] = _("Enter a note: a rejection says what the kitchen must still fix.")
        form = {"note": note, "errors": errors, "problem": problem, "rectification_id": rectification_id}
        incident = await _incident(request, regulator, incident_id)
        return _detail(request, regulator, incident, form=form, status_code=problem.status)
    done = decision if decision in DECISIONS else ""
    return RedirectResponse(f"{MOUNT}/incidents/{incident_id}?done={done}#rectifications", status_code=303)
