"""API errors as RFC 9457 problem details, mapped to HTTP statuses in this one place.

Domain code raises :mod:`trace_api.errors` (never HTTPException); the handlers here turn those,
request validation errors and ledger/chain/database errors into ``application/problem+json``.
Waiting too long for the database's writer lock, or a chain node that does not answer, is a 503
with ``Retry-After``; anything unexpected is a 500 problem, and the connection stays usable.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from requests.exceptions import ConnectionError as HttpConnectionError
from requests.exceptions import Timeout as HttpTimeout
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chain import AccessDenied as ChainAccessDenied
from chain import BatchRecalled, ChainError, ContractRevert, NotHolder
from evidence import InvalidRecord, RecordConflict, is_contention

from .errors import (
    Conflict,
    Defect,
    DomainError,
    Forbidden,
    NotFound,
    TooLarge,
    Unauthorized,
    Unavailable,
    Unprocessable,
)

log = logging.getLogger(__name__)

#: Seconds a client is asked to wait before retrying a 503.
RETRY_AFTER_S = 1

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://suyuan.dev/problems/"


#: Each kind of domain error's HTTP status: the first kind the error is an instance of.
_STATUSES: tuple[tuple[type[DomainError], int], ...] = (
    (Unauthorized, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (TooLarge, 413),
    (Unprocessable, 422),
    (Unavailable, 503),
    (Defect, 500),
)


def status_of(error: DomainError) -> int:
    """The HTTP status that answers ``error``."""
    return next((status for kind, status in _STATUSES if isinstance(error, kind)), 400)


def domain_problem(request: Request, error: DomainError) -> JSONResponse:
    """The problem+json answer to a domain error."""
    return problem_response(
        status_of(error),
        error.slug,
        error.title,
        error.detail,
        request.url.path,
        errors=error.errors,
        **error.extra,
    )


def problem_members(error: DomainError) -> dict[str, Any]:
    """The problem+json members answering a domain error, all but ``instance`` (the request's path):
    what a batch's result carries for one refused part."""
    body = problem_body(
        status_of(error), error.slug, error.title, error.detail, "", errors=error.errors, **error.extra
    )
    del body["instance"]
    return body


def problem_body(
    status: int, slug: str, title: str, detail: str, instance: str, **extra: Any
) -> dict[str, Any]:
    body = {
        "type": TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    body.update({k: v for k, v in extra.items() if v not in (None, [])})
    return body


def problem_response(
    status: int, slug: str, title: str, detail: str, instance: str, **extra: Any
) -> JSONResponse:
    body = problem_body(status, slug, title, detail, instance, **extra)
    headers = {"Retry-After": str(RETRY_AFTER_S)} if status == 503 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def chain_unavailable(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(
        503, "chain-unavailable", "The chain could not be reached", str(exc), request.url.path
    )


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain_error(request: Request, exc: DomainError) -> JSONResponse:
        return domain_problem(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _field_of(e["loc"]), "reason": e["msg"]} for e in exc.errors()]
        detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
        return problem_response(
            422, "unprocessable", "The request is invalid", detail, request.url.path, errors=errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:
            return _unparsable_body(request, exc)
        title = "Not found" if exc.status_code == 404 else "HTTP error"
        return problem_response(exc.status_code, "http", title, str(exc.detail), request.url.path)

    @app.exception_handler(InvalidRecord)
    async def _invalid_record(request: Request, exc: InvalidRecord) -> JSONResponse:
        errors = [{"field": exc.field, "reason": exc.reason}]
        return problem_response(
            422, "unprocessable", "The request is invalid", str(exc), request.url.path, errors=errors
        )

    @app.exception_handler(RecordConflict)
    async def _record_conflict(request: Request, exc: RecordConflict) -> JSONResponse:
        return problem_response(
            409, "conflict", "Conflicts with the current state", str(exc), request.url.path
        )

    @app.exception_handler(ChainError)
    async def _chain(request: Request, exc: ChainError) -> JSONResponse:
        if isinstance(exc, ChainAccessDenied):
            return problem_response(403, "forbidden", "Not allowed on chain", str(exc), request.url.path)
        if isinstance(exc, (NotHolder, BatchRecalled)):
            return problem_response(
                409, "conflict", "Conflicts with the chain's state", str(exc), request.url.path
            )
        if isinstance(exc, ContractRevert):
            return problem_response(409, "conflict", "Refused by the contract", str(exc), request.url.path)
        return chain_unavailable(request, exc)

    # web3's HTTP provider raises requests' own errors when the node does not answer.
    @app.exception_handler(HttpConnectionError)
    async def _chain_unreachable(request: Request, exc: HttpConnectionError) -> JSONResponse:
        return chain_unavailable(request, exc)

    @app.exception_handler(HttpTimeout)
    async def _chain_timeout(request: Request, exc: HttpTimeout) -> JSONResponse:
        return chain_unavailable(request, exc)

    @app.exception_handler(SQLAlchemyError)
    async def _database(request: Request, exc: SQLAlchemyError) -> JSONResponse:
        if is_contention(exc):
            detail = "the database is busy with other writes; retry shortly"
            return problem_response(503, "database-busy", "The database is busy", detail, request.url.path)
        log.error("database error answering %s %s", request.method, request.url.path, exc_info=exc)
        return problem_response(
            500,
            "database-error",
            "The database refused the operation",
            "the request was not completed",
            request.url.path,
        )

    app.add_middleware(AnswerUnexpectedErrors)


def _unparsable_body(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """FastAPI and Starlette answer 400 for a body they cannot parse (JSON that is not UTF-8, a
    broken multipart form; a JSON syntax error is already a validation error): invalid input, so
    a 422 naming the body. Suyuan itself raises no HTTPException."""
    cause = exc.__cause__
    why = f"{exc.detail} ({type(cause).__name__}: {cause})" if cause is not None else str(exc.detail)
    return problem_response(
        422,
        "unprocessable",
        "The request is invalid",
        f"body: {why}",
        request.url.path,
        errors=[{"field": "body", "reason": why}],
    )


class AnswerUnexpectedErrors:
    """Turns an exception no handler took into a logged 500 problem, and keeps the connection open.

    Starlette's outermost middleware re-raises every such exception after answering 500, and
    uvicorn then closes the connection: a client's next request on it would be reset.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            log.error(
                "unexpected error answering %s %s", scope.get("method"), scope.get("path"), exc_info=exc
            )
            if started:
                return  # the answer went out (or began to): nothing more can be said on it
            body = problem_body(
                500, "internal", "Internal error", "the request failed", scope.get("path", "")
            )
            await send(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [(b"content-type", PROBLEM_JSON.encode())],
                }
            )
            await send({"type": "http.response.body", "body": json.dumps(body).encode()})


def _field_of(loc: tuple[Any, ...] | list[Any]) -> str:
    """A validation error's field as clients name it: without FastAPI's leading ``body``, so that a
    body's own field called ``body`` (a proof bundle's) keeps its name."""
    parts = list(loc[1:] if loc and loc[0] == "body" else loc)
    return ".".join(str(p) for p in parts)
