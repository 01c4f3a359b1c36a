"""The device registry: devices, their places and their MQTT credentials; publishing over MQTT."""

from .models import Device, ReadingKind
from .mqtt import (
    QOS,
    BrokerAddress,
    BrokerUrlError,
    MqttError,
    PublishError,
    json_payload,
    publish_json,
    publish_on,
)
from .passwords import password_hash, verify_password
from .readings import DeviceReading, ReadingCheck, ReadingDomain, ReadingRefused, ReadingTake
from .service import (
    TOPIC_ROOT,
    DeviceIn,
    alert_topic,
    device_topic,
    get_device,
    list_devices,
    place_key,
    position_device,
    position_of_device,
    public_device,
    register_device,
    retire_device,
    vehicle_place,
)

__all__ = [
    "QOS",
    "TOPIC_ROOT",
    "BrokerAddress",
    "BrokerUrlError",
    "Device",
    "DeviceIn",
    "DeviceReading",
    "MqttError",
    "PublishError",
    "ReadingCheck",
    "ReadingDomain",
    "ReadingKind",
    "ReadingRefused",
    "ReadingTake",
    "alert_topic",
    "device_topic",
    "get_device",
    "json_payload",
    "list_devices",
    "password_hash",
    "place_key",
    "position_device",
    "position_of_device",
    "public_device",
    "publish_json",
    "publish_on",
    "register_device",
    "retire_device",
    "vehicle_place",
    "verify_password",
]
