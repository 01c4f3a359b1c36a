"""An elevator's public page (``/e/{code}``, the target of the QR symbol in its car): Chinese first
with English, for a phone, loading nothing from elsewhere.

It shows what the rules make public: whether the elevator is maintained on time (the last
maintenance, the next due date), the periodic inspection's validity, the user and maintenance
units, and the emergency line; and it takes fault reports (:mod:`.reports`). A report is read as
a bounded URL-encoded form (:data:`MAX_FORM_BYTES`), answered with a redirect to the page saying
it was received (its reference and time, never what was written), and refused with a page of its
own when the address or the elevator sent too many.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from ..context import get_services, get_session
from ..errors import NotFound, Unprocessable
from ..services import Services, writing
from .codes import elevator_kind
from .models import FaultReport
from .reports import MAX_CONTACT, MAX_DETAIL, ReportsLimited, client_key, report_fault
from .rules import EquipmentRules
from .service import CHINA, Registered, china_day, due_at, public_equipment, status_of
from .web import PUBLIC_PATH, Now, Rules

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
STYLESHEET = Path(__file__).parent / "static" / "equipment.css"
STYLESHEET_PATH = "/static/equipment/equipment.css"
#: A report's form is a few short fields: anything larger is refused unread.
MAX_FORM_BYTES = 8 * 1024
#: How long after it was sent a report's reference is shown on the page it redirects to.
SHOW_RECEIVED_FOR = dt.timedelta(hours=1)
PAGE_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)

STATUSES = {
    "normal": "正常 In order",
    "due_soon": "即将维保 Maintenance due soon",
    "overdue": "维保超期 Maintenance overdue",
    "fault": "故障 Reported out of order",
}
PROBLEMS = {
    "trapped": "有人被困 Someone trapped",
    "stopped": "停梯 Not running",
    "doors": "门故障 Doors",
    "noise": "异响抖动 Noise, shaking",
    "other": "其他 Other",
}


def _local_time(value: dt.datetime) -> str:
    return value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def _local_day(value: dt.datetime) -> str:
    return value.astimezone(CHINA).strftime("%Y-%m-%d")


TEMPLATES.env.filters.update(local_time=_local_time, local_day=_local_day)
TEMPLATES.env.globals["labels"] = {"STATUSES": STATUSES, "PROBLEMS": PROBLEMS}

router = APIRouter(include_in_schema=False)
ServicesDep = Annotated[Services, Depends(get_services)]
SessionDep = Annotated[Session, Depends(get_session)]


@router.get(STYLESHEET_PATH)
def stylesheet() -> FileResponse:
    return FileResponse(STYLESHEET, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})


@router.get(PUBLIC_PATH)
def public_page(
    request: Request, code: str, session: SessionDep, rules: Rules, now: Now, reported: str | None = None
) -> Response:
    """The elevator's public page; ``reported``: a report just sent from it, to confirm."""
    try:
        found = public_equipment(session, code)
    except NotFound:
        return _unknown(request)
    received = _received(session, found, reported, now)
    return _page(request, found, rules, now, reported=received)


@router.post(PUBLIC_PATH + "/reports")
async def send_report(request: Request, code: str, services: ServicesDep, rules: Rules, now: Now) -> Response:
    """A fault report from the page's form: 303 back to the page, which confirms it."""
    fields = await _form(request)
    if fields is None:
        return _message(
            request,
            413,
            "报修内容太长 Report too long",
            f"请少于 {MAX_DETAIL} 字。Keep it under {MAX_DETAIL} characters.",
        )
    client = client_key(services, request.client.host if request.client else "unknown")

    def record() -> str:
        with writing(services) as session:
            report = report_fault(
                services, session, code, fields.get("problem", ""), fields.get("detail", ""),
                fields.get("contact", ""), client, rules, now,
            )  # fmt: skip
            return report.id

    try:
        report_id = await run_in_threadpool(record)
    except NotFound:
        return _unknown(request)
    except ReportsLimited:
        text = "请稍后再试；紧急情况请拨打 96333。Try again later; in an emergency call 96333."
        return _message(request, 429, "报修太频繁 Too many reports", text)
    except Unprocessable as exc:
        return await run_in_threadpool(_refused_page, request, services, code, rules, now, exc)
    target = PUBLIC_PATH.format(code=code) + f"?reported={report_id}"
    return RedirectResponse(request.scope.get("root_path", "") + target, status_code=303)


async def _form(request: Request) -> dict[str, str] | None:
    """The URL-encoded form's fields (the first of each name), or None when it is too large."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return None
    parsed = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True, max_num_fields=10)
    return {name: values[0] for name, values in parsed.items()}


def _refused_page(
    request: Request,
    services: Services,
    code: str,
    rules: EquipmentRules,
    now: dt.datetime,
    exc: Unprocessable,
) -> Response:
    reasons = {
        "problem": "请选择问题类型。Choose what is wrong.",
        "detail": f"说明最多 {MAX_DETAIL} 字，且不能含控制字符。"
        f"Details: at most {MAX_DETAIL} characters, no control characters.",
        "contact": "电话只能包含数字、+、-、空格和括号。Phone: digits, +, -, spaces and parentheses only.",
    }
    field = exc.errors[0]["field"] if exc.errors else ""
    with Session(services.engine) as session:
        found = public_equipment(session, code)
        return _page(request, found, rules, now, problem=reasons.get(field, exc.detail), status_code=422)


def _received(
    session: Session, found: Registered, reported: str | None, now: dt.datetime
) -> FaultReport | None:
    """The report ``reported`` names, if it was sent about this elevator within the hour."""
    if reported is None or len(reported) > 32:
        return None
    report = session.get(FaultReport, reported)
    if (
        report is None
        or report.equipment_id != found.equipment.id
        or report.received_at < now - SHOW_RECEIVED_FOR
    ):
        return None
    return report


def _page(
    request: Request,
    found: Registered,
    rules: EquipmentRules,
    now: dt.datetime,
    *,
    reported: FaultReport | None = None,
    problem: str | None = None,
    status_code: int = 200,
) -> Response:
    e = found.equipment
    context: dict[str, Any] = {
        "e": e,
        "status": status_of(e, rules, now),
        "due_at": due_at(e, rules),
        "inspection_valid": e.inspection_valid_until is not None
        and e.inspection_valid_until >= china_day(now),
        "kind": elevator_kind(e.code),
        "user": found.user.name,
        "maintainer": found.maintainer.name,
        "reported": reported,
        "problem": problem,
        "report_url": request.scope.get("root_path", "") + PUBLIC_PATH.format(code=e.code) + "/reports",
        "max_detail": MAX_DETAIL,
        "max_contact": MAX_CONTACT,
    }
    return _render(request, "public.html", context, status_code)


def _valid_on(last_day: dt.date | None, today: dt.date) -> bool:
    return last_day is not None and last_day >= today


def _unknown(request: Request) -> Response:
    text = "这个码不是已登记电梯的码。This code names no registered elevator."
    return _message(request, 404, "未找到电梯 No such elevator", text)


def _message(request: Request, status_code: int, title: str, text: str) -> Response:
    return _render(request, "message.html", {"title": title, "text": text}, status_code)


def _render(request: Request, name: str, context: dict[str, Any], status_code: int) -> Response:
    stylesheet = request.scope.get("root_path", "") + STYLESHEET_PATH
    headers = {"Cache-Control": "no-cache", "Content-Security-Policy": PAGE_POLICY}
    return TEMPLATES.TemplateResponse(
        request, name, {**context, "stylesheet": stylesheet}, status_code=status_code, headers=headers
    )
