"""The demo's special equipment (特种设备): a dozen elevators in Pudong, seeded through the running
API as the regulator and the units would record them.

Two grid areas with their inspectors, two user units (使用单位) and two maintenance units
(维保单位), twelve elevators with their contracts and inspection certificates, and maintenance
from the maintainers' phones: eleven maintained within the last twelve days, one last maintained
twenty days ago (overdue: its alert is open, and the rules' sweep escalates it to the grid
inspector three days after it fell due); one contract ends within the month.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple, Protocol

from trace_api.orgs import with_check_character

#: The units: handle, name, organisation type, a position in Pudong.
UNITS = [
    ("demo-tower-props", "Lujiazui Tower Property 陆家嘴大厦物业", "user_unit", (31.2382, 121.5034)),
    ("demo-huamu-props", "Huamu Residences Property 花木小区物业", "user_unit", (31.2149, 121.5513)),
    ("demo-lift-care", "Anti Lift Maintenance 安梯电梯维保", "maintainer", (31.2291, 121.5271)),
    ("demo-lift-east", "Dongfang Lift Service 东方电梯服务", "maintainer", (31.2206, 121.5440)),
]
GRIDS = [
    {"code": "PD-LJZ-01", "name": "陆家嘴街道第一网格", "inspector": "王芳"},
    {"code": "PD-HM-02", "name": "花木街道第二网格", "inspector": "李强"},
]


class DemoElevator(NamedTuple):
    name: str
    latitude: float
    longitude: float
    address: str
    grid: int  # index in GRIDS
    user: int  # index in USERS
    maintainer: int  # index in MAINTAINERS
    days_since_maintenance: int


USERS, MAINTAINERS = [u[0] for u in UNITS[:2]], [u[0] for u in UNITS[2:]]
ELEVATORS = [
    DemoElevator("世纪大厦 1号梯", 31.2386, 121.5031, "浦东新区世纪大道 100 号", 0, 0, 0, 1),
    DemoElevator("世纪大厦 2号梯", 31.2387, 121.5033, "浦东新区世纪大道 100 号", 0, 0, 0, 3),
    DemoElevator("世纪大厦 3号梯", 31.2385, 121.5035, "浦东新区世纪大道 100 号", 0, 0, 0, 5),
    DemoElevator("世纪大厦 消防梯", 31.2384, 121.503, "浦东新区世纪大道 100 号", 0, 0, 0, 20),
    DemoElevator("银城中路 88 号 A 座", 31.2371, 121.5002, "浦东新区银城中路 88 号", 0, 0, 0, 7),
    DemoElevator("银城中路 88 号 B 座", 31.2372, 121.5006, "浦东新区银城中路 88 号", 0, 0, 1, 9),
    DemoElevator("东方路商场 扶梯 1", 31.232, 121.523, "浦东新区东方路 800 号", 0, 0, 1, 12),
    DemoElevator("花木苑 1号楼", 31.2151, 121.5508, "浦东新区花木路 1200 弄 1 号", 1, 1, 1, 2),
    DemoElevator("花木苑 2号楼", 31.2155, 121.5516, "浦东新区花木路 1200 弄 2 号", 1, 1, 1, 4),
    DemoElevator("花木苑 3号楼", 31.2147, 121.5521, "浦东新区花木路 1200 弄 3 号", 1, 1, 1, 6),
    DemoElevator("花木苑 5号楼", 31.2143, 121.5511, "浦东新区花木路 1200 弄 5 号", 1, 1, 1, 8),
    DemoElevator("花木苑 6号楼", 31.214, 121.5504, "浦东新区花木路 1200 弄 6 号", 1, 1, 1, 10),
]
#: The elevator whose contract ends within the month (its index in ELEVATORS).
EXPIRING = 10
CHECKLIST = [
    "machine_room",
    "traction_machine",
    "brake",
    "car_door_lock",
    "landing_doors",
    "levelling",
    "pit",
]


class DemoApi(Protocol):
    """What the demo seeding calls the API with (:class:`suyuan.demo.network._Demo`)."""

    keys: dict[str, str]

    def call(self, handle: str, method: str, url: str, **kwargs: Any) -> Any: ...


def equipment_code(index: int, name: str) -> str:
    """A demo elevator's equipment code: an escalator's (3310), a firefighters' elevator's (3420) or
    a traction passenger elevator's (3110), made in Pudong (310115) in 2019, its serial from its index."""
    kind = "3310" if "扶梯" in name else "3420" if "消防" in name else "3110"
    return f"{kind}3101152019{index + 1:06d}"


