"""Device messages: the topic scheme, one JSON payload schema per reading kind, and their EPCIS form.

Topic ``suyuan/v1/{org_handle}/{device}/{kind}``. Every payload carries the device's sequence
number ``seq`` (counting up from 0, never reused) and its own RFC 3339 timestamp ``time``:

- ``temperature``  {"seq", "time", "celsius"}       −90 … 90
- ``humidity``     {"seq", "time", "percent"}       0 … 100 (relative humidity)
- ``door``         {"seq", "time", "open"}          true / false
- ``location``     {"seq", "time", "lat", "lon"}    WGS 84 degrees
- ``weight``       {"seq", "time", "kg"}            0 … 100,000; a market's recheck scale (复称)
                   also sends "declared_kg" (what the vendor said), "stall", "product" and
                   "unit_price" (yuan per kg, 明码标价)
- ``rapid_test``   {"seq", "time", "sample", "stall", "product", "method", "value", "unit",
                   "threshold", "passed"}: a market's rapid-test terminal (农残快检); ``passed``
                   must agree with ``value`` below ``threshold``
- ``equipment_event`` {"seq", "time", "equipment", "event", "code"?, "detail"?}: a lift's
                   monitor; ``event`` is fault, alarm, trapped or restored

A reading becomes a GS1 EPCIS 2.0 ObjectEvent with bizStep ``sensor_reporting`` and a
``sensorElementList`` in UN/CEFACT Rec 20 units (CEL, P1, KGM, DD). Readings of a supervision
domain's kind then go to that domain (``ingest.domains``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from evidence import Timestamp, utc_datetime
from trace_api.devices import TOPIC_ROOT
from trace_api.events import lot_class, offset_of

#: How far ahead of the receiving clock a device's timestamp may be before it is impossible.
MAX_CLOCK_AHEAD = dt.timedelta(minutes=5)
_NAME = r"[a-z0-9][a-z0-9-]{1,62}"
TOPIC = re.compile(rf"^{re.escape(TOPIC_ROOT)}/({_NAME})/({_NAME})/([a-z][a-z_]*)$")
CRS_WGS84 = "http://www.opengis.net/def/crs/EPSG/0/4326"


class ReadingError(Exception):
    """A message that cannot be taken; ``reason`` is the dead letter's reason code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason, self.detail = reason, detail


class Reading(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    kind: ClassVar[str]
    unit: ClassVar[str | None] = None

    seq: int = Field(ge=0, le=2**53, strict=True)
    time: Timestamp

    @property
    def value(self) -> float | None:
        """The reading as one number in :attr:`unit` (None when it is not one number)."""
        return None

    def reports(self) -> list[dict[str, Any]]:
        raise NotImplementedError


class Temperature(Reading):
    kind, unit = "temperature", "CEL"
    celsius: float = Field(ge=-90, le=90)

    @property
    def value(self) -> float:
        return self.celsius

    def reports(self) -> list[dict[str, Any]]:
        return [{"type": "Temperature", "value": self.celsius, "uom": "CEL"}]


class Humidity(Reading):
    kind, unit = "humidity", "P1"
    percent: float = Field(ge=0, le=100)

    @property
    def value(self) -> float:
        return self.percent

    def reports(self) -> list[dict[str, Any]]:
        return [{"type": "RelativeHumidity", "value": self.percent, "uom": "P1"}]


class Door(Reading):
    kind = "door"
    open: bool = Field(strict=True)

    @property
    def value(self) -> float:
        return 1.0 if self.open else 0.0

    def reports(self) -> list[dict[str, Any]]:
        return [{"type": "urn:suyuan:measurement:door_open", "booleanValue": self.open}]


class Location(Reading):
    kind = "location"
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)

    def reports(self) -> list[dict[str, Any]]:
        return [
            {"type": "Angle", "component": "latitude", "value": self.lat, "uom": "DD",
             "coordinateReferenceSystem": CRS_WGS84},
            {"type": "Angle", "component": "longitude", "value": self.lon, "uom": "DD",
             "coordinateReferenceSystem": CRS_WGS84},
        ]  # fmt: skip


#: A stall's code, a product's name, a sample's or a lift's identifier in a device's message.
_Code = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$")]
_Name = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")]


class Weight(Reading):
    kind, unit = "weight", "KGM"
    kg: float = Field(ge=0, le=100_000)
    #: A market's recheck scale (复称): what the vendor declared, at which stall, for what.
    declared_kg: float | None = Field(default=None, ge=0, le=100_000)
    stall: _Code | None = None
    product: _Name | None = None
    #: The price asked, in yuan per kilogram (明码标价).
    unit_price: float | None = Field(default=None, ge=0, le=1_000_000)

    @property
    def value(self) -> float:
        return self.kg

    def reports(self) -> list[dict[str, Any]]:
        reports: list[dict[str, Any]] = [{"type": "Mass", "value": self.kg, "uom": "KGM"}]
        if self.declared_kg is not None:
            reports.append(
                {"type": "urn:suyuan:measurement:declared_mass", "value": self.declared_kg, "uom": "KGM"}
            )
        return reports


