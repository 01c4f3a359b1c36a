"""A recall drill's timings: how long after issue each holder was reached (its first notice channel
to deliver) and first acknowledged, and when the last holder was reached and had acknowledged.

A holder's correction of its acknowledgement (``supersedes``) moves the notice's
``acknowledged_at``; the drill counts the first acknowledgement, read from the ledger.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from evidence import Ledger, UnknownRecord, parse_rfc3339

from ..orgs.models import Organisation
from .models import NoticeDelivery, Recall, RecallNotice


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _seconds(start: dt.datetime, end: dt.datetime | None) -> float | None:
    return None if end is None else round((_utc(end) - _utc(start)).total_seconds(), 3)


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else _utc(moment).isoformat()


def reached_at(deliveries: list[NoticeDelivery]) -> dt.datetime | None:
    """When the first of the holder's channels delivered its notice, if one has."""
    delivered = [_utc(d.delivered_at) for d in deliveries if d.delivered_at is not None]
    return min(delivered) if delivered else None


def first_acknowledged_at(
    ledger: Ledger, notice: RecallNotice, org: Organisation | None
) -> dt.datetime | None:
    """When the holder first acknowledged: the notice's own time unless a correction moved it."""
    if notice.acknowledged_at is None or notice.acknowledgements <= 1 or org is None:
        return notice.acknowledged_at
    try:  # the first acknowledgement's record id has no sequence suffix (see ``acknowledge``)
        first = ledger.get(f"recall:{notice.recall_id}:ack:{org.uscc}").record()
    except UnknownRecord:
        return notice.acknowledged_at
    return parse_rfc3339(first.time)


def recall_drill(
    ledger: Ledger,
    recall: Recall,
    notices: list[RecallNotice],
    deliveries: dict[int, list[NoticeDelivery]],
    orgs: dict[str, Organisation],
) -> dict[str, Any]:
    """Each holder's time to be reached and to acknowledge, and the whole recall's."""
    holders = []
    for notice in notices:
        org = orgs.get(notice.org_id)
        reached = reached_at(deliveries.get(notice.id or 0, []))
        acknowledged = first_acknowledged_at(ledger, notice, org)
        holders.append(
            {
                "org": None if org is None else org.handle,
                "reached_at": _iso(reached),
                "reach_s": _seconds(recall.issued_at, reached),
                "acknowledged_at": _iso(acknowledged),
                "acknowledge_s": _seconds(recall.issued_at, acknowledged),
            }
        )
    return {
        "issued_at": _iso(recall.issued_at),
        "holders": holders,
        **_last(recall, holders, "reached"),
        **_last(recall, holders, "acknowledged"),
    }


def _last(recall: Recall, holders: list[dict[str, Any]], what: str) -> dict[str, Any]:
    """How many holders are ``what`` (reached, acknowledged), and when the last of them was, once all are."""
    times = [h[f"{what}_at"] for h in holders]
    done = [t for t in times if t is not None]
    last = max(dt.datetime.fromisoformat(t) for t in done) if done and len(done) == len(times) else None
    return {
        what: len(done),
        f"all_{what}_at": _iso(last),
        f"all_{what}_s": _seconds(recall.issued_at, last),
    }
