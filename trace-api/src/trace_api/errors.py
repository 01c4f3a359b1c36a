"""The trace API's domain errors: what went wrong, in the domain's words, with no HTTP in them.

Domain code raises these (never HTTPException); :mod:`trace_api.problems` maps each kind to its
HTTP status and an RFC 9457 problem body at the edge, in one place.
"""

from __future__ import annotations

from typing import Any, Self


class DomainError(Exception):
    """A request the domain refuses. ``slug`` names the problem type, ``title`` says it in short;
    ``errors`` lists ``{"field", "reason"}`` pairs; ``extra`` goes into the answer as is."""

    slug = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, *, errors: list[dict[str, Any]] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.extra = extra

    @classmethod
    def field(cls, field: str, why: str, /, **extra: Any) -> Self:
        """The error of one field, ``why`` it is refused; ``extra`` as in the constructor (e.g. a
        ``reason`` code naming the refusal in a word, for clients)."""
        return cls(f"{field}: {why}", errors=[{"field": field, "reason": why}], **extra)


class Unauthorized(DomainError):
    slug, title = "unauthorized", "Missing or invalid API key"


class Forbidden(DomainError):
    slug, title = "forbidden", "Not allowed for this organisation"


class Suspended(Forbidden):
    """The caller's organisation is suspended: its keys are refused until a regulator restores it."""

    slug, title = "organisation-suspended", "Organisation suspended"


class NotFound(DomainError):
    slug, title = "not-found", "Not found"


class Conflict(DomainError):
    slug, title = "conflict", "Conflicts with the current state"


class Unprocessable(DomainError):
    slug, title = "unprocessable", "The request is invalid"


class TooLarge(DomainError):
    """A request carrying more than the endpoint takes at once: the caller splits it."""

    slug, title = "too-large", "The request is too large"


class Unavailable(DomainError):
    """Something the request needs is missing or not answering now; retrying later may work."""

    slug, title = "unavailable", "Temporarily unavailable"


class ChainUnavailable(Unavailable):
    slug, title = "chain-unavailable", "The chain could not be reached"


class Defect(DomainError):
    """Suyuan itself went wrong (never the caller's fault)."""

    slug, title = "internal", "Internal error"


#: The kinds of domain error; the edge answers each kind with its own status.
KINDS: tuple[type[DomainError], ...] = (
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    TooLarge,
    Unprocessable,
    Unavailable,
    Defect,
)


def error_data(error: DomainError) -> dict[str, Any]:
    """The error as JSON data, to keep and answer again later (:func:`error_from_data`): its kind,
    slug, title, detail and members."""
    kind = next((k for k in KINDS if isinstance(error, k)), DomainError)
    return {
        "kind": kind.__name__,
        "slug": error.slug,
        "title": error.title,
        "detail": error.detail,
        "errors": error.errors,
        "extra": error.extra,
    }


def error_from_data(data: dict[str, Any]) -> DomainError:
    """The error :func:`error_data` kept, as an error of its kind with its own slug and title."""
    kind = {k.__name__: k for k in KINDS}.get(data["kind"], DomainError)
    error = kind(data["detail"], errors=data["errors"], **data["extra"])
    error.slug, error.title = data["slug"], data["title"]
    return error


__all__ = [
    "KINDS",
    "ChainUnavailable",
    "Conflict",
    "Defect",
    "DomainError",
    "Forbidden",
    "NotFound",
    "Suspended",
    "TooLarge",
    "Unauthorized",
    "Unavailable",
    "Unprocessable",
    "error_data",
    "error_from_data",
]
