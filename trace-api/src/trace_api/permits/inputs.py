"""What permits take from callers, checked field by field: an application (its fields and the
applicant's declaration), a review step, and a change of an issued certificate. The fields every
application shares are checked by :mod:`trace_api.paperwork.fields`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator

from ..paperwork import fields
from ..text import Line, Text
from .models import BusinessFormat

#: What the applicant declares (申请人承诺), recorded with the application.
DECLARATION = (
    "本申请人郑重承诺：所提交的申请材料真实、合法、有效，复印件与原件一致，并对申请材料实质内容的"
    "真实性负责；取得许可后严格遵守食品安全法律法规，落实食品安全主体责任。"
)


class PermitIn(BaseModel):
    """An application for a food business permit (食品经营许可申请)."""

    business_format: BusinessFormat = Field(
        description="主体业态: food_sales 食品销售经营者, catering 餐饮服务经营者, canteen 单位食堂"
    )
    business_name: Line = Field(min_length=1, max_length=100, description="经营者名称 (as on its licence)")
    uscc: str = Field(description="统一社会信用代码 (GB 32100-2015)")
    legal_representative: Line = Field(min_length=1, max_length=50, description="法定代表人（负责人）")
    premises: Line = Field(min_length=2, max_length=200, description="经营场所")
    division_code: str = Field(description="county-level administrative division code (GB/T 2260)")
    jurisdiction: Line = Field(
        min_length=1, max_length=100, description="the reviewing regulators' (GET /v1/filings/jurisdictions)"
    )
    phone: str = Field(description="a mobile number (13800138000) or a landline (021-12345678)")
    items: list[Line] = Field(min_length=1, max_length=20, description="经营项目, one per entry")
    declaration: bool = Field(
        description="the applicant accepts the declaration (GET /v1/permits/declaration)"
    )

    @field_validator("business_name", "legal_representative", "premises", "jurisdiction")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        return fields.not_blank(value)

    @field_validator("items")
    @classmethod
    def _items(cls, values: list[str]) -> list[str]:
        kept = [value.strip() for value in values]
        if any(not value or len(value) > 50 for value in kept):
            raise fields.refusal("item", "each entry must be 1 to 50 characters")
        if len(set(kept)) != len(kept):
            raise fields.refusal("item_twice", "names an item twice")
        return kept

    @field_validator("uscc")
    @classmethod
    def _uscc(cls, value: str) -> str:
        return fields.uscc(value)

    @field_validator("division_code")
    @classmethod
    def _division(cls, value: str) -> str:
        return fields.division_code(value)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        return fields.phone(value)

    @field_validator("declaration")
    @classmethod
    def _declared(cls, value: bool) -> bool:
        if not value:
            raise fields.refusal("declaration", "must be accepted: the applicant declares its materials true")
        return value


Decision = Literal["accept", "examine", "approve", "refuse"]


class PermitReviewIn(BaseModel):
    """A regulator's step on an application, always with an opinion: accept it (受理), examine it
    (审查), approve it (准予许可) or refuse it (不予许可)."""

    decision: Decision
    opinion: Text = Field(min_length=1, max_length=2000, description="审查意见; for refuse the reasons")
    valid_years: int = Field(default=5, ge=1, le=5, description="with approve: years the permit is valid")

    @field_validator("opinion")
    @classmethod
    def _opinion(cls, value: str) -> str:
        return fields.not_blank(value)


Action = Literal["suspend", "reinstate", "revoke"]


class CertificateActionIn(BaseModel):
    """A regulator's change of an issued certificate, with its reason."""

    action: Action = Field(description="suspend 暂停, reinstate 恢复, revoke 撤销")
    reason: Text = Field(min_length=1, max_length=2000, description="the reason, as the public page shows it")

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        return fields.not_blank(value)
