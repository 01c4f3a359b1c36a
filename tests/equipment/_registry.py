"""Helpers of the special-equipment tests: the organisations, a grid area and elevators."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.api.conftest import Api

GRID = "PD-LJZ-03"
#: The registered elevators stand here (Lujiazui, Shanghai; WGS-84).
SITE = (31.2397, 121.4998)
USER, MAINTAINER, OTHER_MAINTAINER, OTHER_USER = "tower-props", "lift-care", "rival-lifts", "mall-props"
USER_TYPE, MAINTAINER_TYPE = "user_unit", "maintainer"


def code(n: int) -> str:
    """The ``n``-th test elevator's equipment code: a traction passenger elevator made in
    Shanghai's Pudong (310115) in 2019."""
    return f"31103101152019{n:06d}"


def setup_registry(api: Api) -> None:
    """The units and the grid area the tests' elevators belong to."""
    api.add_org(USER, USER_TYPE)
    api.add_org(OTHER_USER, USER_TYPE)
    api.add_org(MAINTAINER, MAINTAINER_TYPE)
    api.add_org(OTHER_MAINTAINER, MAINTAINER_TYPE)
    grid = {"code": GRID, "name": "陆家嘴街道第三网格", "inspector": "王芳"}
    ok(api.as_org("samr", "POST", "/v1/equipment/grids", json=grid))


def elevator_body(n: int, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": code(n),
        "registration_number": f"梯11沪B{n:05d}(19)",
        "name": f"3号楼 {n}号梯",
        "position": {"latitude": SITE[0], "longitude": SITE[1], "address": "上海市浦东新区银城中路 100 号"},
        "user": USER,
        "maintainer": MAINTAINER,
        "grid": GRID,
        "inspection_valid_until": "2027-06-30",
    }
    body.update(changes)
    return body


def register(api: Api, n: int, **changes: Any) -> dict[str, Any]:
    return ok(api.as_org("samr", "POST", "/v1/equipment", json=elevator_body(n, **changes)))


def visit(latitude: float = SITE[0], longitude: float = SITE[1], **changes: Any) -> dict[str, Any]:
    """A maintenance record's body, on site unless told otherwise."""
    return {
        "technician": "李师傅",
        "items": ["machine_room", "brake", "car_door_lock", "levelling"],
        "latitude": latitude,
        "longitude": longitude,
        "accuracy_m": 8,
        **changes,
    }


def maintain(api: Api, n: int, handle: str = MAINTAINER, status: int = 201, **changes: Any) -> dict[str, Any]:
    return ok(
        api.as_org(handle, "POST", f"/v1/equipment/{code(n)}/maintenance", json=visit(**changes)), status
    )


def ok(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def refused(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    """The problem answer, checked for its status and the field it names."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    if field is not None:
        assert [e["field"] for e in problem["errors"]] == [field], problem
    return problem


def iso(moment: dt.datetime) -> str:
    return moment.isoformat()
