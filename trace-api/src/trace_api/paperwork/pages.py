"""What the certificates' public verification pages share: the layout (Chinese first, English
beside it, for a phone; only the resolver's stylesheet, from here), one ledger record's check
(``paperwork_ledger.html``) with its labels, and the answer's headers (no cache: a suspension or a
revocation shows at once)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request, Response
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, FileSystemLoader

from ..resolver import labels as resolver_labels
from ..resolver.routes import PAGE_POLICY, STATIC_PATH, wants_json

SHARED_TEMPLATES = Path(__file__).parent / "templates"
#: The labels of one record's check, as ``paperwork_ledger.html`` shows it.
LEDGER_LABELS: dict[str, dict[str, str]] = {
    "verdicts": {
        "verified": "账本记录已核验 Ledger record verified",
        "pending": "账本记录待锚定 Ledger record awaiting its anchor",
        "failed": "账本记录核验失败 Ledger record failed its check",
    },
    "verdict_details": {
        "verified": "记录字节、包含证明、检查点签名和链上锚定均已核验。"
        " Its bytes, inclusion proof, checkpoint signature and on-chain anchor all check.",
        "pending": "记录已入账，尚待签名检查点锚定上链（通常几秒钟）。"
        " The record is in the ledger; a signed checkpoint covering it is not anchored yet (seconds).",
        "failed": "记录与账本不符。 The record does not match the ledger.",
    },
    "step_statuses": {"passed": "通过 Passed", "pending": "待定 Pending", "failed": "失败 Failed"},
    "steps": {
        "bytes": "记录字节与叶哈希 Record bytes and leaf hash",
        "inclusion": "包含证明 Inclusion proof",
        "signature": "检查点签名 Checkpoint signature",
        "anchor": "链上锚定 Anchor on chain",
    },
}


def certificate_templates(folder: Path) -> Jinja2Templates:
    """The templates of ``folder``, which may extend ``paperwork_base.html`` and include
    ``paperwork_ledger.html``."""
    templates = Jinja2Templates(directory=folder)
    templates.env.loader = ChoiceLoader([FileSystemLoader(folder), FileSystemLoader(SHARED_TEMPLATES)])
    templates.env.filters["local_time"] = resolver_labels.display_time
    templates.env.globals.update(LEDGER_LABELS)
    return templates


def answers_json(request: Request, fmt: str | None) -> bool:
    """``?format=json``, else what ``Accept`` asks for."""
    return fmt.lower() == "json" if fmt is not None else wants_json(request.headers.get("accept", ""))


def page_words(lang: str) -> dict[str, Any]:
    """A page's language (``zh`` unless ``en`` is asked for) and ``tr(zh, en)``, which picks the
    words in it."""
    language = "en" if lang == "en" else "zh"
    return {"lang": language, "tr": lambda zh, en: en if language == "en" else zh}


def render_page(
    templates: Jinja2Templates, request: Request, name: str, context: dict[str, object], status_code: int
) -> Response:
    static = request.scope.get("root_path", "") + STATIC_PATH
    headers = {"Vary": "Accept", "Cache-Control": "no-cache", "Content-Security-Policy": PAGE_POLICY}
    return templates.TemplateResponse(
        request, name, {**context, "static": static}, status_code=status_code, headers=headers
    )
