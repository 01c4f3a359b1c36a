"""The elevator registry: registration, grids, contracts and inspections recorded in the ledger;
who sees and writes what; bad input named by field; QR symbols of the public page."""

from __future__ import annotations

import datetime as dt
import io
import xml.etree.ElementTree as ET
from typing import Any

import pytest
import zxingcpp
from PIL import Image

from evidence import record_from_bytes
from tests.api.conftest import Api
from tests.equipment._registry import (
    GRID,
    MAINTAINER,
    OTHER_MAINTAINER,
    OTHER_USER,
    USER,
    code,
    elevator_body,
    ok,
    refused,
    register,
    setup_registry,
)
from trace_api.equipment.facts import EQUIPMENT_FACTS


@pytest.fixture
def registry(api: Api) -> Api:
    setup_registry(api)
    return api


def _records(api: Api, kind: str) -> list[Any]:
    found = []
    for _, body in api.services.ledger.iter_records():
        record = record_from_bytes(body)
        if record.kind == kind:
            found.append(record)
    return found


def test_registration_records_the_elevator_with_its_grid_and_units(registry: Api) -> None:
    body = register(registry, 1)

    assert body["code"] == code(1)
    assert body["registration_number"] == "梯11沪B00001(19)"
    assert body["kind"] == "曳引驱动乘客电梯 traction passenger elevator"
    assert (body["user"], body["maintainer"], body["grid"], body["inspector"]) == (
        USER,
        MAINTAINER,
        GRID,
        "王芳",
    )
    assert body["status"] == "normal"
    assert body["last_maintained_at"] is None
    registered_at = dt.datetime.fromisoformat(body["registered_at"])
    assert dt.datetime.fromisoformat(body["due_at"]) - registered_at == dt.timedelta(days=15)
    assert body["contract_until"] is None
    [record] = _records(registry, "equipment.registered")
    assert record.record_id == body["record_id"]
    assert record.payload["code"] == code(1)
    assert record.payload["maintainer"] == MAINTAINER
    assert {s.type for s in record.subjects} == {"equipment", "org"}
    detail = ok(registry.as_org(USER, "GET", f"/v1/equipment/{code(1)}"), 200)
    assert detail["grid_name"] == "陆家嘴街道第三网格"
    assert detail["contracts"] == []
    assert detail["maintenance"] == []


def test_full_width_registration_number_is_kept_in_ascii(registry: Api) -> None:
    body = register(registry, 2, registration_number="梯１１沪Ｂ００００２（１９）")
    assert body["registration_number"] == "梯11沪B00002(19)"


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"code": "3110310115201900012"}, "code", "20 digits"),
        ({"code": "1110310115201900012X"}, "code", "20 digits"),
        ({"code": "21103101152019000123"}, "code", "no elevator kind"),
        ({"code": "31109901152019000123"}, "code", "names no province"),
        ({"code": "31103101151900000123"}, "code", "year of manufacture 1900"),
        ({"code": "31103101152019000000"}, "code", "all zeros"),
        ({"registration_number": "沪B00123"}, "registration_number", "梯11沪B00123(19)"),
        ({"name": ""}, "name", "at least 1"),
        ({"position": {"latitude": 0, "longitude": 0, "address": "x"}}, "position", "no position"),
        ({"position": {"latitude": 91, "longitude": 121, "address": "x"}}, "position.latitude", "less than"),
        ({"position": {"latitude": 31.2, "longitude": 121.5}}, "position", "address"),
        ({"user": "nobody-here"}, "user", "no organisation"),
        ({"user": "samr"}, "user", "regulator, not a user unit"),
        ({"maintainer": USER}, "maintainer", "user_unit, not a maintenance unit"),
        ({"maintainer": "Lift Care"}, "maintainer", "pattern"),
        ({"grid": "NO-SUCH-GRID"}, "grid", "no grid area"),
        ({"inspection_valid_until": "2027-02-30"}, "inspection_valid_until", "date"),
    ],
)
def test_registration_refuses_bad_input_naming_the_field(
    registry: Api, changes: dict[str, Any], field: str, says: str
) -> None:
    response = registry.as_org("samr", "POST", "/v1/equipment", json=elevator_body(1, **changes))

    problem = refused(response, 422, field)
    assert says in problem["errors"][0]["reason"], problem
    assert _records(registry, "equipment.registered") == []


