"""``/v1/exports``: a lot's trace as an EPCIS 2.0 document, and the FSMA 204 sortable spreadsheet."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response
from sqlmodel import Session

from ..auth import CurrentMember
from ..context import get_services, get_session
from ..services import Services
from .fsma204 import SheetFormat, fsma204_rows, parse_bound, to_csv, to_xlsx
from .service import epcis_trace_document

router = APIRouter(prefix="/v1/exports", tags=["exports"])

SHEET_MEDIA_TYPES = {
    SheetFormat.csv: "text/csv; charset=utf-8",
    SheetFormat.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class JsonLdResponse(JSONResponse):
    media_type = "application/ld+json"


@router.get("/epcis/{batch_id}", response_class=JsonLdResponse)
def epcis_export(
    batch_id: str,
    member: CurrentMember,
    services: Annotated[Services, Depends(get_services)],
    session: Annotated[Session, Depends(get_session)],
) -> dict[str, Any]:
    """Every EPCIS 2.0 event of the lot's lineage, in log order, as one schema-valid EPCIS document."""
    return epcis_trace_document(services, session, member, batch_id)


@router.get(
    "/fsma204",
    response_class=Response,
    responses={200: {"content": {media_type: {} for media_type in SHEET_MEDIA_TYPES.values()}}},
)
def fsma204_export(
    member: CurrentMember,
    services: Annotated[Services, Depends(get_services)],
    session: Annotated[Session, Depends(get_session)],
    lot: Annotated[str | None, Query(description="Lot code, or a batch id; its lineage comes too")] = None,
    batch_id: Annotated[str | None, Query(description="Batch id '<gtin>.<lot>'")] = None,
    since: Annotated[str | None, Query(description="From this date or date-time (ISO 8601)")] = None,
    until: Annotated[str | None, Query(description="Before this date-time, or through this date")] = None,
    sheet_format: Annotated[SheetFormat, Query(alias="format")] = SheetFormat.csv,
) -> Response:
    """FSMA 204 key data elements, one row per critical tracking event, for a lot or a date range."""
    rows = fsma204_rows(
        services,
        session,
        member,
        lot=lot,
        batch_id=batch_id,
        since=parse_bound("since", since),
        until=parse_bound("until", until, end=True),
    )
    body = to_xlsx(rows) if sheet_format is SheetFormat.xlsx else to_csv(rows)
    name = sheet_filename(batch_id or lot, since, until, sheet_format)
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, media_type=SHEET_MEDIA_TYPES[sheet_format], headers=headers)


def sheet_filename(lot: str | None, since: str | None, until: str | None, sheet_format: SheetFormat) -> str:
    """``fsma204_<lot>.csv`` or ``fsma204_<since>_<until>.xlsx``, in characters safe in any header."""
    parts: list[Any] = [lot] if lot else [since or "start", until or "now"]
    subject = "_".join(re.sub(r"[^A-Za-z0-9.-]+", "-", str(p)).strip("-.") for p in parts)
    return f"fsma204_{subject}.{sheet_format.value}"
