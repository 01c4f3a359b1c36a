"""Closing a campaign's periods (自查周期结束): when a period ends, a ``selfcheck.period_closed``
record names every firm the campaign asked and its submission for the period, or none.

A day a firm does not submit leaves nothing behind it; this record is what makes the miss
evidence, for the credit grader (the selfcheck factor's ``missed`` outcome) and for anyone reading
the firm's history (each firm that missed is a subject of the record). A daily campaign's period
is a China Standard Time day, closed once the next day has begun (and :data:`GRACE` has passed,
for a submission stamped in the day's last second to commit); a campaign run once has one period
(dated its first day), closed once the day after its ``ends_on`` has begun.

One record a period, not one per firm that missed: a campaign asking N firms for D days writes D
records, whatever the firms do, each carrying ~100 bytes per firm asked, where a record of its
own per miss would write up to N × D records, each with its own id, actor, time, signature and
Merkle leaf (several hundred bytes before its payload).

A background loop (``selfcheck_periods``, run by ``suyuan up`` in one replica, its health in
``/readyz``) closes every period that has ended and is not closed yet, oldest first, each in its
own write transaction with its row (``selfcheck_periods_closed``, keyed by campaign and period):
a period is closed exactly once, a pass cut short by a crash is finished by the next, and after
downtime every period that ended meanwhile is closed in turn. The firms asked are those the
campaign asks when the period is closed (:func:`.service.firms_asked`). The clock is injected: a
test runs a pass with :meth:`PeriodCloser.run_once` at the time it chooses.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, col, select

from evidence import Actor, BackgroundLoop, Ledger, Subject, write_transaction

from ..paperwork.applicants import china_date
from .facts import FirmAsked, PeriodClosed
from .models import Campaign, ClosedPeriod, Frequency, Submission
from .service import firms_asked, record_fact

#: How long after a period's end it is closed: a submission stamped in its last second (its day
#: taken from the clock before its write transaction) has committed by then.
GRACE = dt.timedelta(minutes=5)
#: The key the closing records are signed under (a rule, not a person).
CLOSER_KEY = "rule:selfcheck-periods"
Clock = Callable[[], dt.datetime]


def utc_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Closed:
    """What one pass closed: ``(campaign id, period, handles of the firms that missed)``."""

    periods: list[tuple[str, dt.date, list[str]]] = field(default_factory=list)


def ended_periods(campaign: Campaign, today: dt.date) -> list[dt.date]:
    """The campaign's periods that have ended before ``today`` (China Standard Time)."""
    if campaign.frequency == Frequency.once.value:
        return [campaign.starts_on] if campaign.ends_on < today else []
    last = min(campaign.ends_on, today - dt.timedelta(days=1))
    return [campaign.starts_on + dt.timedelta(days=n) for n in range((last - campaign.starts_on).days + 1)]


def period_record_id(campaign_id: str, period: dt.date) -> str:
    return f"selfcheck:period:{campaign_id}:{period.isoformat()}"


class PeriodCloser:
    """Closes every ended period: once (:meth:`run_once`), or in a loop (:meth:`loop`)."""

    def __init__(self, ledger: Ledger, clock: Clock = utc_clock, tick_s: float = 60.0) -> None:
        self.ledger = ledger
        self.clock = clock
        self.tick_s = tick_s
        #: Set after every completed pass (tests wait on it rather than on time).
        self.passed = threading.Event()
        self.last: Closed | None = None

    def run_once(self, now: dt.datetime | None = None) -> Closed:
        """Closes, at ``now`` (the clock's time by default), every period ended and not closed."""
        now = now or self.clock()
        done = Closed()
        for campaign_id, period in self._owed(china_date(now - GRACE)):
            # One write transaction a period, holding the ledger's writer lock (no chain call is owed).
            with (
                write_transaction(self.ledger.engine, self.ledger.lock_name) as conn,
                Session(bind=conn) as session,
            ):
                missed = self._close(session, campaign_id, period, now)
            if missed is not None:
                done.periods.append((campaign_id, period, missed))
        self.last = done
        self.passed.set()
        return done

    def loop(self) -> BackgroundLoop:
        return BackgroundLoop(
            "selfcheck_periods",
            self.run_once,
            tick_s=self.tick_s,
            min_backoff_s=min(self.tick_s, 5.0),
            max_backoff_s=min(self.tick_s, 60.0),
            stall_after_s=self.tick_s * 2 + 60,
        )

    def _owed(self, today: dt.date) -> list[tuple[str, dt.date]]:
        """The ended periods not closed yet, oldest first (campaigns fully closed are skipped by
        their count of closed periods)."""
        with Session(self.ledger.engine) as session:
            campaigns = session.exec(select(Campaign).where(col(Campaign.starts_on) < today)).all()
            counts = dict(
                session.exec(
                    select(ClosedPeriod.campaign_id, func.count()).group_by(col(ClosedPeriod.campaign_id))
                ).all()
            )
            owed: list[tuple[str, dt.date]] = []
            for campaign in campaigns:
                ended = ended_periods(campaign, today)
                if counts.get(campaign.id, 0) >= len(ended):
                    continue
                query = select(col(ClosedPeriod.period)).where(ClosedPeriod.campaign_id == campaign.id)
                closed = set(session.exec(query))
                owed.extend((campaign.id, period) for period in ended if period not in closed)
        return sorted(owed, key=lambda owed: (owed[1], owed[0]))

    def _close(
        self, session: Session, campaign_id: str, period: dt.date, now: dt.datetime
    ) -> list[str] | None:
        """Closes the period in this write transaction; the handles that missed, or None if an
        earlier pass closed it."""
        if session.get(ClosedPeriod, (campaign_id, period)) is not None:
            return None
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None  # the period was read from it
        submitted = dict(
            session.exec(
                select(Submission.org_id, Submission.id).where(
                    Submission.campaign_id == campaign_id, Submission.period == period
                )
            ).all()
        )
        firms = firms_asked(session, campaign)
        asked = [FirmAsked(org=f.uscc, org_handle=f.handle, submission_id=submitted.get(f.id)) for f in firms]
        missed = [f for f in firms if f.id not in submitted]
        ended_on = period if campaign.frequency == Frequency.daily.value else campaign.ends_on
        fact = PeriodClosed(
            campaign_id=campaign.id, checklist_id=campaign.checklist_id, industry=campaign.industry,
            jurisdiction=campaign.jurisdiction, frequency=campaign.frequency, period=period,
            ended_on=ended_on, firms=asked, missed=[f.uscc for f in missed],
        )  # fmt: skip
        record_id = period_record_id(campaign.id, period)
        subjects = [
            Subject(type="selfcheck_campaign", id=campaign.id),
            Subject(type="selfcheck_period", id=f"{campaign.id}:{period.isoformat()}"),
            *(Subject(type="org", id=f.uscc) for f in missed),
        ]
        ledger = self.ledger
        record_fact(
            session, ledger, Actor(org=ledger.origin, key_id=CLOSER_KEY), record_id, subjects, fact, now
        )
        session.add(
            ClosedPeriod(
                campaign_id=campaign.id, period=period, asked=len(firms), missed=len(missed), closed_at=now,
                record_id=record_id,
            )
        )  # fmt: skip
        session.flush()
        return [f.handle for f in missed]
