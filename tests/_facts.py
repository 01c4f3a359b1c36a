"""Every record in a ledger read through its fact model gives back the payload it was written with."""

from __future__ import annotations

import json
import os

from evidence import Ledger, record_from_bytes
from trace_api.facts import fact_of


def _shape(value: object) -> object:
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_shape(v) for v in value[:1]]
    return type(value).__name__


def assert_facts_round_trip(ledger: Ledger) -> set[str]:
    """Round-trips every record's payload through its model to identical leaf bytes (RFC 8785);
    returns the kinds seen."""
    kinds = set()
    for _, body in ledger.iter_records():
        record = record_from_bytes(body)
        fact = fact_of(record)
        rewritten = record.model_copy(update={"payload": fact.payload()})
        assert rewritten.canonical_bytes() == body, record.kind
        assert type(fact).of(record) == fact
        kinds.add(record.kind)
        if dump := os.environ.get("FACTS_SHAPES"):
            with open(dump, "a", encoding="utf-8") as out:
                out.write(json.dumps([record.kind, _shape(record.payload)], sort_keys=True) + "\n")
    return kinds
