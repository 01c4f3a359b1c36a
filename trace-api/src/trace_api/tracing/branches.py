"""Which branches of a lot's lineage a member may see.

A regulator sees every lot of the lineage and every record about them. Any other member sees
only the branches its goods were on:

- the lots it took part in (it admitted the lot, holds it, or shipped or received it), each from
  the first record of its part on: for a lot it received, the shipment to it; for a lot it
  admitted or made by a split, the lot's first record;
- every lot split from such a lot at or after that point, and their descendants, whole (a lot
  split off before the member came carried goods it never had);
- the ancestors of those lots, each up to the last split that made a lot of the member's
  branches: its records from then on (its later splits, the shipments of what remained) are
  other members' branches. Where such a later shipment moved the ancestor on, its holder is
  not shown.

The importer of the source lot took part in it from its admission, so it sees the whole lineage;
so does every custodian of a lot before it was split. A member none of whose branches runs
through the lot asked about is refused (Forbidden).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from evidence import Ledger, StoredRecord

from ..batches.lineage import ancestors, descendants
from ..batches.models import Batch
from ..batches.service import get_batch
from ..errors import Forbidden
from ..orgs.models import OrgType
from ..orgs.service import Member
from ..scans.models import Shipment

_FROM_THE_START = -1


@dataclass
class Lineage:
    """The lots of a lineage a member may see (root first) and, for an ancestor it sees only in
    part, the last ledger index of that lot's records it may see."""

    batches: list[Batch]
    until: dict[str, int] = field(default_factory=dict)

    def shows(self, batch_id: str, index: int) -> bool:
        """Whether the record at ``index`` about lot ``batch_id`` (one of :attr:`batches`) is visible."""
        return index <= self.until.get(batch_id, index)

    def joined(self, other: Lineage) -> Lineage:
        """The lots of both, each as far as either shows it."""
        batches = {b.id: b for b in [*self.batches, *other.batches]}
        until: dict[str, int] = {}
        for batch_id in batches:
            bounds = [part.until.get(batch_id) for part in (self, other) if batch_id in part.ids()]
            if None not in bounds:
                until[batch_id] = max(b for b in bounds if b is not None)
        return Lineage(list(batches.values()), until)

    def ids(self) -> list[str]:
        """The lots' ids, root first."""
        return [b.id for b in self.batches]


def visible_lineage(
    session: Session, ledger: Ledger, member: Member, batch_id: str, *, backward: bool, forward: bool
) -> Lineage:
    """The lot with its ancestors (``backward``) and descendants (``forward``) that ``member`` may
    see, root first; Forbidden if the lot itself is on none of the member's branches."""
    root = get_batch(session, batch_id)
    above, below = ancestors(session, root), descendants(session, root)
    walk = [*(reversed(above) if backward else []), root, *(below if forward else [])]
    if member.org.org_type is OrgType.regulator:
        return Lineage(walk)
    family = [*reversed(above), root, *below]  # parents before their children
    indices = _record_indices(ledger, family)
    since = _branches(member.org.id, family, _shipments(session, family), indices)
    until = _ancestor_bounds(family, since, indices)
    if root.id not in since and root.id not in until:
        raise Forbidden(f"{member.org.handle} took no part in the custody of batch {batch_id}")
    shown = [b for b in walk if b.id in since or b.id in until]
    return Lineage(shown, {b.id: until[b.id] for b in shown if b.id in until})


def records_about(ledger: Ledger, lineage: Lineage) -> list[StoredRecord]:
    """Every ledger record about the lineage's lots that it shows, once each, in log order."""
    seen: dict[int, StoredRecord] = {}
    for batch in lineage.batches:
        for stored in ledger.about("batch", batch.id):
            if lineage.shows(batch.id, stored.index):
                seen[stored.index] = stored
    return [seen[index] for index in sorted(seen)]


def _record_indices(ledger: Ledger, batches: list[Batch]) -> dict[str, list[tuple[int, str]]]:
    """Each lot's records as (index, record id), in log order."""
    return {b.id: [(s.index, s.record_id) for s in ledger.about("batch", b.id)] for b in batches}


def _shipments(session: Session, batches: list[Batch]) -> list[Shipment]:
    ids = [b.id for b in batches]
    return list(
        session.exec(select(Shipment).where(col(Shipment.batch_id).in_(ids)).order_by(col(Shipment.id)))
    )


def _branches(
    org_id: str, family: list[Batch], shipments: list[Shipment], indices: dict[str, list[tuple[int, str]]]
) -> dict[str, int]:
    """Lot id → the ledger index from which the member's branch runs through it, for every lot
    the member took part in or that was split from one after the member came."""
    index_of = {record_id: index for records in indices.values() for index, record_id in records}
    since: dict[str, int] = {}
    for batch in family:
        entry = _entry(org_id, batch, [s for s in shipments if s.batch_id == batch.id], index_of)
        parent = since.get(batch.parent_id or "")
        if parent is not None and _first_index(indices, batch.id) >= parent:
            entry = _FROM_THE_START
        if entry is not None:
            since[batch.id] = entry
    return since


def _entry(org_id: str, batch: Batch, shipments: list[Shipment], index_of: dict[str, int]) -> int | None:
    """The ledger index of the member's first part in the lot, or None if it took none.

    The importer and a holder the lot was never shipped to (it admitted or split it) were there
    from the start; a member that shipped the lot first had it before it shipped it."""
    if batch.importer_org_id == org_id:
        return _FROM_THE_START
    for shipment in shipments:
        if shipment.from_org_id == org_id:
            return _FROM_THE_START
        if shipment.to_org_id == org_id:
            return index_of.get(shipment.ship_record_id, _FROM_THE_START)
    return _FROM_THE_START if batch.holder_org_id == org_id else None


def _ancestor_bounds(
    family: list[Batch], since: dict[str, int], indices: dict[str, list[tuple[int, str]]]
) -> dict[str, int]:
    """Ancestor lot id → the index of the last split that made a lot of the member's branches."""
    parent_of = {b.id: b.parent_id for b in family}
    until: dict[str, int] = {}
    for batch_id in since:
        child, parent = batch_id, parent_of[batch_id]
        while parent is not None and parent in parent_of and parent not in since:
            made = _first_index(indices, child)
            until[parent] = max(until.get(parent, made), made)
            child, parent = parent, parent_of[parent]
    return until


def _first_index(indices: dict[str, list[tuple[int, str]]], batch_id: str) -> int:
    """The index of the lot's first record (its admission or the split that made it)."""
    records = indices[batch_id]
    return records[0][0] if records else _FROM_THE_START
