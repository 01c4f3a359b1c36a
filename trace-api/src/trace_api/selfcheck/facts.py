"""The ledger record kinds of enterprise self-inspection (企业自查, kinds ``selfcheck.*``): one
payload model per kind.

Records name organisations by USCC (``org``) and handle (``org_handle``), so each reads on its
own; times are RFC 3339 strings in UTC, a period a China Standard Time date. Subjects:
``selfcheck_checklist``, ``selfcheck_campaign``, ``selfcheck_submission``,
``selfcheck_rectification``, ``selfcheck_task``, ``selfcheck_period`` and ``org`` (USCC): a firm's
whole self-inspection history (the periods it missed included) is read by its ``org`` subject.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from ..facts import Fact, _Part


class ChecklistItem(_Part):
    """One point of a checklist (自查要点): its code, its text, its legal basis, and whether a photo
    must show it."""

    code: str
    text: str
    basis: str
    photo_required: bool


class ChecklistPublished(Fact):
    """A regulator published a checklist version (自查要点表) for an industry."""

    KIND: ClassVar[str] = "selfcheck.checklist_published"

    checklist_id: str
    code: str
    version: int
    industry: str
    title: str
    jurisdiction: str
    regulator: str  # handle
    items: list[ChecklistItem]


class CampaignOpened(Fact):
    """A regulator asked the firms of an industry in its jurisdiction to inspect themselves."""

    KIND: ClassVar[str] = "selfcheck.campaign_opened"

    campaign_id: str
    title: str
    checklist_id: str
    industry: str
    jurisdiction: str
    frequency: str  # daily | once
    starts_on: dt.date
    ends_on: dt.date
    regulator: str


class AnswerFiled(_Part):
    """One item as the firm answered it; its photo by SHA-256 (in the documents store)."""

    item: str
    passed: bool
    note: str
    photo_sha256: str | None


class SelfInspectionSubmitted(Fact):
    """A firm's self-inspection, item by item. ``rectifications`` names the rectification each
    failing item opened (one per entry of ``failed_items``, in order)."""

    KIND: ClassVar[str] = "selfcheck.submitted"

    submission_id: str
    campaign_id: str
    checklist_id: str
    org: str  # USCC
    org_handle: str
    jurisdiction: str
    period: dt.date
    started_at: str
    submitted_at: str
    answers: list[AnswerFiled]
    failed_items: list[str]
    rectifications: list[str]


class RectificationSubmitted(Fact):
    """The firm reports a failing item rectified (整改完成), with its evidence."""

    KIND: ClassVar[str] = "selfcheck.rectification_submitted"

    rectification_id: str
    submission_id: str
    campaign_id: str
    org: str
    item: str
    round: int
    note: str
    evidence: list[str]  # SHA-256 of each photo or document


class RectificationReviewed(Fact):
    """A regulator of the jurisdiction reviewed the rectification remotely (远程审核)."""

    KIND: ClassVar[str] = "selfcheck.rectification_reviewed"

    rectification_id: str
    submission_id: str
    campaign_id: str
    org: str
    item: str
    round: int
    regulator: str
    opinion: str


class RectificationAccepted(RectificationReviewed):
    """Accepted: the rectification is closed."""

    KIND: ClassVar[str] = "selfcheck.rectification_accepted"


class RectificationRejected(RectificationReviewed):
    """Rejected: the rectification is open again, awaiting new evidence."""

    KIND: ClassVar[str] = "selfcheck.rectification_rejected"


class InspectionTaskOpened(Fact):
    """Data supervision doubts a submission and asks for an on-site inspection (现场检查任务).
    ``evidence`` lists the record ids the doubt rests on (the submission first)."""

    KIND: ClassVar[str] = "selfcheck.inspection_task"

    task_id: str
    org: str
    org_handle: str
    jurisdiction: str
    submission_id: str
    campaign_id: str
    reason: str  # photo_reused | too_fast | always_pass
    detail: str
    evidence: list[str]


class InspectionTaskDone(Fact):
    """An inspector's on-site inspection answered the task (``inspection.recorded`` naming it):
    the task is done and its alert closed."""

    KIND: ClassVar[str] = "selfcheck.inspection_task_done"

    task_id: str
    org: str
    org_handle: str
    jurisdiction: str
    reason: str
    inspection_id: str
    inspection_record_id: str
    inspector_id: str
    #: How many items the inspection found failed (zero: the doubt was not borne out on site).
    failed_items: int


class FirmAsked(_Part):
    """A firm a campaign asked for a period, and its submission for the period (None: missed)."""

    org: str  # USCC
    org_handle: str
    submission_id: str | None


class PeriodClosed(Fact):
    """A campaign's period ended (a day of a daily campaign, China Standard Time; the whole period
    of a campaign run once): every firm the campaign asked, each with its submission or none.
    ``missed`` repeats the USCCs of those without one, so a reader need not walk ``firms``."""

    KIND: ClassVar[str] = "selfcheck.period_closed"

    campaign_id: str
    checklist_id: str
    industry: str
    jurisdiction: str
    frequency: str  # daily | once
    period: dt.date
    #: The last day the period covered (the period itself for a day; ``ends_on`` for a campaign run once).
    ended_on: dt.date
    firms: list[FirmAsked]
    missed: list[str]


#: Every self-inspection fact model, by kind.
SELFCHECK_FACTS: dict[str, type[Fact]] = {
    model.KIND: model
    for model in (
        ChecklistPublished,
        CampaignOpened,
        SelfInspectionSubmitted,
        RectificationSubmitted,
        RectificationAccepted,
        RectificationRejected,
        InspectionTaskOpened,
        InspectionTaskDone,
        PeriodClosed,
    )
}

#: This domain's part of the catalogue of record kinds (``trace_api.facts.every_fact``).
FACTS = SELFCHECK_FACTS
