"""What the registry shows beside each device: its newest reading's time and its open alerts.

Both are read per device through an index (``sensor_readings`` by device and time, ``alerts`` by
device), so a page of devices costs the same whatever the number of readings behind them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, func, select

from ..devices.models import Device
from ..devices.service import public_device
from .models import Alert, SensorReading


def listed_devices(session: Session, devices: Sequence[Device]) -> list[dict[str, Any]]:
    """Each device as ``GET /v1/devices/{name}`` answers it, with ``last_reading_at`` (the device's
    own time of its newest reading; null before the first) and ``open_alerts``."""
    if not devices:
        return []
    last_reading = (
        select(func.max(SensorReading.measured_at))
        .where(col(SensorReading.device_id) == col(Device.id))
        .scalar_subquery()
    )
    open_alerts = (
        select(func.count())
        .select_from(Alert)
        .where(col(Alert.device_id) == col(Device.id), col(Alert.closed_at).is_(None))
        .scalar_subquery()
    )
    query = select(Device.id, last_reading, open_alerts).where(col(Device.id).in_([d.id for d in devices]))
    activity = {device_id: (last, count) for device_id, last, count in session.exec(query).all()}
    listed = []
    for device in devices:
        last, count = activity.get(device.id, (None, 0))
        listed.append(
            {
                **public_device(device),
                "last_reading_at": last.isoformat() if last is not None else None,
                "open_alerts": int(count or 0),
            }
        )
    return listed
