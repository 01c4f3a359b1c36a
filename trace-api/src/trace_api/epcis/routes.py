"""The EPCIS 2.0 REST interface: capture (documents and single events) and events queries."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote, unquote, urlencode

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool

from evidence import InvalidRecord

from ..auth import CurrentMember
from ..context import WriteSession, get_services, get_session
from ..errors import Conflict, NotFound, TooLarge, Unprocessable
from ..openapi import PROBLEM_REF
from ..orgs.models import OrgType
from ..orgs.service import Member
from ..problems import PROBLEM_JSON, problem_response, status_of
from ..scans.service import CounterfeitSuspected, apply_scan
from ..services import Services, writing
from ..text import Line
from ..webhooks.service import SIGNATURE_HEADER, require_target
from .capture import Behaviour, existing_ids, prepare, store
from .capture_jobs import BEHAVIOUR_HEADER, capture_document
from .custody import custody_scan
from .documents import (
    IdentifierError,
    capture_form,
    digital_link_to_urn,
    document_context,
    urn_to_digital_link,
)
from .hashing import EventHashError
from .models import CaptureJob, EpcisEvent, NamedQuery, Subscription
from .query import conditions_of, find_event, query_document, query_events
from .subscriptions import subscribe
from .validation import validate_event
from .xml_documents import XmlDocumentError, xml_document

router = APIRouter(prefix="/epcis", tags=["epcis"])
#: Where an answer keeps the eventID the capturing application declared, its ``eventID`` being
#: the Event Hash ID (an absolute IRI: an extension field every JSON-LD reader takes as it is).
DECLARED_EVENT_ID = "https://suyuan.dev/epcis/declaredEventID"
ID_FIELDS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
CLASS_LISTS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")


#: Media types of an XML capture document (EPCIS 2.0 or 1.2 XML binding).
XML_TYPES = ("application/xml", "text/xml")


def json_ld_body(what: str, xml: bool = False) -> dict[str, Any]:
    """The request body these routes read themselves (JSON or JSON-LD), for the OpenAPI document."""
    schema = {"type": "object", "description": what}
    content: dict[str, Any] = {
        "application/json": {"schema": schema},
        "application/ld+json": {"schema": schema},
    }
    if xml:
        text = {"type": "string", "description": "an EPCIS 2.0 or 1.2 XML EPCISDocument"}
        content |= {media: {"schema": text} for media in XML_TYPES}
    return {"requestBody": {"required": True, "content": content}}


#: How deep a JSON body may nest: far beyond any EPCIS event (about 6 levels, extensions a few
#: more), and far below what the decoder, the schema check and the hash recurse through. It is
#: checked before decoding: a dependency (py_ecc) lifts Python's recursion limit to 100,000, so a
#: deep enough document would overflow the C stack and end the process rather than raise.
MAX_JSON_DEPTH = 64
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_PARENS = bytes.maketrans(b"[]{}", b"()()")


def _json_of(body: bytes, what: str) -> dict[str, Any]:
    if _nests_deeper(body, MAX_JSON_DEPTH):
        raise Unprocessable.field("body", f"nested more than {MAX_JSON_DEPTH} levels deep")
    try:
        value = json.loads(body, parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise Unprocessable.field("body", f"not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise Unprocessable.field("body", f"{what} is a JSON object")
    return value


def _nests_deeper(body: bytes, limit: int) -> bool:
    """Whether the JSON text ``body`` nests deeper than ``limit``, its strings aside.

    Each round drops the innermost bracket pairs (C-speed byte replacement), so a document of
    depth d is empty after d rounds; a few rounds for any real document, ``limit`` at most.
    """
    brackets = _JSON_STRING.sub(b"", body).translate(_PARENS, _NOT_BRACKETS)
    for _ in range(limit):
        if not brackets:
            return False
        brackets = brackets.replace(b"()", b"")
    return b"(" in brackets


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _job_view(job: CaptureJob) -> dict[str, Any]:
    data = job.model_dump(mode="json", exclude={"org_id", "errors"})
    data["errors"] = json.loads(job.errors)
    return data


async def _body_within(request: Request, limit: int) -> bytes:
    """The request's body, refused (413) as soon as it is known to exceed ``limit`` bytes: by its
    ``Content-Length``, or while it arrives."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise _body_too_large(limit)
    parts: list[bytes] = []
    size = 0
    async for part in request.stream():
        size += len(part)
        if size > limit:
            raise _body_too_large(limit)
        parts.append(part)
    return b"".join(parts)


