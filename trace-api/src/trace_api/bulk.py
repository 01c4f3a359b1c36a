"""Bulk loading, for benchmarks and load tests: many lots with their custody history, or many
stored EPCIS events, each call written in one write transaction.

A million recorded events through the API would take hours; these write what the API would leave
in the tables and the ledger, without what it checks and does per call (documents and
certificates, item codes, chain calls, deliveries, GS1 Event Hash IDs). Never use them for facts
that happened.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from evidence import Actor, Record, Subject, utc_datetime

from .batches.models import Batch, StorageClass
from .epcis.capture import event_keys
from .epcis.documents import EPCIS_CONTEXT, event_type, short_vocabulary, with_context
from .epcis.models import EpcisEvent, EpcisEventKey
from .events import lot_class, object_event, party
from .facts import BatchAdmitted, Fact, ReceiveScanned, ShipScanned
from .orgs.models import Organisation
from .scans.models import Shipment
from .services import Services, writing

#: The key id bulk-loaded records name as their actor's, and the place their scans name.
BULK_KEY_ID = "bulk"
BULK_LOCATION = "bulk-loaded"


@dataclass(frozen=True)
class LotHistory:
    """A lot admitted by the first organisation of ``path`` at ``admitted_at`` and passed down the
    path: each hop shipped a day after the one before and received an hour after shipping; the
    last organisation holds it."""

    gtin: str
    lot: str
    path: Sequence[Organisation]
    admitted_at: dt.datetime

    @property
    def batch_id(self) -> str:
        return f"{self.gtin}.{self.lot}"


def bulk_load_lots(services: Services, lots: Sequence[LotHistory]) -> None:
    """Each lot's batch row, its shipments, and its ledger records (``batch.admitted``, then
    ``scan.ship`` and ``scan.receive`` for each hop) in one write transaction."""
    batches: list[Batch] = []
    shipments: list[Shipment] = []
    records: list[Record] = []
    resolver = services.settings.public_url
    for history in lots:
        batch = _batch(history)
        batches.append(batch)
        records.append(_record(history, 0, history.path[0], history.admitted_at, _admitted(batch)))
        for hop, (giver, taker) in enumerate(pairwise(history.path), start=1):
            shipped = history.admitted_at + dt.timedelta(days=hop)
            received = shipped + dt.timedelta(hours=1)
            moved = _Move(resolver, batch, giver, taker)
            ship = _record(history, 2 * hop - 1, giver, shipped, moved.shipped(_rfc3339(shipped)))
            receive = _record(history, 2 * hop, taker, received, moved.received(_rfc3339(received)))
            records += [ship, receive]
            shipments.append(
                Shipment(
                    batch_id=history.batch_id,
                    from_org_id=giver.id,
                    to_org_id=taker.id,
                    ship_record_id=ship.record_id,
                    receive_record_id=receive.record_id,
                    shipped_at=ship.time,
                    received_at=receive.time,
                )
            )
    with writing(services) as session:
        session.add_all(batches)
        session.flush()
        session.add_all(shipments)
        session.flush()
        services.ledger.append_many(records, conn=session.connection())


def _batch(history: LotHistory) -> Batch:
    return Batch(
        id=history.batch_id,
        gtin=history.gtin,
        lot=history.lot,
        product_name="bulk-loaded lot",
        quantity=1,
        unit="KGM",
        storage_class=StorageClass.frozen,
        origin_country="EC",
        producer="p",
        establishment_number="e",
        production_date=history.admitted_at.date() - dt.timedelta(days=30),
        expiry_date=history.admitted_at.date() + dt.timedelta(days=365),
        importer_org_id=history.path[0].id,
        holder_org_id=history.path[-1].id,
        admission_record_id=_record_id(history, 0),
        created_at=history.admitted_at,
    )


def _record_id(history: LotHistory, step: int) -> str:
    return f"bulk:{history.batch_id}:{step}"


def _rfc3339(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _record(history: LotHistory, step: int, actor: Organisation, at: dt.datetime, fact: Fact) -> Record:
    return Record(
        kind=fact.KIND,
        record_id=_record_id(history, step),
        time=_rfc3339(at),
        actor=Actor(org=actor.uscc, key_id=BULK_KEY_ID),
        subjects=[Subject(type="batch", id=history.batch_id)],
        payload=fact.payload(),
    )


def _admitted(batch: Batch) -> BatchAdmitted:
    return BatchAdmitted(
        batch_id=batch.id,
        gtin=batch.gtin,
        lot=batch.lot,
        product_name=batch.product_name,
        quantity=batch.quantity,
        unit=batch.unit,
        storage_class=batch.storage_class.value,
        imported=batch.imported,
        origin_country=batch.origin_country,
        producer=batch.producer,
        establishment_number=batch.establishment_number,
        production_date=batch.production_date,
        expiry_date=batch.expiry_date,
        customs_declaration=None,
        certificates=[],
    )


@dataclass(frozen=True)
class _Move:
    """One hop of a bulk-loaded lot: the shipment and the receipt, as the scans record them."""

    resolver: str
    batch: Batch
    giver: Organisation
    taker: Organisation

    def _event(self, action: str, time: str) -> dict[str, Any]:
        return object_event(
            action,
            time=time,
            location=BULK_LOCATION,
            epc_class=lot_class(self.resolver, self.batch.gtin, self.batch.lot),
            quantity=self.batch.quantity,
            unit=self.batch.unit,
            source=party(self.giver.uscc),
            destination=party(self.taker.uscc),
        )

    def shipped(self, time: str) -> ShipScanned:
        return ShipScanned(
            action="ship",
            batch_id=self.batch.id,
            counterparty=self.taker.handle,
            counterparty_uscc=self.taker.uscc,
            location=BULK_LOCATION,
            quantity=self.batch.quantity,
            unit=self.batch.unit,
            epcis=self._event("ship", time),
        )

    def received(self, time: str) -> ReceiveScanned:
        return ReceiveScanned(
            action="receive",
            batch_id=self.batch.id,
            counterparty=self.giver.handle,
            location=BULK_LOCATION,
            epcis=self._event("receive", time),
        )


def bulk_store_epcis_events(
    services: Services, org: Organisation, events: Sequence[tuple[str, dict[str, Any]]]
) -> None:
    """EPCIS events by their given ids, stored for queries as a capture indexes them (the event's
    row and the identifiers it names), in one write transaction; no ledger records."""
    now = dt.datetime.now(dt.UTC)
    rows, keys = [], []
    for event_id, event in events:
        rows.append(
            {
                "event_id": event_id,
                "event_type": event_type(event),
                "action": event.get("action"),
                "event_time": utc_datetime(event["eventTime"]),
                "record_time": now,
                "biz_step": short_vocabulary(event.get("bizStep")),
                "disposition": short_vocabulary(event.get("disposition")),
                "read_point": _id_of(event.get("readPoint")),
                "biz_location": _id_of(event.get("bizLocation")),
                "org_id": org.id,
                "capture_id": None,
                "record_id": event_id,
                "body": json.dumps(with_context(event, EPCIS_CONTEXT), ensure_ascii=False),
            }
        )
        keys += event_keys(event_id, event)
    with writing(services) as session:
        connection = session.connection()
        connection.execute(EpcisEvent.__table__.insert(), rows)  # type: ignore[attr-defined]
        connection.execute(EpcisEventKey.__table__.insert(), keys)  # type: ignore[attr-defined]


def _id_of(value: Any) -> str | None:
    return value.get("id") if isinstance(value, dict) else None
