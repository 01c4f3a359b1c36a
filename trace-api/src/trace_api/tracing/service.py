"""Trace a lot backward (to its source) and forward (to every split and holder): the lineage graph,
and the custody path that brought the lot's goods to where they are.

The custody path follows the goods: the admission of the lot at the source, each shipment, each
split on the way down to the traced lot. An ancestor's shipments count up to the split that made
its child (the first ledger record about the child); later ones carried other goods.
"""

from __future__ import annotations

from typing import Any, Literal

from sqlmodel import Session, col, select

from evidence import Ledger

from ..batches.models import Batch
from ..chainops import chain_statuses, lot_chain_status
from ..orgs.models import Organisation
from ..orgs.service import Member
from ..scans.models import Shipment
from .branches import Lineage, visible_lineage

Direction = Literal["backward", "forward", "both"]


def trace_batch(
    session: Session, ledger: Ledger, member: Member, batch_id: str, direction: Direction
) -> dict[str, Any]:
    """The lot's lineage in ``direction``, as far as the member's branches reach (see ``branches``)."""
    lineage = visible_lineage(
        session,
        ledger,
        member,
        batch_id,
        backward=direction in ("backward", "both"),
        forward=direction in ("forward", "both"),
    )
    batches, ids = lineage.batches, lineage.ids()
    events, first = _events(ledger, lineage)
    shown = {e["record_id"] for e in events}
    query = select(Shipment).where(col(Shipment.batch_id).in_(ids)).order_by(col(Shipment.id))
    every_shipment = list(session.exec(query))
    beyond = [s for s in every_shipment if s.batch_id in lineage.until and s.ship_record_id not in shown]
    shipments = [s for s in every_shipment if s not in beyond]
    moved_on = {s.batch_id for s in beyond}
    orgs = _org_names(session, batches, shipments)
    on_chain = chain_statuses(session, [e["record_id"] for e in events])
    path = batches[: ids.index(batch_id) + 1]
    steps = custody_path(session, path, shipments, events, first, orgs)
    return {
        "batch_id": batch_id,
        "direction": direction,
        "batches": [
            _node(b, orgs, b.id not in moved_on) | {"chain": lot_chain_status(session, b.id, b.parent_id)}
            for b in batches
        ],
        "splits": [{"parent": b.parent_id, "child": b.id} for b in batches if b.parent_id in ids],
        "shipments": [_edge(s, orgs) | {"chain": on_chain.get(s.ship_record_id)} for s in shipments],
        "events": [e | {"chain": on_chain.get(e["record_id"])} for e in events],
        "custody": [step | {"chain": on_chain.get(step["record_id"])} for step in steps],
    }


def custody_path(
    session: Session,
    path: list[Batch],
    shipments: list[Shipment],
    events: list[dict[str, Any]],
    first: dict[str, dict[str, Any]],
    orgs: dict[str, str],
) -> list[dict[str, Any]]:
    """The steps of ``path`` (the source lot first, the traced lot last): admission or split, then
    each shipment, an ancestor's up to the split that made the next lot of the path."""
    index_of = {e["record_id"]: e["index"] for e in events}
    actors = _handles_by_uscc(session, {e["org"] for e in first.values()})
    steps: list[dict[str, Any]] = []
    for at, batch in enumerate(path):
        made = first.get(batch.id)
        if made is not None:
            kind = "split" if batch.parent_id is not None else "admitted"
            steps.append(_step(kind, batch, made, actors.get(made["org"])))
        after = first.get(path[at + 1].id) if at + 1 < len(path) else None
        cutoff = after["index"] if after is not None else None
        for shipment in shipments:
            index = index_of.get(shipment.ship_record_id)
            if shipment.batch_id == batch.id and (cutoff is None or (index is not None and index < cutoff)):
                steps.append(_shipped(batch, shipment, orgs))
    return steps


def _step(kind: str, batch: Batch, record: dict[str, Any], org: str | None) -> dict[str, Any]:
    return {
        "step": kind,
        "batch_id": batch.id,
        "lot": batch.lot,
        "parent": batch.parent_id,
        "from": None,
        "to": org,
        "time": record["time"],
        "received_at": None,
        "record_id": record["record_id"],
        "receive_record_id": None,
    }


def _shipped(batch: Batch, shipment: Shipment, orgs: dict[str, str]) -> dict[str, Any]:
    return {
        "step": "shipped",
        "batch_id": batch.id,
        "lot": batch.lot,
        "parent": batch.parent_id,
        "from": orgs.get(shipment.from_org_id),
        "to": orgs.get(shipment.to_org_id),
        "time": shipment.shipped_at,
        "received_at": shipment.received_at,
        "record_id": shipment.ship_record_id,
        "receive_record_id": shipment.receive_record_id,
    }


def _handles_by_uscc(session: Session, usccs: set[str]) -> dict[str, str]:
    if not usccs:
        return {}
    rows = session.exec(
        select(Organisation.uscc, Organisation.handle).where(col(Organisation.uscc).in_(usccs))
    )
    return dict(rows.all())


def _org_names(session: Session, batches: list[Batch], shipments: list[Shipment]) -> dict[str, str]:
    ids = {b.holder_org_id for b in batches} | {b.importer_org_id for b in batches}
    for s in shipments:
        ids |= {s.from_org_id, s.to_org_id}
    if not ids:
        return {}
    orgs = session.exec(select(Organisation).where(col(Organisation.id).in_(ids)))
    return {o.id: o.handle for o in orgs}


def _node(batch: Batch, orgs: dict[str, str], holder_shown: bool) -> dict[str, Any]:
    """The lot; its holder only where the member may see where the lot went last."""
    return {
        "id": batch.id,
        "gtin": batch.gtin,
        "lot": batch.lot,
        "product_name": batch.product_name,
        "quantity": batch.quantity,
        "unit": batch.unit,
        "holder": orgs.get(batch.holder_org_id) if holder_shown else None,
        "importer": orgs.get(batch.importer_org_id),
        "parent": batch.parent_id,
        "recalled": batch.recalled,
    }


def _edge(shipment: Shipment, orgs: dict[str, str]) -> dict[str, Any]:
    return {
        "batch_id": shipment.batch_id,
        "from": orgs.get(shipment.from_org_id),
        "to": orgs.get(shipment.to_org_id),
        "shipped_at": shipment.shipped_at,
        "received_at": shipment.received_at,
        "ship_record_id": shipment.ship_record_id,
        "receive_record_id": shipment.receive_record_id,
    }


def _events(ledger: Ledger, lineage: Lineage) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Every record about the lots that the lineage shows, in log order; and each lot's first
    (its admission or split)."""
    seen: dict[int, dict[str, Any]] = {}
    first: dict[str, dict[str, Any]] = {}
    for batch_id in lineage.ids():
        for stored in ledger.about("batch", batch_id):
            if not lineage.shows(batch_id, stored.index):
                continue
            record = stored.record()
            seen[stored.index] = {
                "index": stored.index,
                "record_id": stored.record_id,
                "kind": stored.kind,
                "time": record.time,
                "org": record.actor.org,
            }
            first.setdefault(batch_id, seen[stored.index])
    return [seen[i] for i in sorted(seen)], first
