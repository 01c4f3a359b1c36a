"""The scanner's two server-rendered pages (the sign-in form and the app shell), in the request's
language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from .state import MOUNT, state_of

TEMPLATES_DIR = Path(__file__).parent / "templates"


def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    state = state_of(request)
    language = state.language(request)
    values: dict[str, Any] = {"t": state.t(request), "lang": language, "mount": MOUNT}
    values.update(context or {})
    html = state.templates.get_template(template).render(values)
    return HTMLResponse(html, status_code=status_code)
