"""What filings take from callers, checked field by field: an application, a review, an inspection.

Identity card numbers follow GB 11643-1999 (17 digits and an ISO 7064 MOD 11-2 check character,
the birth date inside them a real date); the fields every application shares (division code,
credit code, phone) are checked by :mod:`trace_api.paperwork.fields`. Each refusal is a pydantic
error of its own type whose message says what is wrong, so that the answer's problem names the
field and the reason.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from ..paperwork import fields
from ..paperwork.fields import PROVINCES, refusal
from ..text import Line, Text
from .models import BusinessType, InspectionResult, MaterialKind

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def id_check_character(first17: str) -> str:
    return ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def validate_id_number(value: str) -> str:
    """A resident identity card number (居民身份证号码), upper-cased; ValueError saying what is wrong."""
    number = value.strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise ValueError("must be 18 characters: 17 digits and a check digit or X")
    if number[:2] not in PROVINCES:
        raise ValueError(f"its region {number[:2]} is no province of GB/T 2260")
    try:
        dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise ValueError(f"its birth date {number[6:14]} is not a date") from exc
    expected = id_check_character(number[:17])
    if number[17] != expected:
        raise ValueError(f"its check character is {number[17]}, but the first 17 digits give {expected}")
    return number


def mask_id_number(number: str) -> str:
    """The region's first three digits and the last four, as certificates and public pages show it."""
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


class FilingIn(BaseModel):
    """An application for registration (登记申请) of a small food business."""

    business_type: BusinessType = Field(
        description="workshop 小作坊, small_restaurant 小餐饮, small_shop 小食杂店, stall 食品摊贩"
    )
    business_name: Line = Field(min_length=1, max_length=100, description="名称 (字号)")
    address: Line = Field(min_length=2, max_length=200, description="经营地址 (the stall's place)")
    division_code: str = Field(description="county-level administrative division code (GB/T 2260)")
    jurisdiction: Line = Field(
        min_length=1, max_length=100, description="the reviewing regulators' (GET /v1/filings/jurisdictions)"
    )
    operator_name: Line = Field(min_length=1, max_length=50, description="经营者姓名")
    operator_id_number: str = Field(description="经营者居民身份证号码 (GB 11643)")
    uscc: str | None = Field(default=None, description="统一社会信用代码, if the business holds one")
    phone: str = Field(description="a mobile number (13800138000) or a landline (021-12345678)")
    categories: list[Line] = Field(
        min_length=1, max_length=20, description="经营项目: what it makes or sells, one per entry"
    )
    employees: int = Field(ge=1, le=500, description="从业人员数")

    @field_validator("business_name", "address", "operator_name", "jurisdiction")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        return fields.not_blank(value)

    @field_validator("categories")
    @classmethod
    def _categories(cls, values: list[str]) -> list[str]:
        kept = [value.strip() for value in values]
        if any(not value or len(value) > 50 for value in kept):
            raise refusal("category", "each entry must be 1 to 50 characters")
        return kept

    @field_validator("division_code")
    @classmethod
    def _division(cls, value: str) -> str:
        return fields.division_code(value)

    @field_validator("operator_id_number")
    @classmethod
    def _id_number(cls, value: str) -> str:
        try:
            return validate_id_number(value)
        except ValueError as exc:
            raise refusal("id_number", str(exc)) from exc

    @field_validator("uscc")
    @classmethod
    def _uscc(cls, value: str | None) -> str | None:
        return None if value is None or not value.strip() else fields.uscc(value)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        return fields.phone(value)


Decision = Literal["accept", "request_more", "approve", "refuse"]


class ReviewIn(BaseModel):
    """A regulator's step on a filing: accept it (受理), ask for more materials (补正), approve it
    (准予) or refuse it (不予), always with an opinion."""

    decision: Decision
    opinion: Text = Field(
        min_length=1,
        max_length=2000,
        description="审查意见: for request_more what to supplement, for refuse the reasons stated",
    )
    requested: list[MaterialKind] = Field(
        default_factory=list, max_length=5, description="with request_more: the materials to supplement"
    )
    valid_years: int = Field(
        default=3, ge=1, le=5, description="with approve: years the certificate is valid"
    )

    @field_validator("opinion")
    @classmethod
    def _opinion(cls, value: str) -> str:
        return fields.not_blank(value)


class InspectedItemIn(BaseModel):
    name: Line = Field(min_length=1, max_length=100, description="what was checked, e.g. 健康证明在有效期内")
    passed: bool
    note: Text = Field(default="", max_length=500)


class InspectionIn(BaseModel):
    """A daily inspection (日常检查) of a registered business."""

    result: InspectionResult = Field(description="pass 符合, rectify 责令整改, fail 不符合")
    items: list[InspectedItemIn] = Field(min_length=1, max_length=50)
    notes: Text = Field(default="", max_length=2000)
    inspected_at: dt.datetime | None = Field(default=None, description="when; unset: now")
    photo_sha256: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{64}$",
        description="a picture the inspector uploaded (POST /v1/documents)",
    )
