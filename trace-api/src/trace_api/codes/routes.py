"""Item codes of a batch: issuing them, listing them, their QR symbols and printable label sheets.

``POST /v1/batches/{batch_id}/codes`` answers with the first :data:`CODES_IN_RESPONSE` URIs of
the issuance; when there are more, ``next`` links to the rest
(``GET /v1/batches/{batch_id}/codes?record_id=…&offset=…``), page by page.
"""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field
from sqlmodel import Session

from ..auth import CurrentMember
from ..context import WriteSession, get_services, get_session
from ..errors import NotFound
from ..orgs.service import Member
from ..services import Services
from .labels import LABELS_PER_PAGE, qr_png, qr_svg, render_label_sheet
from .models import ItemCode
from .service import (
    code_label,
    code_of_batch,
    code_uri,
    codes_of_batch,
    count_codes,
    issuance_record_id,
    issue_codes,
    readable_batch,
)

router = APIRouter(prefix="/v1/batches", tags=["codes"])

CODES_IN_RESPONSE = 1000
MAX_PAGE = 10_000
MAX_LABELS = 50 * LABELS_PER_PAGE
QR_CACHE = "private, max-age=86400"  # a code's URI never changes

ServicesDep = Annotated[Services, Depends(get_services)]
ReadSession = Annotated[Session, Depends(get_session)]
Offset = Annotated[int, Query(ge=0)]
RecordId = Annotated[str | None, Query(description="Only the codes of this issuance (codes.issued record)")]
Scale = Annotated[int, Query(ge=1, le=40, description="Pixels (PNG) or units (SVG) per module")]


class CodesIn(BaseModel):
    count: int = Field(description="How many codes to issue, 1 to 100,000")


def codes_link(batch_id: str, record_id: str | None, offset: int, limit: int) -> str:
    query = {"record_id": record_id} if record_id is not None else {}
    query.update({"offset": str(offset), "limit": str(limit)})
    return f"/v1/batches/{quote(batch_id, safe='')}/codes?{urlencode(query)}"


@router.post("/{batch_id}/codes", status_code=201)
def create_codes(
    batch_id: str,
    data: CodesIn,
    member: CurrentMember,
    services: ServicesDep,
    session: WriteSession,
) -> dict[str, Any]:
    """Issue 1 to 100,000 item codes (the batch's holder only), recorded in the ledger as one record."""
    codes = issue_codes(services, session, member, batch_id, data.count)
    record_id = issuance_record_id(batch_id, codes[0].serial)
    more = len(codes) > CODES_IN_RESPONSE
    return {
        "batch_id": batch_id,
        "count": len(codes),
        "record_id": record_id,
        "codes": [code_uri(services.settings, code) for code in codes[:CODES_IN_RESPONSE]],
        "next": codes_link(batch_id, record_id, CODES_IN_RESPONSE, CODES_IN_RESPONSE) if more else None,
    }


@router.get("/{batch_id}/codes")
def list_codes(
    batch_id: str,
    member: CurrentMember,
    services: ServicesDep,
    session: ReadSession,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = CODES_IN_RESPONSE,
    record_id: RecordId = None,
) -> dict[str, Any]:
    """The batch's codes in issue order (holder, importer of the batch, or a regulator)."""
    readable_batch(session, member, batch_id)
    total = count_codes(session, batch_id, record_id)
    codes = codes_of_batch(session, batch_id, offset, limit, record_id)
    more = offset + len(codes) < total
    return {
        "batch_id": batch_id,
        "total": total,
        "offset": offset,
        "limit": limit,
        "codes": [describe_code(services, code) for code in codes],
        "next": codes_link(batch_id, record_id, offset + limit, limit) if more else None,
    }


def describe_code(services: Services, code: ItemCode) -> dict[str, Any]:
    return {
        "uri": code_uri(services.settings, code),
        "serial": code.serial,
        "status": code.status.value,
        "issued_at": code.issued_at.isoformat(),
        "record_id": code.issuance_record_id,
    }


def _binary(media_type: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {media_type: {}}}}


@router.get("/{batch_id}/codes/{serial}/qr.png", response_class=Response, responses=_binary("image/png"))
def code_qr_png(
    batch_id: str, serial: str, member: CurrentMember, services: ServicesDep, session: ReadSession,
    scale: Scale = 10,
) -> Response:  # fmt: skip
    """The code's QR symbol (error correction M, quiet zone included) as PNG."""
    uri = _readable_code_uri(services, session, member, batch_id, serial)
    return Response(qr_png(uri, scale), media_type="image/png", headers={"Cache-Control": QR_CACHE})


@router.get("/{batch_id}/codes/{serial}/qr.svg", response_class=Response, responses=_binary("image/svg+xml"))
def code_qr_svg(
    batch_id: str, serial: str, member: CurrentMember, services: ServicesDep, session: ReadSession,
    scale: Scale = 10,
) -> Response:  # fmt: skip
    """The code's QR symbol (error correction M, quiet zone included) as SVG."""
    uri = _readable_code_uri(services, session, member, batch_id, serial)
    return Response(qr_svg(uri, scale), media_type="image/svg+xml", headers={"Cache-Control": QR_CACHE})


def _readable_code_uri(
    services: Services, session: Session, member: Member, batch_id: str, serial: str
) -> str:
    batch = readable_batch(session, member, batch_id)
    return code_uri(services.settings, code_of_batch(session, batch, serial))


@router.get("/{batch_id}/labels.pdf", response_class=Response, responses=_binary("application/pdf"))
def label_sheet(
    batch_id: str,
    member: CurrentMember,
    services: ServicesDep,
    session: ReadSession,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LABELS)] = 10 * LABELS_PER_PAGE,
    record_id: RecordId = None,
) -> Response:
    """A printable A4 label sheet (24 labels a page: QR and text) of the batch's codes, in issue order."""
    batch = readable_batch(session, member, batch_id)
    codes = codes_of_batch(session, batch_id, offset, limit, record_id)
    if not codes:
        raise NotFound(f"batch {batch_id} has no codes from offset {offset}")
    pdf = render_label_sheet(
        [code_label(services.settings, batch, code) for code in codes], title=f"Labels of {batch_id}"
    )
    filename = re.sub(r"[^A-Za-z0-9._-]", "_", f"labels-{batch_id}-{offset}.pdf")
    return Response(
        pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'}
    )
