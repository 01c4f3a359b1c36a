"""Who a recall of a lot reaches: the lot and every lot split from it, grouped by holder, with the
quantity and the unsold item codes each holds. The recall notifies exactly these holders, and
``GET /v1/recalls/preview`` shows them to the regulator before the recall is issued."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, func, select

from ..batches.lineage import descendants
from ..batches.models import Batch
from ..batches.service import get_batch
from ..codes.models import CodeStatus, ItemCode
from ..orgs.models import Organisation
from ..services import Services
from ..webhooks.service import webhooks_of
from .models import NoticeChannel


@dataclass(frozen=True)
class Holding:
    """What one organisation holds under a recall."""

    org: Organisation
    batches: list[Batch]
    item_codes: int

    @property
    def batch_ids(self) -> list[str]:
        return [b.id for b in self.batches]

    @property
    def quantity(self) -> float:
        return sum(b.quantity for b in self.batches)


def recall_scope(session: Session, batch: Batch) -> list[Batch]:
    """The lot and every lot split from it: what a recall of the lot covers."""
    return [batch, *descendants(session, batch)]


def holdings_of(session: Session, scope: list[Batch]) -> list[Holding]:
    """The holders of the lots in ``scope``, in the order they first hold one."""
    held: dict[str, list[Batch]] = defaultdict(list)
    for batch in scope:
        held[batch.holder_org_id].append(batch)
    orgs = {o.id: o for o in session.exec(select(Organisation).where(col(Organisation.id).in_(held)))}
    return [
        Holding(orgs[org_id], batches, _unsold_codes(session, batches)) for org_id, batches in held.items()
    ]


def _unsold_codes(session: Session, batches: list[Batch]) -> int:
    ids = [b.id for b in batches]
    count = session.exec(
        select(func.count())
        .select_from(ItemCode)
        .where(col(ItemCode.batch_id).in_(ids), ItemCode.status == CodeStatus.issued)
    ).one()
    return int(count)


def channels_of(services: Services, session: Session, org: Organisation) -> list[str]:
    """The channels a notice to ``org`` would be sent on (as :func:`.notify.owe_notices` owes them)."""
    mqtt = [NoticeChannel.mqtt.value] if services.settings.mqtt_url is not None else []
    return mqtt + [NoticeChannel.webhook.value for _ in webhooks_of(session, org.id)]


def preview_recall(services: Services, session: Session, batch_id: str) -> dict[str, Any]:
    """What recalling ``batch_id`` would reach, as :func:`.service.issue_recall` counts it; writes nothing."""
    batch = get_batch(session, batch_id)
    scope = recall_scope(session, batch)
    holdings = holdings_of(session, scope)
    holders = [
        {
            "org": h.org.handle,
            "org_name": h.org.name,
            "batch_ids": h.batch_ids,
            "quantity": h.quantity,
            "item_codes": h.item_codes,
            "channels": channels_of(services, session, h.org),
        }
        for h in holdings
    ]
    return {
        "batch_id": batch.id,
        "lot": batch.lot,
        "product_name": batch.product_name,
        "unit": batch.unit,
        "under_recall": batch.recalled,
        "scope": [b.id for b in scope],
        "holders": holders,
        "totals": {
            "holders": len(holdings),
            "lots": len(scope),
            "quantity": sum(h.quantity for h in holdings),
            "item_codes": sum(h.item_codes for h in holdings),
            "unreachable": sum(1 for h in holders if not h["channels"]),
        },
    }
