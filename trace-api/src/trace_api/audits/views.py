"""What the audit endpoints answer, field by field (their OpenAPI schema)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from evidence import StoredAudit

AuditResult = Literal["passed", "failed", "error", "interrupted"]


class AuditFailure(BaseModel):
    step: str = Field(description="records, subjects, checkpoint or anchor: what did not hold")
    detail: str
    index: int | None = Field(description="the first bad leaf, when known")
    span: list[int] | None = Field(
        description="[start, end): the leaves that hold the bad one, when only a root told"
    )


class AuditView(BaseModel):
    id: str
    status: Literal["running", "finished"]
    result: AuditResult | None = Field(
        description="once finished: passed, failed (see `failure`), error (it could not finish: see "
        "`detail`) or interrupted (the process running it stopped)"
    )
    started_by: str = Field(description="the regulator's handle")
    started_at: dt.datetime
    finished_at: dt.datetime | None
    heartbeat_at: dt.datetime = Field(description="when the process running it last said it was alive")
    records_checked: int
    records_total: int = Field(description="the log's size when the audit began replaying it")
    percent: float = Field(description="records checked, in percent of the total")
    root: str | None = Field(description="hex: the root of the log the audit recomputed (passed only)")
    checkpoints_checked: int | None
    anchors_checked: int | None
    failure: AuditFailure | None
    detail: str | None
    report_url: str | None = Field(description="the report's download, once finished")

    @classmethod
    def of(cls, audit: StoredAudit) -> AuditView:
        report = audit.report or {}
        total = audit.records_total
        percent = 100.0 if total == 0 else round(min(100.0, 100 * audit.records_checked / total), 1)
        finished = audit.status != "running"
        return cls(
            id=audit.id,
            status="finished" if finished else "running",
            result=audit.status if audit.status != "running" else None,
            started_by=audit.started_by,
            started_at=audit.started_at,
            finished_at=audit.finished_at,
            heartbeat_at=audit.heartbeat_at,
            records_checked=audit.records_checked,
            records_total=total,
            percent=percent,
            root=report.get("root"),
            checkpoints_checked=report.get("checkpoints_checked"),
            anchors_checked=report.get("anchors_checked"),
            failure=report.get("failure"),
            detail=report.get("detail"),
            report_url=f"/v1/audits/{audit.id}/report" if finished else None,
        )


class AuditPage(BaseModel):
    audits: list[AuditView]
    next_cursor: str | None


class LastAudit(BaseModel):
    """The audit that finished last, as the overview shows it."""

    id: str
    result: AuditResult
    at: dt.datetime = Field(description="when it finished")

    @classmethod
    def of(cls, audit: StoredAudit) -> LastAudit:
        if audit.finished_at is None or audit.status == "running":
            raise ValueError(f"audit {audit.id} has not finished")
        return cls(id=audit.id, result=audit.status, at=audit.finished_at)
