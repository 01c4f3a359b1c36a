"""What filings take from callers, checked field by field: an application, a review, an inspection.

Identity card numbers follow GB 11643-1999 (17 digits and an ISO 7064 MOD 11-2 check character,
the birth date inside them a real date); unified social credit codes GB 32100-2015; division
codes GB/T 2260 (six digits, a county-level division); phone numbers are a mainland mobile
number or a landline with its area code. Each refusal is a pydantic error of its own type whose
message says what is wrong, so that the answer's problem names the field and the reason.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, Field, field_validator
from pydantic_core import PydanticCustomError

from ..orgs._uscc import UsccError, validate_uscc
from ..text import Line, Text
from .models import BusinessType, InspectionResult, MaterialKind

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
#: The first two digits of GB/T 2260 codes: provinces, autonomous regions, municipalities, HK, Macao.
PROVINCES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42"}
    | {"43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82"}
)
MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


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


def mask_phone(phone: str) -> str:
    digits = phone.replace("-", "")
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def _custom(kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(kind, message)


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
        value = value.strip()
        if not value:
            raise _custom("blank", "is blank")
        return value

    @field_validator("categories")
    @classmethod
    def _categories(cls, values: list[str]) -> list[str]:
        kept = [value.strip() for value in values]
        if any(not value or len(value) > 50 for value in kept):
            raise _custom("category", "each entry must be 1 to 50 characters")
        return kept

    @field_validator("division_code")
    @classmethod
    def _division(cls, value: str) -> str:
        code = value.strip()
        if not re.fullmatch(r"\d{6}", code):
            raise _custom("division_code_format", "must be six digits (GB/T 2260), e.g. 310115")
        if code[:2] not in PROVINCES:
            raise _custom("division_code_region", f"its province {code[:2]} is no province of GB/T 2260")
        if code.endswith("00"):
            raise _custom("division_code_level", "names a province or city: give the county or district")
        return code

    @field_validator("operator_id_number")
    @classmethod
    def _id_number(cls, value: str) -> str:
        try:
            return validate_id_number(value)
        except ValueError as exc:
            raise _custom("id_number", str(exc)) from exc

    @field_validator("uscc")
    @classmethod
    def _uscc(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            return validate_uscc(value)
        except UsccError as exc:
            raise _custom(f"uscc_{exc.problem}", str(exc)) from exc

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        phone = re.sub(r"[\s]", "", value)
        if not (MOBILE.match(phone) or LANDLINE.match(phone)):
            raise _custom(
                "phone",
                "must be a mainland mobile number (11 digits from 13 to 19) or a landline with its "
                "area code, e.g. 021-12345678",
            )
        return phone


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
        value = value.strip()
        if not value:
            raise _custom("blank", "is blank")
        return value


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
