"""批次 Lots: find a lot, and everything about one lot on one page.

A lot is found by lot number, GTIN, organisation and admission time (``GET /v1/batches``), or from
one of its items: a GS1 Digital Link pasted, or read from a photo of the item's QR code (decoded
here with zxing-cpp, then looked up like a pasted link: the API parses it and finds the lot the
item is in now). A lot's page gathers its admission and certificates, the custody path, splits,
the cold-chain record, recall status, counterfeit signals and links to exports, and shows its
lineage as an interactive graph (cytoscape.js, fed by :func:`lineage_graph`) and as plain links.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import quote, urlencode

import zxingcpp
from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from PIL import Image, ImageOps, UnidentifiedImageError

from ..api import ApiProblem
from ..i18n import N_, TIMEZONE, _, unit
from ..vocabulary import STORAGE_CLASSES
from ..web import MOUNT, NavItem, Regulator, SignedIn, Writer, _state, render
from .dashboard import SIGNAL_KINDS

NAV = NavItem("/lots", N_("Lots"), 10)
router = APIRouter()

PAGE_SIZE = 50
#: The largest photo taken (a phone's full-resolution JPEG is 3 to 8 MB).
MAX_PHOTO_BYTES = 15 * 1024 * 1024
#: The most pixels decoded (a 48-megapixel photo; beyond is not a photo of a label).
MAX_PHOTO_PIXELS = 50_000_000
#: What each step of a custody path is called.
CUSTODY_STEPS = {
    "admitted": N_("Admitted"),
    "shipped": N_("Shipped"),
    "split": N_("Split off"),
}
CERTIFICATE_TYPES = {
    "quarantine": N_("Quarantine certificate"),
    "nucleic_acid_test": N_("Nucleic-acid test"),
    "disinfection": N_("Disinfection certificate"),
    "origin": N_("Certificate of origin"),
    "health": N_("Health certificate"),
    "other": N_("Other certificate"),
}
CHAIN_STATES = {"confirmed": N_("On chain"), "pending": N_("Going on chain"), "failed": N_("Chain refused")}
SEARCH_FIELDS = ("lot", "gtin", "org", "since", "split")


# -- what the search form holds ------------------------------------------------------------------


@dataclass
class Search:
    """The list's filters as typed, the API's parameters made of them, and each field's error."""

    typed: dict[str, str]
    params: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return any(self.typed.get(name) for name in SEARCH_FIELDS)


def parse_since(text: str) -> dt.datetime:
    """A time typed in the console: with its zone (the dashboard's links), or without one (a
    ``datetime-local`` field, a date): China Standard Time. ValueError if it is none of them."""
    value = text.strip().replace(" ", "T", 1)
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=TIMEZONE)
    return moment.astimezone(dt.UTC)


def since_field(text: str) -> str:
    """The value of a ``datetime-local`` field showing ``text``'s instant in China Standard Time."""
    try:
        return parse_since(text).astimezone(TIMEZONE).strftime("%Y-%m-%dT%H:%M")
    except (ValueError, OverflowError):
        return text


def since_param(search: Search, text: str) -> None:
    """Puts the API's ``since`` (UTC) into ``search``, or the field's error."""
    if not text.strip():
        return
    try:
        search.params["since"] = parse_since(text).isoformat()
    except (ValueError, OverflowError):
        search.errors["since"] = _("Enter a date and time, e.g. 2026-12-04 08:00.")


def field_errors(problem: ApiProblem, fields: tuple[str, ...]) -> dict[str, str]:
    """The API's field errors by the form's names (``query.lot`` is the field ``lot``)."""
    found: dict[str, str] = {}
    for name, reason in problem.field_errors().items():
        short = name.removeprefix("query.")
        found[short if short in fields else "_"] = reason
    return found


def _search(lot: str, gtin: str, org: str, since: str, split: str) -> Search:
    typed = {"lot": lot.strip(), "gtin": gtin.strip(), "org": org.strip(), "since": since, "split": split}
    search = Search(typed)
    search.params.update({k: typed[k] for k in ("lot", "gtin", "org") if typed[k]})
    if split in ("true", "false"):
        search.params["split"] = split
    since_param(search, since)
    return search


