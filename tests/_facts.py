"""Every record in a ledger read through its fact model gives back the payload it was written with."""

from __future__ import annotations

from evidence import Ledger, record_from_bytes
from trace_api.facts import fact_of


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
    return kinds