def seed_equipment(demo: DemoApi, first_uscc: int = 20) -> list[dict[str, Any]]:
    """Seeds the units, grids and elevators; returns the units as ``demo.json`` lists organisations."""
    units = [_admit(demo, unit, first_uscc + i) for i, unit in enumerate(UNITS)]
    for grid in GRIDS:
        demo.call("demo-samr", "POST", "/v1/equipment/grids", json=grid)
    now = dt.datetime.now(dt.UTC)
    today = now.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    for i, elevator in enumerate(ELEVATORS):
        _register(demo, i, elevator, today)
    for i, elevator in enumerate(ELEVATORS):
        _maintain(demo, i, elevator, now)
    return units


def _register(demo: DemoApi, i: int, e: DemoElevator, today: dt.date) -> None:
    code = equipment_code(i, e.name)
    body = {
        "code": code,
        "registration_number": f"梯{'31' if code.startswith('33') else '11'}沪E{i + 1:05d}(19)",
        "name": e.name,
        "position": {"latitude": e.latitude, "longitude": e.longitude, "address": e.address},
        "user": USERS[e.user],
        "maintainer": MAINTAINERS[e.maintainer],
        "grid": GRIDS[e.grid]["code"],
    }
    demo.call("demo-samr", "POST", "/v1/equipment", json=body)
    ends = today + dt.timedelta(days=20 if i == EXPIRING else 300)
    contract = {
        "number": f"WB-2026-{i + 1:03d}",
        "starts_on": str(today - dt.timedelta(days=60)),
        "ends_on": str(ends),
    }
    demo.call(USERS[e.user], "POST", f"/v1/equipment/{code}/contracts", json=contract)
    inspection = {
        "certificate_number": f"DJ-2026-{i + 1:04d}",
        "inspected_on": str(today - dt.timedelta(days=90)),
        "valid_until": str(today + dt.timedelta(days=275)),
    }
    demo.call("demo-samr", "POST", f"/v1/equipment/{code}/inspections", json=inspection)


def _maintain(demo: DemoApi, i: int, e: DemoElevator, now: dt.datetime) -> None:
    """A maintenance visit recorded from the maintainer's phone, some ten metres from the elevator."""
    visit = {
        "technician": ["李师傅", "张师傅", "陈师傅"][i % 3],
        "items": CHECKLIST,
        "latitude": e.latitude + 0.0001,
        "longitude": e.longitude,
        "accuracy_m": 12,
        "performed_at": (now - dt.timedelta(days=e.days_since_maintenance, hours=2)).isoformat(),
    }
    code = equipment_code(i, e.name)
    demo.call(MAINTAINERS[e.maintainer], "POST", f"/v1/equipment/{code}/maintenance", json=visit)


def _admit(demo: DemoApi, unit: tuple[str, str, str, tuple[float, float]], n: int) -> dict[str, Any]:
    handle, name, kind, (lat, lon) = unit
    body = {
        "handle": handle,
        "name": name,
        "org_type": kind,
        "uscc": with_check_character(f"91310000MA1K{n:05d}"),
        "jurisdiction": "Shanghai",
        "position": {"latitude": lat, "longitude": lon, "address": "浦东新区 Pudong"},
    }
    answer = demo.call("demo-samr", "POST", "/v1/organisations", json=body)
    demo.keys[handle] = answer["api_key"]
    return {
        "handle": handle,
        "type": kind,
        "uscc": answer["organisation"]["uscc"],
        "api_key": answer["api_key"],
    }
