"""The OpenAPI document as clients need it: every error answer declared, as RFC 9457 problem+json,
and the links from what a write answers to what a client does next.

FastAPI declares only a route's success answer and a JSON 422. The handlers in :mod:`.problems`
answer every error as ``application/problem+json``; this module declares those answers on each
operation from what the route takes and depends on (parameters, a body or a write: 422; an API key: 401
and 403; what a path or body names: 404; a write: 409; the database or the chain: 503), and the
bearer-key security scheme.

:data:`LINKS` are OpenAPI 3 links (Link Objects): an admission's answer gives the lot's id to
issue codes, scan, trace and recall it; a recall's answer gives its id to acknowledge and lift
it. A ``requestBody`` member whose value is a runtime expression (``$response.body#/id``) is
filled in from the answer, the rest of the body is the client's (as schemathesis reads links).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_flat_params
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from .auth import any_key
from .problems import PROBLEM_JSON

PROBLEM_REF = "#/components/schemas/Problem"
SECURITY_SCHEME = "apiKey"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Routes that answer without the database (the benchmarks' baseline).
NO_STORAGE_PATHS = frozenset({"/livez"})

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; `errors` names each invalid field and the reason.",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "reason"],
                "properties": {"field": {"type": "string"}, "reason": {"type": "string"}},
            },
        },
    },
    "additionalProperties": True,
}

#: (method, path, status) of a write → its links: name → (method, path) of the next operation, and
#: the runtime expressions that fill its parameters or body from the answer.
LINKS: dict[tuple[str, str, str], dict[str, tuple[str, str, dict[str, Any]]]] = {
    ("post", "/v1/batches", "201"): {
        "IssueCodes": (
            "post",
            "/v1/batches/{batch_id}/codes",
            {"parameters": {"batch_id": "$response.body#/id"}},
        ),
        "ScanLot": ("post", "/v1/scans", {"requestBody": {"batch_id": "$response.body#/id"}}),
        "TraceLot": ("get", "/v1/trace/{batch_id}", {"parameters": {"batch_id": "$response.body#/id"}}),
        "RecallLot": ("post", "/v1/recalls", {"requestBody": {"batch_id": "$response.body#/id"}}),
    },
    ("post", "/v1/recalls", "201"): {
        "AcknowledgeRecall": (
            "post",
            "/v1/recalls/{recall_id}/acknowledgements",
            {"parameters": {"recall_id": "$response.body#/id"}},
        ),
        "LiftRecall": (
            "post",
            "/v1/recalls/{recall_id}/lift",
            {"parameters": {"recall_id": "$response.body#/id"}},
        ),
    },
}

ERROR_TEXTS = {
    401: "Missing, unknown or revoked API key",
    403: "The caller's role or ownership does not allow this",
    404: "No such resource (or not visible to the caller)",
    409: "Conflicts with the current state (a duplicate, custody, a recall)",
    422: "The request is invalid: each field and the reason",
    503: "The database or the chain is busy or unreachable: retry after `Retry-After` seconds",
}


def install_openapi(app: FastAPI) -> None:
    """Replaces ``app.openapi`` with one that declares every operation's problem answers."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete_schema(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def complete_schema(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    components.setdefault("securitySchemes", {})[SECURITY_SCHEME] = {
        "type": "http",
        "scheme": "bearer",
        "description": "A member's or device's API key (`sy_…`), shown once when it is made.",
    }
    for route in _api_routes(app):
        for method in route.methods or ():
            operation = schema["paths"].get(route.path_format or "", {}).get(method.lower())
            if operation is not None:
                _declare_problems(operation, route, method)
    _declare_links(schema["paths"])
    return schema


def _declare_links(paths: dict[str, Any]) -> None:
    """Adds :data:`LINKS` to the answers they start from, naming each target by its operationId."""
    for (method, path, status), links in LINKS.items():
        response = paths[path][method]["responses"][status]
        response["links"] = {
            name: {
                "operationId": paths[target_path][target_method]["operationId"],
                "description": f"{target_method.upper()} {target_path} with what this answer names",
                **fills,
            }
            for name, (target_method, target_path, fills) in links.items()
        }


def _api_routes(app: FastAPI) -> Iterator[RouteContext]:
    """Every route in the schema, those of included routers too (as their effective contexts)."""
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute) and context.include_in_schema:
            yield context


def _declare_problems(operation: dict[str, Any], route: RouteContext, method: str) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    for status in error_statuses(route, method):
        # Kept: other answers a route declares itself (the resolver's HTML page for an unknown code).
        declared = responses.get(str(status), {}).get("content", {})
        content = {media: spec for media, spec in declared.items() if media != "application/json"}
        content[PROBLEM_JSON] = {"schema": {"$ref": PROBLEM_REF}}
        responses[str(status)] = {"description": ERROR_TEXTS[status], "content": content}
    if _depends_on(route.dependant, any_key):
        operation["security"] = [{SECURITY_SCHEME: []}]


def error_statuses(route: RouteContext, method: str) -> list[int]:
    """The problem statuses a route can answer, from its parameters and dependencies."""
    takes_input = get_flat_params(route.dependant) or route.body_field is not None or method in WRITE_METHODS
    statuses = [422] if takes_input else []
    if _depends_on(route.dependant, any_key):
        statuses += [401, 403]
    if route.path_format in NO_STORAGE_PATHS:
        return statuses
    statuses.append(404)  # a path parameter or a body naming what does not exist
    if method in WRITE_METHODS:
        statuses.append(409)
    statuses.append(503)
    return sorted(statuses)


def _depends_on(dependant: Dependant, call: Callable[..., Any]) -> bool:
    return any(d.call is call or _depends_on(d, call) for d in dependant.dependencies)
