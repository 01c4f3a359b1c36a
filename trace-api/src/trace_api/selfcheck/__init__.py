"""Enterprise self-inspection (企业自查): regulators publish checklists (自查要点表) per industry and
open daily or one-off campaigns; the firms asked submit item by item with photos; a failing item
opens a rectification (整改) that the firm completes with evidence and a regulator of its
jurisdiction reviews remotely. Data supervision reads completion per firm and area, and flags
doubtful data (a reused photo, a checklist done in seconds, always all-pass), each flag an
on-site inspection task and an alert. When a period ends, a record names the firms asked and
whether each submitted (:mod:`.periods`). Every step is a ledger record (:mod:`.facts`)."""

from .facts import (
    SELFCHECK_FACTS,
    CampaignOpened,
    ChecklistPublished,
    InspectionTaskDone,
    InspectionTaskOpened,
    PeriodClosed,
    RectificationAccepted,
    RectificationRejected,
    RectificationSubmitted,
    SelfInspectionSubmitted,
)
from .inputs import CampaignIn, ChecklistIn, RectificationIn, ReviewIn, SubmissionIn
from .models import (
    INDUSTRY_MEMBERS,
    Answer,
    Campaign,
    Checklist,
    FlagReason,
    Frequency,
    Industry,
    InspectionTask,
    Rectification,
    RectificationStatus,
    Submission,
)
from .periods import PeriodCloser
from .publishing import open_campaign, publish_checklist
from .reads import completion_report, list_campaigns, list_rectifications, list_submissions, list_tasks
from .rectifications import complete_rectification, get_rectification, review_rectification
from .rules import SelfcheckRules
from .submissions import Submitted, submit_selfcheck
from .supervision import complete_task, task_answered

__all__ = [
    "INDUSTRY_MEMBERS",
    "SELFCHECK_FACTS",
    "Answer",
    "Campaign",
    "CampaignIn",
    "CampaignOpened",
    "Checklist",
    "ChecklistIn",
    "ChecklistPublished",
    "FlagReason",
    "Frequency",
    "Industry",
    "InspectionTask",
    "InspectionTaskDone",
    "InspectionTaskOpened",
    "PeriodClosed",
    "PeriodCloser",
    "Rectification",
    "RectificationAccepted",
    "RectificationIn",
    "RectificationRejected",
    "RectificationStatus",
    "RectificationSubmitted",
    "ReviewIn",
    "SelfInspectionSubmitted",
    "SelfcheckRules",
    "Submission",
    "SubmissionIn",
    "Submitted",
    "complete_rectification",
    "complete_task",
    "completion_report",
    "get_rectification",
    "list_campaigns",
    "list_rectifications",
    "list_submissions",
    "list_tasks",
    "open_campaign",
    "publish_checklist",
    "review_rectification",
    "submit_selfcheck",
    "task_answered",
]
