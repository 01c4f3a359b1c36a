"""``POST /v1/scans``: scan in and out; ``POST /v1/scans:batch``: a scanner's queue synced, each scan
exactly once; ``GET /v1/scans``: the scans recorded (a regulator's all, a member's own);
``GET /v1/signals``: counterfeit signals for regulators, and for the organisation that admitted or
holds the goods a signal is about."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime
from sqlmodel import Session

from evidence import rfc3339

from ..auth import CurrentMember, MemberKey
from ..context import WriteSession, get_services, get_session
from ..errors import Forbidden
from ..openapi import PROBLEM_REF
from ..orgs.models import OrgType
from ..orgs.service import Member
from ..params import DEFAULT_LIMIT, Cursor, Limit
from ..problems import PROBLEM_JSON, domain_problem, problem_members, status_of
from ..services import Services
from .batch import MAX_SCAN_BATCH, CheckedBatch, SyncedBatch, checked_batch, sync_batch
from .listing import ScanFilter, list_scans
from .models import SignalReason
from .outcomes import ScanSync, SyncedScan
from .service import Action, CounterfeitSuspected, ScanIn, apply_scan
from .signals import describe_signals, readable_signals

router = APIRouter(tags=["scans"])


def scanning_member(member: MemberKey) -> Member:
    """A member's key of an organisation that handles goods: regulators and devices do not scan
    goods in or out."""
    if member.org.org_type is OrgType.regulator:
        raise Forbidden(f"{member.org.handle} is a regulator: scans in and out are for the holders of goods")
    return member


Scanner = Annotated[Member, Depends(scanning_member)]


@router.post(
    "/v1/scans",
    status_code=201,
    response_model=None,
    responses={
        200: {
            "description": "A resent scan (the same scan_id), or the same sale at the same till within "
            "minutes: the first record, with `duplicate: true`"
        }
    },
)
def record_scan(
    scan: ScanIn,
    request: Request,
    member: Scanner,
    services: Annotated[Services, Depends(get_services)],
    session: WriteSession,
) -> dict[str, Any] | JSONResponse:
    """Record a scan. A resent scan (same scan_id) answers its first answer again, with
    `duplicate: true`: 200 with the record, or the same problem; nothing is recorded twice.

    A refusal's problem names its `reason`: a counterfeit signal (`sold_twice`, `off_custody_path`,
    `code_never_issued`, `destroyed_item`, `code_batch_mismatch`), `scan_id_reused`, `not_holder`,
    `in_transit`, `under_recall`, `not_shipped_to_you`, `already_received`, `unknown_lot`,
    `unknown_partner`, `not_a_receiver`, `partner_suspended`, `other_network`, `child_lot_exists` or
    `item_sold_or_destroyed`; other field errors name only their fields (`errors[]`)."""
    received_at = dt.datetime.now(dt.UTC)
    if scan.scan_id is not None:
        sync = ScanSync(services, session, member, [scan], received_at)
        synced = sync.sync(scan)
        sync.keep()
        return _answer(request, services, session, synced)
    try:
        summary, resent = apply_scan(services, session, member, scan)
    except CounterfeitSuspected as exc:
        # The signal is evidence: answer the problem without raising, so the transaction commits it.
        return domain_problem(request, exc)
    summary["received_at"] = rfc3339(received_at)
    if resent:
        return JSONResponse({**summary, "duplicate": True}, status_code=200)
    return summary


def _answer(
    request: Request, services: Services, session: Session, synced: SyncedScan
) -> dict[str, Any] | JSONResponse:
    """One synced scan's answer: its record (201, or 200 when answered before) or its problem."""
    received = {"received_at": rfc3339(synced.received_at)}
    if synced.refusal is not None:
        again = {"duplicate": True} if synced.duplicate else {}
        body = {**problem_members(synced.refusal), "instance": request.url.path, **again}
        return JSONResponse(body, status_code=status_of(synced.refusal), media_type=PROBLEM_JSON)
    assert synced.record is not None
    if not synced.duplicate:
        return {**synced.record, **received}
    record = synced.record
    if "payload" not in record:  # answered from the kept outcome: the record itself from the ledger
        stored = services.ledger.get(record["record_id"], conn=session.connection())
        record = {**record, "kind": stored.kind, "payload": stored.record().payload}
    return JSONResponse({**record, **received, "duplicate": True}, status_code=200)


