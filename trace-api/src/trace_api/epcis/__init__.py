"""GS1 EPCIS 2.0 JSON-LD: document helpers, schema validation and Event Hash IDs."""

from .documents import (
    EPCIS_CONTEXT,
    GS1_RESOLVER,
    EpcisError,
    IdentifierError,
    digital_link_to_urn,
    document_context,
    epc_lists,
    event_type,
    events_of,
    urn_to_digital_link,
    with_context,
)
from .hashing import (
    EventHashError,
    document_hash_ids,
    document_prehashes,
    event_hash_id,
    ignored_fields,
    prehash,
    without_fields,
)
from .validation import EpcisValidationError, ValidationIssue, validate_document, validate_event

__all__ = [
    "EPCIS_CONTEXT",
    "GS1_RESOLVER",
    "EpcisError",
    "EpcisValidationError",
    "EventHashError",
    "IdentifierError",
    "ValidationIssue",
    "digital_link_to_urn",
    "document_context",
    "document_hash_ids",
    "document_prehashes",
    "epc_lists",
    "event_hash_id",
    "event_type",
    "events_of",
    "ignored_fields",
    "prehash",
    "urn_to_digital_link",
    "validate_document",
    "validate_event",
    "with_context",
    "without_fields",
]