# -- the list -------------------------------------------------------------------------------------


def lot_url(batch_id: str) -> str:
    return f"{MOUNT}/lots/{quote(batch_id, safe='')}"


async def _lots(regulator: Regulator, request: Request, params: dict[str, str]) -> dict[str, Any]:
    found: dict[str, Any] = await _state(request).api.get(regulator.key, "/v1/batches", **params)
    return found


async def _find_by_code(
    regulator: Regulator, request: Request, code: str
) -> tuple[list[dict[str, Any]], str | None]:
    """The lots a Digital Link names (at most two: one is the answer), or why none."""
    try:
        found = await _lots(regulator, request, {"code": code, "limit": "2"})
    except ApiProblem as problem:
        reason = problem.field_errors().get("code")
        if problem.status != 422 or reason is None:
            raise
        return [], _(
            "This is not a GS1 Digital Link (http://…/01/GTIN/10/lot/21/serial): %(reason)s", reason=reason
        )
    if not found["batches"]:
        return [], _("No lot in Suyuan has this code: it was never issued (it may be counterfeit).")
    return list(found["batches"]), None


def _page(
    request: Request,
    regulator: Regulator,
    search: Search,
    listed: dict[str, Any] | None,
    *,
    cursor: str | None = None,
    code: str = "",
    code_error: str | None = None,
    photo_error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    kept = {k: v for k, v in search.typed.items() if v}
    kept.update({"code": code} if code else {})
    next_query = None
    if listed is not None and listed.get("next_cursor"):
        next_query = urlencode({**kept, "cursor": listed["next_cursor"]})
    context = {
        "search": search,
        "since_value": since_field(search.typed["since"]) if search.typed["since"] else "",
        "lots": listed["batches"] if listed is not None else [],
        "listed": listed is not None,
        "later_page": cursor is not None,
        "next_query": next_query,
        "first_query": urlencode(kept),
        "code": code,
        "code_error": code_error,
        "photo_error": photo_error,
        "lot_url": lot_url,
    }
    return render(request, "lots/list.html", context, regulator=regulator, status_code=status_code)


@router.get("/lots", response_class=HTMLResponse)
async def lots(
    request: Request,
    regulator: SignedIn,
    lot: str = "",
    gtin: str = "",
    org: str = "",
    since: str = "",
    split: str = "",
    code: str = "",
    cursor: str | None = None,
) -> Response:
    """The lots found, newest first; a Digital Link that names one lot goes straight to it."""
    search = _search(lot, gtin, org, since, split)
    params = dict(search.params)
    if code.strip():
        found, error = await _find_by_code(regulator, request, code.strip())
        if error is not None:
            return _page(request, regulator, search, None, code=code, code_error=error, status_code=422)
        if len(found) == 1 and cursor is None:
            return RedirectResponse(lot_url(found[0]["id"]), status_code=303)
        params = {"code": code.strip()}  # a GTIN's lots: listed
    if search.errors:
        return _page(request, regulator, search, None, code=code, status_code=422)
    try:
        listed = await _lots(regulator, request, {**params, "limit": str(PAGE_SIZE), "cursor": cursor or ""})
    except ApiProblem as problem:
        if problem.status != 422:
            raise
        search.errors.update(field_errors(problem, (*SEARCH_FIELDS, "cursor")))
        return _page(request, regulator, search, None, code=code, status_code=422)
    return _page(request, regulator, search, listed, cursor=cursor, code=code)


# -- a photo of a code ----------------------------------------------------------------------------


class UnreadablePhoto(Exception):
    """No code could be read in the photo; the message says why, for the regulator."""


#: How the pictures a phone or a scanner saves begin (JPEG, PNG, GIF, BMP, TIFF; WebP is checked
#: at its own offset below).
PICTURE_SIGNATURES = (
    b"\xff\xd8\xff",
    b"\x89PNG\r\n\x1a\n",
    b"GIF87a",
    b"GIF89a",
    b"BM",
    b"II*\x00",
    b"MM\x00*",
)


def _looks_like_a_picture(data: bytes) -> bool:
    return data.startswith(PICTURE_SIGNATURES) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")


def read_code(data: bytes) -> str:
    """The text of the code in the photo (the first of several, a link preferred)."""
    if not data:
        raise UnreadablePhoto(_("Choose a photo of the item's QR code."))
    if len(data) > MAX_PHOTO_BYTES:
        raise UnreadablePhoto(_("The photo is larger than %(n)s MB.", n=MAX_PHOTO_BYTES // (1024 * 1024)))
    if not _looks_like_a_picture(data):
        raise UnreadablePhoto(_("This file is not a picture (JPEG, PNG, WebP …)."))
    try:
        with Image.open(io.BytesIO(data)) as photo:
            if photo.width * photo.height > MAX_PHOTO_PIXELS:
                raise UnreadablePhoto(_("The photo has too many pixels: take a smaller one."))
            upright = ImageOps.exif_transpose(photo).convert("L")
    # ImportError: a process that also runs the kitchen cameras has Ultralytics' replacement of
    # Image.open, which answers a file Pillow cannot read by importing an optional HEIF plugin.
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, ImportError) as exc:
        raise UnreadablePhoto(_("This file is not a picture (JPEG, PNG, WebP …).")) from exc
    texts = [code.text for code in zxingcpp.read_barcodes(upright) if code.text]
    if not texts:
        raise UnreadablePhoto(
            _(
                "No QR code could be read in this photo. "
                "Take it again closer, in focus, with the whole code in view."
            )
        )
    links = [text for text in texts if re.match(r"(?i)https?://", text)]
    return (links or texts)[0]


@router.post("/lots/photo", response_class=HTMLResponse)
async def lot_from_photo(
    request: Request, regulator: Writer, photo: Annotated[UploadFile | None, File()] = None
) -> Response:
    """Reads the code in an uploaded photo and goes to the lot it names, or says why not."""
    search = _search("", "", "", "", "")
    data = await photo.read(MAX_PHOTO_BYTES + 1) if photo is not None else b""
    try:
        text = await asyncio.to_thread(read_code, data)
    except UnreadablePhoto as exc:
        return _page(request, regulator, search, None, photo_error=str(exc), status_code=422)
    found, error = await _find_by_code(regulator, request, text)
    if error is not None:
        message = _("The code in the photo reads “%(text)s”. %(error)s", text=text[:200], error=error)
        return _page(request, regulator, search, None, photo_error=message, status_code=422)
    if len(found) == 1:
        return RedirectResponse(lot_url(found[0]["id"]), status_code=303)
    return RedirectResponse(f"{MOUNT}/lots?{urlencode({'code': text})}", status_code=303)


# -- one lot ------------------------------------------------------------------------------------


def _api_path(batch_id: str, tail: str = "") -> str:
    return f"/v1/batches/{quote(batch_id, safe='')}{tail}"


async def _get(request: Request, regulator: Regulator, path: str, **params: Any) -> Any:
    return await _state(request).api.get(regulator.key, path, **params)


async def _covering_recall(
    request: Request, regulator: Regulator, lineage: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """The active recall covering the lot: of the lot itself or of a lot it was split from."""
    for lot in lineage:
        if lot["recalled"]:
            query = {"batch_id": lot["id"], "status": "active", "limit": 1}
            found = await _get(request, regulator, "/v1/recalls", **query)
            if found["recalls"]:
                return {**found["recalls"][0], "lot": lot["lot"]}
    return None


def lineage_tree(trace: dict[str, Any], batch_id: str) -> list[dict[str, Any]]:
    """The traced lots as nested lists from the source lot down: each ``{"lot", "children"}``."""
    lots = {lot["id"]: lot for lot in trace["batches"]}
    children: dict[str, list[str]] = {}
    for split in trace["splits"]:
        children.setdefault(split["parent"], []).append(split["child"])

    def node(lot_id: str, depth: int) -> dict[str, Any]:
        below = children.get(lot_id, []) if depth < 64 else []
        return {
            "lot": lots[lot_id],
            "current": lot_id == batch_id,
            "children": [node(child, depth + 1) for child in below if child in lots],
        }

    roots = [lot["id"] for lot in trace["batches"] if lot["parent"] not in lots]
    return [node(root, 0) for root in roots]


#: Signals about a lot shown on its page, newest first (the rest: the signals list for the lot).
SIGNALS_SHOWN = 50


@router.get("/lots/{batch_id}", response_class=HTMLResponse)
async def lot_page(request: Request, regulator: SignedIn, batch_id: str) -> HTMLResponse:
    batch, trace, cold, signals = await asyncio.gather(
        _get(request, regulator, _api_path(batch_id)),
        _get(request, regulator, f"/v1/trace/{quote(batch_id, safe='')}"),
        _get(request, regulator, _api_path(batch_id, "/coldchain")),
        _get(request, regulator, "/v1/signals", batch_id=batch_id, limit=SIGNALS_SHOWN),
    )
    by_id = {lot["id"]: lot for lot in trace["batches"]}
    lineage = [by_id[batch_id]]
    while lineage[-1]["parent"] in by_id and len(lineage) <= len(by_id):
        lineage.append(by_id[lineage[-1]["parent"]])
    source = lineage[-1]
    certified = batch if source["id"] == batch_id else await _get(request, regulator, _api_path(source["id"]))
    context = {
        "b": batch,
        "node": by_id[batch_id],
        "source": source,
        "certificates": certified["certificates"],
        "custody": trace["custody"],
        "parent": by_id.get(batch["parent_id"] or ""),
        "children": [by_id[s["child"]] for s in trace["splits"] if s["parent"] == batch_id],
        "tree": lineage_tree(trace, batch_id),
        "lineage_count": len(trace["batches"]),
        "hops": cold["hops"],
        "signals": signals["signals"],
        "more_signals": signals["next_cursor"] is not None,
        "recall": await _covering_recall(request, regulator, lineage),
        "under_recall": any(lot["recalled"] for lot in lineage),
        "in_transit": any(s["received_at"] is None for s in trace["shipments"] if s["batch_id"] == batch_id),
        "lot_url": lot_url,
        "steps": CUSTODY_STEPS,
        "certificate_types": CERTIFICATE_TYPES,
        "storage_classes": STORAGE_CLASSES,
        "chain_states": CHAIN_STATES,
        "signal_kinds": SIGNAL_KINDS,
    }
    return render(request, "lots/lot.html", context, regulator=regulator)


@router.get("/lots/{batch_id}/lineage.json")
async def lineage_graph(request: Request, regulator: SignedIn, batch_id: str) -> JSONResponse:
    """The lot's lineage for the graph: the lots traced backward and forward, and the splits."""
    trace = await _get(request, regulator, f"/v1/trace/{quote(batch_id, safe='')}")
    nodes = [
        {
            "id": lot["id"],
            "lot": lot["lot"],
            "product_name": lot["product_name"],
            "quantity": lot["quantity"],
            "unit": unit(lot["unit"]),
            "holder": lot["holder"],
            "recalled": lot["recalled"],
            "current": lot["id"] == batch_id,
            "url": lot_url(lot["id"]),
        }
        for lot in trace["batches"]
    ]
    edges = [{"source": s["parent"], "target": s["child"]} for s in trace["splits"]]
    return JSONResponse({"batch_id": batch_id, "nodes": nodes, "edges": edges})


@router.get("/lots/{batch_id}/documents/{sha256}")
async def certificate_document(request: Request, regulator: SignedIn, batch_id: str, sha256: str) -> Response:
    """A certificate's document as the API serves it to the regulator (PDFs and images inline)."""
    if not re.fullmatch(r"[0-9a-fA-F]{64}", sha256):
        raise ApiProblem(404, {"title": "Not found", "detail": _("No such document.")})
    answer = await _state(request).api.request(regulator.key, "GET", f"/v1/documents/{sha256.lower()}")
    passed = ("content-disposition", "content-length")
    headers = {name: answer.headers[name] for name in passed if name in answer.headers}
    media_type = answer.headers.get("content-type", "application/octet-stream")
    return Response(answer.content, media_type=media_type, headers=headers)
