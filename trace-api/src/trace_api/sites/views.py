"""The sites' answers: what ``GET /v1/sites`` and ``GET /v1/sites/{site_id}`` return (their OpenAPI
schema)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

#: What a site is: an organisation's own place (by its type), or a device's place by what the
#: device watches (a cold store's thermometer or door sensor, a kitchen camera, a market scale).
SiteKind = Literal[
    "importer",
    "wholesaler",
    "retailer",
    "restaurant",
    "market",
    "regulator",
    "vendor",
    "maintainer",
    "user_unit",
    "producer",
    "cold_store",
    "camera",
    "scale",
    "device",
    "elevator",
]
#: The open alerts a site's detail lists (the newest first); ``open_alerts`` counts all.
MAX_ALERTS_SHOWN = 50


class Site(BaseModel):
    id: str = Field(
        description="`org:{handle}`, `device:{org handle}:{device name}`, `market:{market handle}` or "
        "`equipment:{equipment code}`"
    )
    source: Literal["organisation", "device", "market", "equipment"]
    kind: SiteKind
    org: str = Field(
        description="the organisation's handle (a device's owner, a market's operator, "
        "an elevator's user unit)"
    )
    org_name: str
    name: str = Field(description="the organisation's name, or the device's, the market's, the elevator's")
    place: str | None = Field(
        description="the storage location a device watches, an elevator's grid area and inspector "
        "(null for an organisation)"
    )
    latitude: float = Field(description="WGS-84 degrees north")
    longitude: float = Field(description="WGS-84 degrees east")
    address: str | None
    open_alerts: int = Field(
        description="open alerts: an organisation's cover all its devices, a device's its own"
    )
    open_by_kind: dict[str, int] = Field(
        description="open alerts by kind: the cold-chain rules (temperature, door_open, silent) and "
        "kitchen_incident (open until rectified); an elevator's by its rules"
    )


class EquipmentSite(Site):
    """An elevator on the map, with its status."""

    status: Literal["normal", "due_soon", "overdue", "fault"] = Field(
        description="normal, due_soon or overdue (its maintenance), or fault (its monitor)"
    )


class SitePage(BaseModel):
    sites: list[EquipmentSite | Site] = Field(
        description="organisations, devices, markets, then elevators (with their status)"
    )
    next_cursor: str | None = Field(description="the next page's cursor; null on the last page")


class OpenAlert(BaseModel):
    kind: str = Field(description="temperature, door_open, silent or kitchen_incident")
    id: str = Field(description="the alert's id, or the kitchen incident's")
    device: str | None = Field(
        description="the device that raised it: `{org handle}/{device name}`; null for an elevator's alert"
    )
    detail: str = Field(description="what the rule found, or the violation a camera saw")
    started_at: dt.datetime
    opened_at: dt.datetime = Field(description="when it was opened (an incident: recorded)")


class SiteDetail(Site):
    alerts: list[OpenAlert] = Field(description=f"the {MAX_ALERTS_SHOWN} newest open alerts, newest first")


class EquipmentSiteDetail(SiteDetail):
    status: Literal["normal", "due_soon", "overdue", "fault"] = Field(
        description="normal, due_soon or overdue (its maintenance), or fault (its monitor)"
    )
