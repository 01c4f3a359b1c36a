"""A lot's split lineage: its ancestors up to the lot admitted at the source, and every lot split
from it, generation by generation.

The chain's BatchRegistry refuses a split more than ``MAX_LINEAGE_DEPTH`` (16) levels below the
admitted lot, so no lot has more than :data:`MAX_SPLIT_DEPTH` ancestors, nor descendants more
than that many generations down. The walks stop there, and at a lot they have met already, so
rows edited outside the API (a cycle of parents) cannot make them loop.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from .models import Batch

#: The most splits between a lot and the lot admitted at the source (the chain's MAX_LINEAGE_DEPTH).
MAX_SPLIT_DEPTH = 16


def ancestors(session: Session, batch: Batch) -> list[Batch]:
    """The lot's parent, the parent's parent, and so on up to the admitted lot: nearest first."""
    found: list[Batch] = []
    seen = {batch.id}
    current = batch
    while current.parent_id is not None and len(found) < MAX_SPLIT_DEPTH:
        parent = session.get(Batch, current.parent_id)
        if parent is None or parent.id in seen:
            break
        found.append(parent)
        seen.add(parent.id)
        current = parent
    return found


def descendants(session: Session, batch: Batch) -> list[Batch]:
    """Every lot split from the lot, directly or not: generation by generation, each by id."""
    found: list[Batch] = []
    seen = {batch.id}
    frontier = [batch.id]
    for _ in range(MAX_SPLIT_DEPTH):
        if not frontier:
            break
        query = select(Batch).where(col(Batch.parent_id).in_(frontier)).order_by(col(Batch.id))
        children = [child for child in session.exec(query) if child.id not in seen]
        found.extend(children)
        seen.update(child.id for child in children)
        frontier = [child.id for child in children]
    return found


def with_ancestors(session: Session, batch: Batch) -> list[Batch]:
    """The lot, then its ancestors: the lots an item of this lot has been part of."""
    return [batch, *ancestors(session, batch)]