def test_registration_is_a_regulators_and_once_per_code(registry: Api) -> None:
    refused(registry.as_org(MAINTAINER, "POST", "/v1/equipment", json=elevator_body(1)), 403)
    register(registry, 1)
    refused(registry.as_org("samr", "POST", "/v1/equipment", json=elevator_body(1)), 409)
    same_number = elevator_body(2, registration_number="梯11沪B00001(19)")
    refused(registry.as_org("samr", "POST", "/v1/equipment", json=same_number), 409)


def test_grids_are_defined_by_regulators_once(registry: Api) -> None:
    grid = {"code": "pd-ljz-04", "name": "第四网格", "inspector": "张伟"}
    refused(registry.as_org(USER, "POST", "/v1/equipment/grids", json=grid), 403)
    created = ok(registry.as_org("samr", "POST", "/v1/equipment/grids", json=grid))
    assert (created["code"], created["regulator"]) == ("PD-LJZ-04", "samr")
    refused(registry.as_org("samr", "POST", "/v1/equipment/grids", json=grid), 409)
    refused(
        registry.as_org(
            "samr", "POST", "/v1/equipment/grids", json={**grid, "code": "X1", "regulator": USER}
        ),
        422,
        "regulator",
    )
    listed = ok(registry.as_org(MAINTAINER, "GET", "/v1/equipment/grids"), 200)["grids"]
    assert [g["code"] for g in listed] == [GRID, "PD-LJZ-04"]
    assert len(_records(registry, "equipment.grid_defined")) == 2


def test_each_unit_sees_its_own_elevators_and_a_regulator_all(registry: Api) -> None:
    register(registry, 1)
    register(registry, 2, maintainer=OTHER_MAINTAINER)
    register(registry, 3, user=OTHER_USER, maintainer=OTHER_MAINTAINER)
    registry.add_org("fish-shop", "retailer")

    def codes(handle: str, **query: str) -> list[str]:
        page = ok(registry.as_org(handle, "GET", "/v1/equipment", params=query), 200)
        return [e["code"] for e in page["equipment"]]

    assert codes("samr") == [code(1), code(2), code(3)]
    assert codes(MAINTAINER) == [code(1)]
    assert codes(OTHER_MAINTAINER) == [code(2), code(3)]
    assert codes(USER) == [code(1), code(2)]
    assert codes("fish-shop") == []
    assert codes("samr", maintainer=OTHER_MAINTAINER, user=USER) == [code(2)]
    refused(registry.as_org(MAINTAINER, "GET", f"/v1/equipment/{code(2)}"), 404)
    refused(registry.as_org("fish-shop", "GET", f"/v1/equipment/{code(1)}"), 404)
    refused(registry.as_org(OTHER_USER, "GET", f"/v1/equipment/{code(1)}/maintenance"), 404)
    refused(registry.as_org(OTHER_USER, "GET", f"/v1/equipment/{code(1)}/fault-reports"), 404)


