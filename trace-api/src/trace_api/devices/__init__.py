"""The device registry: devices, their places and their MQTT credentials."""

from .models import Device, ReadingKind
from .passwords import password_hash, verify_password
from .service import (
    TOPIC_ROOT,
    DeviceIn,
    alert_topic,
    device_topic,
    get_device,
    list_devices,
    place_key,
    public_device,
    register_device,
    retire_device,
    vehicle_place,
)

__all__ = [
    "TOPIC_ROOT",
    "Device",
    "DeviceIn",
    "ReadingKind",
    "alert_topic",
    "device_topic",
    "get_device",
    "list_devices",
    "password_hash",
    "place_key",
    "public_device",
    "register_device",
    "retire_device",
    "vehicle_place",
    "verify_password",
]
