"""Devices of the network: cold-chain thermometers, door sensors, scales, trackers and cameras.

Each device belongs to one organisation and watches one place: a storage location (a GLN/SGLN
URN or a place name, as scans name places) or a vehicle (its plate). It publishes under its own
MQTT prefix ``suyuan/v1/{org_handle}/{name}/`` with its own credentials.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from ..batches.models import StorageClass


class ReadingKind(StrEnum):
    temperature = "temperature"
    humidity = "humidity"
    door = "door"
    location = "location"
    weight = "weight"
    #: A market's rapid-test terminal (农残快检): one result per sample.
    rapid_test = "rapid_test"
    #: A lift's or other special equipment's monitor: faults, alarms, people trapped, restored.
    equipment_event = "equipment_event"
    #: A kitchen camera (明厨亮灶): frames go to ``suyuan ingest camera``, not over MQTT.
    camera = "camera"


class Device(SQLModel, table=True):
    __tablename__ = "devices"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: str = Field(primary_key=True, max_length=32)
    org_id: str = Field(foreign_key="organisations.id", index=True)
    name: str = Field(max_length=63)
    #: ``{org_handle}/{name}``: the MQTT username and the topic prefix below ``suyuan/v1/``.
    username: str = Field(unique=True, max_length=128)
    #: Comma-separated reading kinds the device may publish.
    kinds: str = Field(max_length=200)
    location: str | None = Field(default=None, max_length=200)
    vehicle: str | None = Field(default=None, max_length=32)
    #: The normalised place the device watches (see :func:`trace_api.devices.place_key`).
    place: str = Field(index=True, max_length=400)
    storage_class: StorageClass
    #: Mosquitto ``$7$`` PBKDF2-SHA512 hash of the device's MQTT password.
    password_hash: str = Field(max_length=256)
    created_at: dt.datetime
    retired_at: dt.datetime | None = None
    #: Where its place is (WGS-84 degrees), for the regulators' map; a vehicle's device has none.
    latitude: float | None = None
    longitude: float | None = None
    address: str | None = Field(default=None, max_length=200)

    @property
    def kind_set(self) -> frozenset[str]:
        return frozenset(self.kinds.split(","))
