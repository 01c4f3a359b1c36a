"""The special-equipment rules' settings (environment prefix ``SUYUAN_EQUIPMENT_``).

TSG T5002 (电梯维护保养规则) has an elevator maintained at least every 15 days; the rest (how
early the units are reminded, when an overdue maintenance goes to the grid inspector, how long
before a contract's end it is flagged, how far from the elevator a maintenance may be recorded)
is the supervising authority's choice.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class EquipmentRules(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SUYUAN_EQUIPMENT_", extra="ignore")

    maintenance_every_days: int = Field(
        default=15, ge=1, le=365, description="the longest an elevator may go without maintenance (TSG T5002)"
    )
    remind_days_before: int = Field(
        default=3, ge=0, le=60, description="days before maintenance falls due that both units are reminded"
    )
    escalate_after_days: int = Field(
        default=3,
        ge=0,
        le=365,
        description="days an overdue maintenance may stay overdue before the grid inspector is told",
    )
    contract_warning_days: int = Field(
        default=30, ge=0, le=365, description="days before a contract's end that it counts as expiring"
    )
    too_far_metres: float = Field(
        default=200.0,
        gt=0,
        le=100_000,
        description="a maintenance recorded farther than this from the elevator is flagged",
    )
    late_record_days: int = Field(
        default=30,
        ge=0,
        le=365,
        description="how long after a maintenance the phone may still record it (an offline phone)",
    )
    sweep_every_seconds: float = Field(
        default=600.0, gt=0, description="how often the rules are applied to every elevator"
    )
    fault_reports_per_hour: int = Field(
        default=5, ge=1, le=1000, description="reports one address may send per hour from public pages"
    )
    reports_per_equipment_per_hour: int = Field(
        default=30, ge=1, le=10_000, description="reports one elevator's page takes per hour, from everyone"
    )

    @property
    def interval(self) -> dt.timedelta:
        return dt.timedelta(days=self.maintenance_every_days)

    @property
    def reminder(self) -> dt.timedelta:
        return dt.timedelta(days=self.remind_days_before)

    @property
    def escalation(self) -> dt.timedelta:
        return dt.timedelta(days=self.escalate_after_days)