def _body_too_large(limit: int) -> TooLarge:
    return TooLarge.field(
        "body", f"more than {limit:,} bytes: send the events in smaller documents", max_bytes=limit
    )


def _too_large(what: str) -> dict[int | str, dict[str, Any]]:
    return {
        413: {
            "description": what,
            "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}},
        }
    }


@router.post(
    "/capture",
    status_code=202,
    openapi_extra=json_ld_body("an EPCIS 2.0 document (EPCISDocument)", xml=True),
    responses=_too_large(
        "The document is larger than `SUYUAN_EPCIS_MAX_DOCUMENT_BYTES` (`errors[0].field` is `body`), "
        "has more events than `SUYUAN_EPCIS_MAX_EVENTS`, or, under `rollback`, more than "
        "`SUYUAN_EPCIS_ROLLBACK_MAX_EVENTS` (`epcisBody.eventList`; `max_events` names the limit)"
    ),
)
async def capture(
    request: Request,
    member: CurrentMember,
    services: Annotated[Services, Depends(get_services)],
    behaviour: Annotated[str, Header(alias=BEHAVIOUR_HEADER)] = "rollback",
) -> JSONResponse:
    """Capture an EPCIS document; the job (202, Location header) reports each event's outcome.

    JSON-LD (EPCIS 2.0), or XML (EPCIS 2.0 or 1.2, `Content-Type: application/xml` or `text/xml`),
    read into the JSON-LD form: an event has the same Event Hash ID in either.

    `rollback` (the default) writes the document in one transaction, so it takes at most
    `SUYUAN_EPCIS_ROLLBACK_MAX_EVENTS` events (default 5,000); `proceed` writes larger documents
    in chunks, up to `SUYUAN_EPCIS_MAX_EVENTS` (default 50,000)."""
    if behaviour not in ("rollback", "proceed"):
        raise Unprocessable.field(BEHAVIOUR_HEADER, "must be rollback or proceed")
    mode: Behaviour = "proceed" if behaviour == "proceed" else "rollback"
    body = await _body_within(request, services.settings.epcis_max_document_bytes)
    xml = request.headers.get("content-type", "").split(";")[0].strip().lower() in XML_TYPES
    job = await run_in_threadpool(_capture_body, services, member, body, mode, xml)
    return JSONResponse(_job_view(job), status_code=202, headers={"Location": f"/epcis/capture/{job.id}"})


def _capture_body(
    services: Services, member: Member, body: bytes, behaviour: Behaviour, xml: bool
) -> CaptureJob:
    if not xml:
        return capture_document(services, member, _json_of(body, "an EPCIS document"), behaviour)
    try:
        document = xml_document(body)
    except XmlDocumentError as exc:
        raise Unprocessable.field(exc.path, exc.reason) from exc
    return capture_document(services, member, document, behaviour)


@router.get("/capture/{capture_id}")
def capture_job(
    capture_id: str, member: CurrentMember, session: Annotated[Session, Depends(get_session)]
) -> dict[str, Any]:
    """A capture job: ``running`` with its progress (``processed`` of ``events``), then its outcome."""
    job = session.get(CaptureJob, capture_id)
    if job is None or (member.org.org_type is not OrgType.regulator and job.org_id != member.org.id):
        raise NotFound(f"no capture job {capture_id} of {member.org.handle}")
    return _job_view(job)


