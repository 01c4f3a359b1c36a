"""What self-inspection takes from callers, checked field by field: a checklist version, a
campaign, a submission, a rectification's evidence and its review."""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from ..paperwork import fields
from ..text import Line, Text
from .models import Frequency, Industry

CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
#: The longest campaign, in days (a daily campaign of a year is 365 submissions a firm).
MAX_CAMPAIGN_DAYS = 366


def _code(value: str) -> str:
    if not CODE.match(value):
        raise fields.refusal(
            "code", "must be 1 to 64 of a-z, 0-9, '_' or '-', starting with a letter or digit"
        )
    return value


def _sha256(value: str) -> str:
    value = value.strip().lower()
    if not SHA256.match(value):
        raise fields.refusal("sha256", "must be a SHA-256 in hex (64 characters) of an uploaded document")
    return value


class ItemIn(BaseModel):
    code: str = Field(description="the item's code, unique in its checklist")
    text: Line = Field(min_length=1, max_length=300, description="what the firm checks (自查内容)")
    basis: Line = Field(min_length=1, max_length=300, description="the legal basis (依据)")
    photo_required: bool = Field(default=False, description="whether a photo must show it")

    @field_validator("code")
    @classmethod
    def _check_code(cls, value: str) -> str:
        return _code(value)

    @field_validator("text", "basis")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        return fields.not_blank(value)


class ChecklistIn(BaseModel):
    """A checklist version (自查要点表): publishing the same ``code`` again makes its next version."""

    code: str = Field(description="the checklist's code, e.g. catering-daily")
    industry: Industry
    title: Line = Field(min_length=1, max_length=200)
    items: list[ItemIn] = Field(min_length=1, max_length=100)

    @field_validator("code")
    @classmethod
    def _check_code(cls, value: str) -> str:
        return _code(value)

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        return fields.not_blank(value)

    @field_validator("items")
    @classmethod
    def _distinct(cls, items: list[ItemIn]) -> list[ItemIn]:
        codes = [item.code for item in items]
        if len(set(codes)) != len(codes):
            raise fields.refusal("item_twice", "names an item code twice")
        return items


class CampaignIn(BaseModel):
    """A campaign: the firms of the checklist's industry in the regulator's jurisdiction inspect
    themselves every day of the period (``daily``) or once in it (``once``)."""

    title: Line = Field(min_length=1, max_length=200)
    checklist: str = Field(description="the checklist version's id, <code>@v<version>")
    frequency: Frequency
    starts_on: dt.date
    ends_on: dt.date

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        return fields.not_blank(value)

    @field_validator("ends_on")
    @classmethod
    def _period(cls, value: dt.date, info: ValidationInfo) -> dt.date:
        starts = info.data.get("starts_on")
        if starts is None:  # refused itself
            return value
        if value < starts:
            raise fields.refusal("period", "is before starts_on")
        if (value - starts).days >= MAX_CAMPAIGN_DAYS:
            raise fields.refusal("period", f"a campaign lasts at most {MAX_CAMPAIGN_DAYS} days")
        return value


class AnswerIn(BaseModel):
    item: str = Field(description="the item's code")
    passed: bool = Field(description="true: complies (符合); false: fails and opens a rectification")
    note: Text = Field(default="", max_length=500)
    photo: str | None = Field(default=None, description="SHA-256 of a photo uploaded to /v1/documents")

    @field_validator("photo")
    @classmethod
    def _photo(cls, value: str | None) -> str | None:
        return None if value is None else _sha256(value)


class SubmissionIn(BaseModel):
    """A self-inspection, every item of the campaign's checklist answered once."""

    started_at: dt.datetime = Field(description="when the firm opened the checklist (RFC 3339, with offset)")
    answers: list[AnswerIn] = Field(min_length=1, max_length=100)

    @field_validator("started_at")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            raise fields.refusal("offset", "needs a UTC offset (…Z or …+08:00)")
        return value.astimezone(dt.UTC)


class RectificationIn(BaseModel):
    """The firm's report of a rectified item, with its evidence."""

    note: Text = Field(min_length=1, max_length=2000, description="what was done (整改情况)")
    evidence: list[str] = Field(min_length=1, max_length=10, description="SHA-256 of uploaded documents")

    @field_validator("note")
    @classmethod
    def _note(cls, value: str) -> str:
        return fields.not_blank(value)

    @field_validator("evidence")
    @classmethod
    def _evidence(cls, values: list[str]) -> list[str]:
        kept = [_sha256(value) for value in values]
        if len(set(kept)) != len(kept):
            raise fields.refusal("evidence_twice", "names a document twice")
        return kept


class ReviewIn(BaseModel):
    """A regulator's remote review of a rectification, with its opinion."""

    decision: Literal["accept", "reject"]
    opinion: Text = Field(min_length=1, max_length=2000, description="审核意见")

    @field_validator("opinion")
    @classmethod
    def _opinion(cls, value: str) -> str:
        return fields.not_blank(value)
