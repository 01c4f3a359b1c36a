"""Organisations of the network and the API keys their members and devices use."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlmodel import Field, SQLModel

from chain import Role


class OrgType(StrEnum):
    importer = "importer"
    wholesaler = "wholesaler"
    retailer = "retailer"
    restaurant = "restaurant"
    market = "market"
    regulator = "regulator"
    #: A farmers' market's stall holder (商户), renting a stall from the market's operator.
    vendor = "vendor"
    #: A special-equipment maintenance unit (维保单位).
    maintainer = "maintainer"
    #: A special-equipment user unit (使用单位): the owner or manager of elevators in use.
    user_unit = "user_unit"
    #: A food producer (食品生产企业): a factory or workshop making food.
    producer = "producer"

    @property
    def chain_role(self) -> Role:
        if self is OrgType.importer:
            return Role.IMPORTER
        if self is OrgType.regulator:
            return Role.REGULATOR
        return Role.TRADER


class OrgStatus(StrEnum):
    """Whether an organisation may act: a suspended one's keys are refused and its chain role revoked."""

    active = "active"
    suspended = "suspended"


class Organisation(SQLModel, table=True):
    __tablename__ = "organisations"

    id: str = Field(primary_key=True, max_length=32)
    handle: str = Field(unique=True, max_length=64)
    name: str = Field(max_length=200)
    org_type: OrgType
    uscc: str = Field(unique=True, max_length=18)
    gln: str | None = Field(default=None, max_length=13)
    jurisdiction: str = Field(max_length=100)
    chain_address: str = Field(max_length=42)
    created_at: dt.datetime
    status: OrgStatus = Field(default=OrgStatus.active, sa_column_kwargs={"server_default": "active"})
    #: Since when and why it is suspended (None while active); the ledger holds every change.
    suspended_at: dt.datetime | None = None
    suspension_reason: str | None = Field(default=None, max_length=500)
    #: Where it is (WGS-84 degrees), for the regulators' map; all three unset until positioned.
    latitude: float | None = None
    longitude: float | None = None
    address: str | None = Field(default=None, max_length=200)


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_keys"

    id: str = Field(primary_key=True, max_length=32)
    org_id: str = Field(foreign_key="organisations.id", index=True)
    label: str = Field(max_length=100)
    kind: str = Field(max_length=16)  # member or device
    secret_hash: bytes
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None