@router.post(
    "/events",
    status_code=201,
    openapi_extra=json_ld_body("one EPCIS 2.0 event, with its @context"),
    responses=_too_large(
        "The event is larger than `SUYUAN_EPCIS_MAX_DOCUMENT_BYTES` (`errors[0].field` is `body`)"
    ),
)
async def capture_event(
    request: Request,
    member: CurrentMember,
    services: Annotated[Services, Depends(get_services)],
) -> JSONResponse:
    """Capture one event (with its @context): 201 and its Location, or 409 if captured before."""
    body = await _body_within(request, services.settings.epcis_max_document_bytes)
    return await run_in_threadpool(_capture_one, services, member, body, request.url.path)


def _capture_one(services: Services, member: Member, body: bytes, path: str) -> JSONResponse:
    event = capture_form(_json_of(body, "an EPCIS event"))
    issues = validate_event(event, standalone=True)
    if issues:
        raise Unprocessable(
            "; ".join(f"{i['path'] or '/'}: {i['reason']}" for i in issues),
            errors=[{"field": i["path"], "reason": i["reason"]} for i in issues],
        )
    try:
        prepared = prepare(event, 0, document_context(event), member, dt.datetime.now(dt.UTC))
    except (EventHashError, InvalidRecord, KeyError, ValueError) as exc:  # as check_document reports them
        raise Unprocessable.field("event", str(exc)) from exc
    with writing(services) as session:
        if existing_ids(session, [prepared.event_id]):
            raise Conflict(f"event {prepared.event_id} was captured before", event_id=prepared.event_id)
        scan = custody_scan(session, prepared.event, prepared.event_id)
        if scan is not None:
            try:
                apply_scan(services, session, member, scan)
            except CounterfeitSuspected as exc:  # answered without raising: the signal stays recorded
                return problem_response(status_of(exc), exc.slug, exc.title, exc.detail, path, **exc.extra)
        store(services, session, [prepared])
    location = f"/epcis/events/{quote(prepared.event_id, safe='')}"
    return JSONResponse({"eventID": prepared.event_id}, status_code=201, headers={"Location": location})


@router.get("/events")
def events(
    request: Request,
    member: CurrentMember,
    session: Annotated[Session, Depends(get_session)],
    epc_format: Annotated[str, Header(alias="GS1-EPC-Format")] = "No_Preference",
) -> JSONResponse:
    """Query captured events (EPCIS 2.0 SimpleEventQuery parameters); paged with nextPageToken."""
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key, []).append(value)
    rows, token = query_events(session, member, params)
    prefix = _prefix_length(request)
    body = query_document([_answer(row, epc_format, prefix) for row in rows])
    headers = {}
    if token is not None:
        following = {k: v for k, v in request.query_params.multi_items() if k != "nextPageToken"}
        headers["Link"] = f'</epcis/events?{urlencode({**following, "nextPageToken": token})}>; rel="next"'
        body["nextPageToken"] = token
    return JSONResponse(body, headers=headers)


@router.get("/events/{event_id:path}")
def event(
    request: Request,
    event_id: str,
    member: CurrentMember,
    session: Annotated[Session, Depends(get_session)],
    epc_format: Annotated[str, Header(alias="GS1-EPC-Format")] = "No_Preference",
) -> dict[str, Any]:
    """One event, by its Event Hash ID or by the eventID its capturing application declared."""
    return _answer(find_event(session, member, unquote(event_id)), epc_format, _prefix_length(request))


def _prefix_length(request: Request) -> int:
    services: Services = request.app.state.services
    return services.settings.gs1_company_prefix_length


def _answer(row: EpcisEvent, epc_format: str, prefix_length: int = 7) -> dict[str, Any]:
    """The stored event; ``GS1-EPC-Format`` chooses Digital Link or EPC URN identifiers."""
    event: dict[str, Any] = json.loads(row.body)
    event["eventID"] = row.event_id
    if row.declared_event_id is not None:
        event[DECLARED_EVENT_ID] = row.declared_event_id
    event["recordTime"] = row.record_time.isoformat().replace("+00:00", "Z")
    if epc_format == "Always_GS1_Digital_Link":
        _translate(event, urn_to_digital_link)
    elif epc_format == "Always_EPC_URN":
        _translate(event, lambda value: digital_link_to_urn(value, prefix_length))
    return event


