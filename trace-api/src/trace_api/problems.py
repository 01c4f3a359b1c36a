"""API errors as RFC 9457 problem details, mapped to HTTP statuses in this one place.

Domain code raises :class:`ApiProblem` subclasses (never HTTPException); the handlers here turn
them, request validation errors and ledger/chain errors into ``application/problem+json``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from chain import AccessDenied as ChainAccessDenied
from chain import BatchRecalled, ChainError, ContractRevert, NotHolder

from .ledger import InvalidRecord, RecordConflict

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://suyuan.dev/problems/"


class ApiProblem(Exception):
    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, *, errors: list[dict[str, Any]] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.extra = extra


class Unauthorized(ApiProblem):
    status, slug, title = 401, "unauthorized", "Missing or invalid API key"


class Forbidden(ApiProblem):
    status, slug, title = 403, "forbidden", "Not allowed for this organisation"


class NotFound(ApiProblem):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(ApiProblem):
    status, slug, title = 409, "conflict", "Conflicts with the current state"


class Unprocessable(ApiProblem):
    status, slug, title = 422, "unprocessable", "The request is invalid"

    @classmethod
    def field(cls, field: str, reason: str) -> Unprocessable:
        return cls(f"{field}: {reason}", errors=[{"field": field, "reason": reason}])


class ChainUnavailable(ApiProblem):
    status, slug, title = 503, "chain-unavailable", "The chain could not be reached"


def problem_response(
    status: int, slug: str, title: str, detail: str, instance: str, **extra: Any
) -> JSONResponse:
    body = {
        "type": TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    body.update({k: v for k, v in extra.items() if v not in (None, [])})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiProblem)
    async def _api_problem(request: Request, exc: ApiProblem) -> JSONResponse:
        return problem_response(
            exc.status, exc.slug, exc.title, exc.detail, request.url.path, errors=exc.errors, **exc.extra
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"] if p != "body"), "reason": e["msg"]}
            for e in exc.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
        return problem_response(
            422, "unprocessable", "The request is invalid", detail, request.url.path, errors=errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
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
        return problem_response(
            503, "chain-unavailable", "The chain could not be reached", str(exc), request.url.path
        )