def test_list_pages_by_code_without_repeats(registry: Api) -> None:
    for n in range(1, 6):
        register(registry, n)
    seen: list[str] = []
    cursor = None
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = ok(registry.as_org("samr", "GET", "/v1/equipment", params=query), 200)
        seen += [e["code"] for e in page["equipment"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [code(n) for n in range(1, 6)]
    refused(registry.as_org("samr", "GET", "/v1/equipment", params={"cursor": "!!"}), 422, "cursor")


def test_contracts_cover_the_elevator_without_a_gap(registry: Api) -> None:
    register(registry, 1)
    today = dt.date.today()
    path = f"/v1/equipment/{code(1)}/contracts"
    first = {
        "number": "WB-2026-001",
        "starts_on": str(today - dt.timedelta(days=300)),
        "ends_on": str(today + dt.timedelta(days=10)),
    }
    made = ok(registry.as_org(USER, "POST", path, json=first))
    assert made["maintainer"] == MAINTAINER
    assert (
        ok(registry.as_org("samr", "GET", f"/v1/equipment/{code(1)}"), 200)["contract_until"]
        == first["ends_on"]
    )
    renewal = {
        "number": "WB-2027-001",
        "starts_on": str(today + dt.timedelta(days=11)),
        "ends_on": str(today + dt.timedelta(days=400)),
    }
    ok(registry.as_org(MAINTAINER, "POST", path, json=renewal))
    detail = ok(registry.as_org("samr", "GET", f"/v1/equipment/{code(1)}"), 200)
    assert detail["contract_until"] == renewal["ends_on"]
    assert [c["number"] for c in detail["contracts"]] == ["WB-2027-001", "WB-2026-001"]
    assert len(_records(registry, "equipment.contract_recorded")) == 2

    refused(registry.as_org(OTHER_MAINTAINER, "POST", path, json=first), 404)
    reversed_term = {**first, "ends_on": str(today - dt.timedelta(days=301))}
    refused(registry.as_org(USER, "POST", path, json=reversed_term), 422, "ends_on")
    endless = {**first, "ends_on": "2099-01-01", "starts_on": "2026-01-01"}
    refused(registry.as_org(USER, "POST", path, json=endless), 422, "ends_on")


def test_inspections_are_regulators_and_the_latest_sets_the_validity(registry: Api) -> None:
    register(registry, 1)
    path = f"/v1/equipment/{code(1)}/inspections"
    today = dt.date.today()
    inspection = {
        "certificate_number": "DJ-2026-0042",
        "inspected_on": str(today),
        "valid_until": str(today + dt.timedelta(days=365)),
    }
    refused(registry.as_org(MAINTAINER, "POST", path, json=inspection), 403)
    ok(registry.as_org("samr", "POST", path, json=inspection))
    assert (
        ok(registry.as_org(USER, "GET", f"/v1/equipment/{code(1)}"), 200)["inspection_valid_until"]
        == inspection["valid_until"]
    )
    older = {
        **inspection,
        "inspected_on": str(today - dt.timedelta(days=400)),
        "valid_until": str(today - dt.timedelta(days=35)),
    }
    ok(registry.as_org("samr", "POST", path, json=older))
    detail = ok(registry.as_org(USER, "GET", f"/v1/equipment/{code(1)}"), 200)
    assert detail["inspection_valid_until"] == inspection["valid_until"]
    assert len(detail["inspections"]) == 2
    tomorrow = {**inspection, "inspected_on": str(today + dt.timedelta(days=2))}
    refused(registry.as_org("samr", "POST", path, json=tomorrow), 422, "inspected_on")


def test_qr_symbols_carry_the_public_page(registry: Api) -> None:
    register(registry, 1)
    public = f"{registry.services.settings.public_url}/e/{code(1)}"

    png = registry.client.get(f"/v1/equipment/{code(1)}/qr.png")
    assert png.status_code == 200
    assert png.headers["content-type"] == "image/png"
    [decoded] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    assert decoded.text == public
    svg = registry.client.get(f"/v1/equipment/{code(1)}/qr.svg")
    root = ET.fromstring(svg.content)
    assert root.find("{http://www.w3.org/2000/svg}title").text == public  # type: ignore[union-attr]
    refused(registry.client.get(f"/v1/equipment/{code(9)}/qr.png"), 404)


def test_equipment_facts_read_back_to_the_bytes_written(registry: Api) -> None:
    register(registry, 1)
    today = dt.date.today()
    contract = {"number": "WB-1", "starts_on": str(today), "ends_on": str(today + dt.timedelta(days=30))}
    ok(registry.as_org(USER, "POST", f"/v1/equipment/{code(1)}/contracts", json=contract))
    kinds = set()
    for _, body in registry.services.ledger.iter_records():
        record = record_from_bytes(body)
        model = EQUIPMENT_FACTS.get(record.kind)
        if model is None:
            continue
        fact = model.of(record)
        assert record.model_copy(update={"payload": fact.payload()}).canonical_bytes() == body
        kinds.add(record.kind)
    assert kinds == {"equipment.grid_defined", "equipment.registered", "equipment.contract_recorded"}
