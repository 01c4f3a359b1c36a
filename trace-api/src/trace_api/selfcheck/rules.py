"""The data-quality rules' settings (environment prefix ``SUYUAN_SELFCHECK_``): how fast a
checklist may honestly be completed, and how many all-pass submissions in a row are doubted."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class SelfcheckRules(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SUYUAN_SELFCHECK_", extra="ignore")

    seconds_per_item: float = Field(
        default=10.0,
        ge=0,
        le=3600,
        description="a submission completed in less than this many seconds per item is flagged too fast",
    )
    all_pass_run: int = Field(
        default=10,
        ge=2,
        le=1000,
        description="this many submissions in a row of one firm with every item passed are flagged",
    )