def _translate(event: dict[str, Any], translate: Callable[[str], str]) -> None:
    def convert(value: str) -> str:
        try:
            return translate(value)
        except IdentifierError:
            return value

    for name in ID_FIELDS:
        if isinstance(event.get(name), list):
            event[name] = [convert(v) if isinstance(v, str) else v for v in event[name]]
    if isinstance(event.get("parentID"), str):
        event["parentID"] = convert(event["parentID"])
    for name in CLASS_LISTS:
        for entry in event.get(name) or []:
            if isinstance(entry, dict) and isinstance(entry.get("epcClass"), str):
                entry["epcClass"] = convert(entry["epcClass"])


class NamedQueryIn(BaseModel):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,100}$")
    query: dict[str, list[str] | str] = Field(description="SimpleEventQuery parameters and their values")


class SubscriptionIn(BaseModel):
    dest: Line = Field(max_length=500, description="webhook URL that receives each new matching event")
    signatureToken: str | None = Field(default=None, min_length=16, max_length=200)  # noqa: N815 - EPCIS name


def _named(session: Session, member: Member, name: str) -> NamedQuery:
    named = session.exec(
        select(NamedQuery).where(NamedQuery.org_id == member.org.id, NamedQuery.name == name)
    ).first()
    if named is None:
        raise NotFound(f"{member.org.handle} has no query named {name!r}")
    return named


@router.post("/queries", status_code=201)
def create_query(data: NamedQueryIn, member: CurrentMember, session: WriteSession) -> dict[str, Any]:
    """Save a named query (checked like GET /epcis/events would check it)."""
    params = {k: v if isinstance(v, list) else [v] for k, v in data.query.items()}
    conditions_of(params)  # raises, naming the parameter, if one is not supported
    if session.exec(
        select(NamedQuery).where(NamedQuery.org_id == member.org.id, NamedQuery.name == data.name)
    ).first():
        raise Conflict(f"{member.org.handle} has a query named {data.name!r} already")
    session.add(
        NamedQuery(
            org_id=member.org.id,
            name=data.name,
            params=json.dumps(params),
            created_at=dt.datetime.now(dt.UTC),
        )
    )
    session.commit()
    return {"name": data.name, "query": params}


@router.get("/queries/{name}/events")
def run_query(
    name: str, member: CurrentMember, session: Annotated[Session, Depends(get_session)]
) -> JSONResponse:
    rows, token = query_events(session, member, json.loads(_named(session, member, name).params))
    body = query_document([_answer(row, "Never_Translates") for row in rows])
    if token is not None:
        body["nextPageToken"] = token
    return JSONResponse(body)


@router.post("/queries/{name}/subscriptions", status_code=201)
def create_subscription(
    name: str,
    data: SubscriptionIn,
    member: CurrentMember,
    services: Annotated[Services, Depends(get_services)],
    session: WriteSession,
) -> dict[str, Any]:
    """Deliver each new event matching the query to ``dest``, signed (HMAC-SHA256) with the secret."""
    require_target(data.dest, services.settings, "dest")
    subscription = subscribe(session, _named(session, member, name), data.dest, data.signatureToken)
    return {
        "subscriptionID": subscription.id,
        "dest": subscription.dest,
        "secret": subscription.secret,
        "signature_header": SIGNATURE_HEADER,
    }


@router.delete("/queries/{name}/subscriptions/{subscription_id}", status_code=204)
def delete_subscription(
    name: str, subscription_id: str, member: CurrentMember, session: WriteSession
) -> Response:
    named = _named(session, member, name)
    subscription = session.get(Subscription, subscription_id)
    if subscription is None or subscription.query_id != named.id:
        raise NotFound(f"no subscription {subscription_id} on query {name!r}")
    subscription.active = False
    session.add(subscription)
    session.commit()
    return Response(status_code=204)