class RapidTest(Reading):
    """One sample's result on a market's rapid-test terminal (农残快检); the payload's ``value``
    and ``unit`` are the measured figure and its unit (``%`` inhibition, ``mg/kg``)."""

    kind = "rapid_test"
    sample: _Code
    stall: _Code
    product: _Name
    #: The method, e.g. ``enzyme_inhibition`` (酶抑制率法) or ``colloidal_gold`` (胶体金).
    method: _Code
    measured: float = Field(alias="value", ge=0, le=1_000_000)
    measured_unit: _Code = Field(alias="unit")
    threshold: float = Field(ge=0, le=1_000_000)
    passed: bool = Field(strict=True)

    @field_validator("passed")
    @classmethod
    def _agrees(cls, passed: bool, info: ValidationInfo) -> bool:
        measured, threshold = info.data.get("measured"), info.data.get("threshold")
        if measured is not None and threshold is not None and passed != (measured < threshold):
            said, verdict = ("passed", "fails") if passed else ("failed", "passes")
            raise ValueError(f"says {said}, but value {measured:g} against threshold {threshold:g} {verdict}")
        return passed

    @property
    def value(self) -> float:
        return self.measured

    def reports(self) -> list[dict[str, Any]]:
        return [
            {"type": "urn:suyuan:measurement:rapid_test", "value": self.measured,
             "stringValue": self.method, "booleanValue": self.passed},
        ]  # fmt: skip


class EquipmentEvent(Reading):
    """A lift's (or other special equipment's) monitor telling a fault, an alarm, people trapped,
    or that it runs again."""

    kind = "equipment_event"
    equipment: _Code
    event: Literal["fault", "alarm", "trapped", "restored"]
    code: _Code | None = None
    detail: Annotated[str, StringConstraints(max_length=500)] | None = None

    def reports(self) -> list[dict[str, Any]]:
        return [{"type": "urn:suyuan:measurement:equipment_event", "stringValue": self.event}]


SCHEMAS: dict[str, type[Reading]] = {
    m.kind: m for m in (Temperature, Humidity, Door, Location, Weight, RapidTest, EquipmentEvent)
}
_BOUNDS = {"greater_than_equal", "less_than_equal", "greater_than", "less_than", "finite_number"}


@dataclass(frozen=True)
class Topic:
    org_handle: str
    device: str
    kind: str

    @property
    def username(self) -> str:
        return f"{self.org_handle}/{self.device}"


def parse_topic(topic: str) -> Topic:
    match = TOPIC.match(topic)
    if match is None:
        raise ReadingError("bad_topic", f"{topic!r} is not {TOPIC_ROOT}/<org>/<device>/<kind>")
    org, device, kind = match.groups()
    if kind not in SCHEMAS:
        raise ReadingError("unknown_kind", f"no reading kind {kind!r} (kinds: {', '.join(SCHEMAS)})")
    return Topic(org, device, kind)


def parse_reading(kind: str, payload: bytes, now: dt.datetime) -> Reading:
    """The payload as a reading of ``kind``; :class:`ReadingError` naming the field and the reason."""
    try:
        reading = SCHEMAS[kind].model_validate_json(payload)
    except ValidationError as exc:
        raise _reading_error(exc) from exc
    measured = measured_at(reading)
    if measured - now > MAX_CLOCK_AHEAD:
        raise ReadingError("impossible_value", f"time: {reading.time} is in the future")
    return reading


def _reading_error(exc: ValidationError) -> ReadingError:
    first = exc.errors(include_url=False)[0]
    if first["type"] in {"json_invalid", "json_type"}:
        return ReadingError("invalid_json", f"payload is not a JSON object: {first['msg']}")
    where = ".".join(str(p) for p in first["loc"]) or "payload"
    reason = "impossible_value" if first["type"] in _BOUNDS else "schema"
    if first["type"] == "value_error":
        return ReadingError(reason, f"{where}: {first['msg'].removeprefix('Value error, ')}")
    if first["type"] == "model_type":
        return ReadingError("schema", "payload must be a JSON object")
    return ReadingError(reason, f"{where}: {first['msg']}")


def measured_at(reading: Reading) -> dt.datetime:
    try:
        return utc_datetime(reading.time)
    except ValueError as exc:
        raise ReadingError("schema", f"time: {reading.time} is not a valid date and time") from exc


def device_uri(username: str) -> str:
    return f"urn:suyuan:device:{username}"


def sensor_event(
    reading: Reading, *, username: str, place: str, batch_ids: list[str], resolver: str
) -> dict[str, Any]:
    """The reading as an EPCIS 2.0 ObjectEvent observing the batches at the device's place."""
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": reading.time,
        "eventTimeZoneOffset": offset_of(reading.time),
        "action": "OBSERVE",
        "bizStep": "sensor_reporting",
        "readPoint": {"id": place},
    }
    if batch_ids:
        event["quantityList"] = [{"epcClass": lot_class(resolver, *_gtin_lot(b))} for b in batch_ids]
    event["sensorElementList"] = [
        {
            "sensorMetadata": {"time": reading.time, "deviceID": device_uri(username)},
            "sensorReport": reading.reports(),
        }
    ]
    return event


def _gtin_lot(batch_id: str) -> tuple[str, str]:
    gtin, _, lot = batch_id.partition(".")
    return gtin, lot