@router.post(
    "/v1/scans:batch",
    response_model=None,
    responses={
        413: {
            "description": f"More than {MAX_SCAN_BATCH:,} scans: `errors[0].field` is `scans`",
            "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}},
        },
    },
)
def sync_scans(
    member: Scanner,
    batch: Annotated[CheckedBatch, Depends(checked_batch)],
    services: Annotated[Services, Depends(get_services)],
    session: WriteSession,
) -> dict[str, Any]:
    """Sync a scanner's queue: up to 2,000 scans, each with its `scan_id` and scan `time`, applied
    each on its own and exactly once. The answer has one result per scan, in the order sent:
    `recorded` (with its ledger record) or `refused` (with the problem `POST /v1/scans` answers,
    fields named `scans[i].…`), both final; `duplicate: true` for a scan answered before, which
    changes nothing. The scans commit before the answer is sent."""
    return _batch_answer(sync_batch(services, session, member, batch))


def _batch_answer(batch: SyncedBatch) -> dict[str, Any]:
    """One result per scan, in the order sent, each refusal as its problem; and the counts."""
    return {
        "results": [_result(i, s, batch.chain) for i, s in enumerate(batch.scans)],
        "recorded": sum(1 for s in batch.scans if s.status == "recorded"),
        "refused": sum(1 for s in batch.scans if s.status == "refused"),
        "duplicates": sum(1 for s in batch.scans if s.duplicate),
    }


def _result(index: int, synced: SyncedScan, chain: dict[str, str]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "scan_id": synced.scan_id,
        "status": synced.status,
        "duplicate": synced.duplicate,
        "received_at": rfc3339(synced.received_at),
    }
    if synced.record is not None:
        record_id = synced.record["record_id"]
        result |= {"record_id": record_id, "index": synced.record["index"]}
        if "chain" in synced.record:
            result["chain"] = synced.record["chain"]
        elif record_id in chain:
            result["chain"] = {"status": chain[record_id]}
    if synced.refusal is not None:
        result["problem"] = _within_batch(index, problem_members(synced.refusal))
    return result


def _within_batch(index: int, problem: dict[str, Any]) -> dict[str, Any]:
    """The problem with its field names given within the batch (``code`` → ``scans[3].code``)."""
    if not problem.get("errors"):
        return problem
    where = f"scans[{index}]"
    errors = [{**e, "field": f"{where}.{e['field']}" if e["field"] else where} for e in problem["errors"]]
    return {**problem, "errors": errors}


@router.get("/v1/scans")
def scans(
    member: CurrentMember,
    services: Annotated[Services, Depends(get_services)],
    session: Annotated[Session, Depends(get_session)],
    action: Action | None = None,
    since: Annotated[
        AwareDatetime | None,
        Query(description="scans recorded at or after this RFC 3339 time, e.g. 2026-12-04T00:00:00+08:00"),
    ] = None,
    batch_id: Annotated[
        str | None, Query(max_length=64, description="scans of this lot (and the split that made it)")
    ] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Scans, newest recorded first (with a lot, in log order, newest first): every organisation's
    for a regulator, the caller's own otherwise.

    Each scan says who it moved the goods `from` and `to` (handles: a shipment goes from the
    scanner to its counterparty, a receipt from the counterparty to the scanner), its scan `time`,
    when it was `recorded_at`, and its ledger record."""
    wanted = ScanFilter(action=action, since=since, batch_id=batch_id)
    return list_scans(services, session, member, wanted, limit, cursor)


@router.get("/v1/signals")
def list_signals(
    member: CurrentMember,
    session: Annotated[Session, Depends(get_session)],
    code: Annotated[str | None, Query(max_length=512, description="GS1 Digital Link URI of an item")] = None,
    batch_id: Annotated[str | None, Query(max_length=64)] = None,
    reason: Annotated[SignalReason | None, Query(description="why the scan was taken for a sign")] = None,
    since: Annotated[
        AwareDatetime | None,
        Query(description="signals recorded at or after this RFC 3339 time, e.g. 2026-12-04T00:00:00+08:00"),
    ] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Counterfeit signals, newest first, a page at a time: all for regulators; with ``code`` or
    ``batch_id``, those about goods the caller's organisation admitted or holds. None is public.
    ``since`` keeps those recorded at or after a time (the overview's ``signals.today`` counts
    those since ``today.since``)."""
    signals, next_cursor = readable_signals(
        session, member, code=code, batch_id=batch_id, reason=reason, since=since, limit=limit, cursor=cursor
    )
    return {"signals": describe_signals(session, signals), "next_cursor": next_cursor}
