"""Positions of organisations and devices (WGS-84, an address), each change a ledger record, and the
regulators' map of them: ``GET /v1/sites`` with every positioned site's open alerts."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api, make_uscc
from tests.api.test_devices import COLD_STORE, Feed, add_device, assert_problem
from trace_api.facts import DevicePositioned, OrgPositioned

#: Yangshan deep-water port, Jiangqiao (Jiading) and Xuhui, Shanghai.
YANGSHAN = {"latitude": 30.6253, "longitude": 122.0653, "address": "洋山深水港 Yangshan port"}
JIANGQIAO = {"latitude": 31.2480, "longitude": 121.3270}
XUHUI = {"latitude": 31.1880, "longitude": 121.4370, "address": "徐汇区漕溪北路 1 号"}


@pytest.fixture
def placed(api: Api) -> Api:
    """Importer ``haixian`` admitted at Yangshan, wholesaler ``shichang`` positioned afterwards at
    Jiangqiao, retailer ``shop`` without a position."""
    admitted = _admit(api, "haixian", "importer", YANGSHAN)
    assert admitted.status_code == 201, admitted.text
    api.keys["haixian"] = admitted.json()["api_key"]
    api.add_org("shichang", "wholesaler")
    api.add_org("shop", "retailer")
    moved = api.as_org("shichang", "PUT", "/v1/organisations/shichang/position", json=JIANGQIAO)
    assert moved.status_code == 200, moved.text
    return api


def _admit(api: Api, handle: str, kind: str, position: dict[str, Any]) -> Any:
    body = {
        "handle": handle,
        "name": f"{handle} Co.",
        "org_type": kind,
        "uscc": make_uscc(),
        "jurisdiction": "Shanghai",
        "position": position,
    }
    return api.as_org("samr", "POST", "/v1/organisations", json=body)


def _sites(api: Api, handle: str = "samr", **params: Any) -> dict[str, Any]:
    response = api.as_org(handle, "GET", "/v1/sites", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


# -- positions ----------------------------------------------------------------------------------------


def test_admission_with_a_position_places_the_organisation_and_records_who_said_so(placed: Api) -> None:
    me = placed.as_org("haixian", "GET", "/v1/organisations/me").json()

    assert me["position"] == YANGSHAN
    (record,) = [
        r.record() for r in placed.services.ledger.about("org", me["uscc"]) if r.kind != "org.admitted"
    ]
    assert record.kind == OrgPositioned.KIND
    assert record.payload == {"handle": "haixian", **YANGSHAN}
    regulator = placed.as_org("samr", "GET", "/v1/organisations/me").json()
    assert record.actor.org == regulator["uscc"]
    shop = placed.as_org("shop", "GET", "/v1/organisations/me").json()
    assert shop["position"] is None


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"latitude": 91}, "latitude", "less than or equal to 90"),
        ({"latitude": -90.5}, "latitude", "greater than or equal to -90"),
        ({"longitude": 181}, "longitude", "less than or equal to 180"),
        ({"longitude": "east"}, "longitude", "valid number"),
        ({"address": "line\x00two"}, "address", "control character"),
        ({"address": ""}, "address", "at least 1"),
        ({"altitude": 4}, "altitude", "not permitted"),
    ],
    ids=["lat-91", "lat-below", "lon-181", "lon-text", "address-control", "address-empty", "unknown"],
)
def test_position_out_of_range_is_refused_naming_the_field(
    placed: Api, change: dict[str, Any], field: str, reason: str
) -> None:
    position = {**XUHUI, **change}
    admitted = _admit(placed, "haiyang", "importer", position)
    moved = placed.as_org("samr", "PUT", "/v1/organisations/haixian/position", json=position)

    for response, where in ((admitted, f"position.{field}"), (moved, field)):
        problem = assert_problem(response, 422)
        assert [e["field"] for e in problem["errors"]] == [where]
        assert reason in problem["errors"][0]["reason"]
    assert (
        placed.as_org("samr", "GET", "/v1/organisations", params={"name": "haiyang"}).json()["organisations"]
        == []
    )
    assert placed.as_org("haixian", "GET", "/v1/organisations/me").json()["position"] == YANGSHAN


def test_an_organisation_positions_itself_and_a_regulator_any_but_no_one_else(placed: Api) -> None:
    own = placed.as_org("shop", "PUT", "/v1/organisations/shop/position", json=XUHUI)
    other = placed.as_org("shop", "PUT", "/v1/organisations/haixian/position", json=XUHUI)
    unknown_by_member = placed.as_org("shop", "PUT", "/v1/organisations/nobody/position", json=XUHUI)
    by_regulator = placed.as_org("samr", "PUT", "/v1/organisations/shichang/position", json=XUHUI)
    unknown = placed.as_org("samr", "PUT", "/v1/organisations/nobody/position", json=XUHUI)
    anonymous = placed.client.put("/v1/organisations/shop/position", json=XUHUI)
    device_key = placed.as_org("shop", "POST", "/v1/organisations/me/keys", params={"kind": "device"})
    by_device = placed.client.put(
        "/v1/organisations/shop/position",
        json=YANGSHAN,
        headers={"Authorization": f"Bearer {device_key.json()['api_key']}"},
    )

    assert (own.status_code, own.json()["position"]) == (200, XUHUI)
    assert by_regulator.json()["position"] == XUHUI
    assert_problem(other, 403)
    assert_problem(unknown_by_member, 403)  # a member learns nothing of other handles
    assert_problem(unknown, 404)
    assert_problem(anonymous, 401)
    assert_problem(by_device, 403)
    assert placed.as_org("haixian", "GET", "/v1/organisations/me").json()["position"] == YANGSHAN
    shop = placed.as_org("shop", "GET", "/v1/organisations/me").json()
    positioned = [
        r for r in placed.services.ledger.about("org", shop["uscc"]) if r.kind == OrgPositioned.KIND
    ]
    assert [r.record().payload for r in positioned] == [{"handle": "shop", **XUHUI}]


def test_device_position_is_set_by_its_organisation_for_a_device_at_a_location_only(placed: Api) -> None:
    added = add_device(placed, "haixian", {**COLD_STORE, "position": YANGSHAN})
    vehicle = {"name": "truck-7", "kinds": ["temperature"], "vehicle": "沪A12345"}
    on_vehicle = placed.as_org("haixian", "POST", "/v1/devices", json={**vehicle, "position": XUHUI})
    add_device(placed, "haixian", vehicle)
    moved = placed.as_org("haixian", "PUT", "/v1/devices/cs-01/position", json=JIANGQIAO)
    truck = placed.as_org("haixian", "PUT", "/v1/devices/truck-7/position", json=XUHUI)
    not_theirs = placed.as_org("shichang", "PUT", "/v1/devices/cs-01/position", json=XUHUI)
    out_of_range = placed.as_org("haixian", "PUT", "/v1/devices/cs-01/position", json={"latitude": 91})

    assert added["device"]["position"] == YANGSHAN
    problem = assert_problem(on_vehicle, 422)
    assert [e["field"] for e in problem["errors"]] == ["position"]
    assert moved.status_code == 200, moved.text
    assert moved.json()["position"] == {**JIANGQIAO, "address": None}
    assert_problem(truck, 409)
    assert_problem(not_theirs, 404)
    assert {e["field"] for e in assert_problem(out_of_range, 422)["errors"]} == {"latitude", "longitude"}
    records = [r.record() for r in placed.services.ledger.about("device", "haixian/cs-01")]
    assert [(r.kind, r.payload) for r in records] == [
        (DevicePositioned.KIND, {"device": "haixian/cs-01", "organisation": "haixian", **YANGSHAN}),
        (DevicePositioned.KIND, {"device": "haixian/cs-01", "organisation": "haixian", **JIANGQIAO}),
    ]


# -- the sites --------------------------------------------------------------------------------------


def test_sites_lists_every_positioned_site_with_its_open_alerts(placed: Api) -> None:
    add_device(placed, "haixian", {**COLD_STORE, "position": XUHUI})
    add_device(placed, "haixian", {**COLD_STORE, "name": "cs-02"})  # no position: not a site
    feed = Feed(placed, "haixian/cs-01")
    feed.celsius(-5.0, seconds_ago=700)
    feed.celsius(-4.0, seconds_ago=100)

    sites = _sites(placed)

    assert sites["next_cursor"] is None
    assert [(s["id"], s["kind"], s["org"], s["open_alerts"]) for s in sites["sites"]] == [
        ("org:haixian", "importer", "haixian", 1),
        ("org:shichang", "wholesaler", "shichang", 0),
        ("device:haixian:cs-01", "cold_store", "haixian", 1),
    ]
    haixian, shichang, store = sites["sites"]
    assert haixian == {
        "id": "org:haixian",
        "source": "organisation",
        "kind": "importer",
        "org": "haixian",
        "org_name": "haixian Co.",
        "name": "haixian Co.",
        "place": None,
        **YANGSHAN,
        "open_alerts": 1,
        "open_by_kind": {"temperature": 1, "door_open": 0, "silent": 0, "kitchen_incident": 0},
    }
    assert (shichang["latitude"], shichang["longitude"], shichang["address"]) == (31.248, 121.327, None)
    assert (store["name"], store["place"]) == ("cs-01", COLD_STORE["location"])
    assert store["address"] == XUHUI["address"]
    alerting = _sites(placed, alerting=True)["sites"]
    assert [s["id"] for s in alerting] == ["org:haixian", "device:haixian:cs-01"]


def test_sites_page_through_organisations_then_devices(placed: Api) -> None:
    add_device(placed, "haixian", {**COLD_STORE, "position": XUHUI})
    add_device(placed, "shichang", {**COLD_STORE, "position": JIANGQIAO})

    seen, cursor, pages = [], None, 0
    while True:
        page = _sites(placed, limit=2, **({"cursor": cursor} if cursor else {}))
        seen += [s["id"] for s in page["sites"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == ["org:haixian", "org:shichang", "device:haixian:cs-01", "device:shichang:cs-01"]
    assert pages == 2
    bad = placed.as_org("samr", "GET", "/v1/sites", params={"cursor": "bm90LWEtc2l0ZQ"})
    assert [e["field"] for e in assert_problem(bad, 422)["errors"]] == ["cursor"]


def test_site_detail_lists_its_open_alerts_and_retired_devices_leave_the_map(placed: Api) -> None:
    add_device(placed, "haixian", {**COLD_STORE, "position": XUHUI})
    feed = Feed(placed, "haixian/cs-01")
    feed.celsius(-5.0, seconds_ago=700)
    feed.celsius(-4.0, seconds_ago=100)

    org = placed.as_org("samr", "GET", "/v1/sites/org:haixian")
    device = placed.as_org("samr", "GET", "/v1/sites/device:haixian:cs-01")
    quiet = placed.as_org("samr", "GET", "/v1/sites/org:shichang")
    unplaced = placed.as_org("samr", "GET", "/v1/sites/org:shop")
    nonsense = placed.as_org("samr", "GET", "/v1/sites/device:haixian")

    assert org.status_code == 200, org.text
    (alert,) = org.json()["alerts"]
    assert (alert["kind"], alert["device"]) == ("temperature", "haixian/cs-01")
    assert device.json()["alerts"] == org.json()["alerts"]
    assert quiet.json()["alerts"] == []
    assert_problem(unplaced, 404)
    assert_problem(nonsense, 404)
    assert placed.as_org("haixian", "POST", "/v1/devices/cs-01/retire").status_code == 200
    assert [s["id"] for s in _sites(placed)["sites"]] == ["org:haixian", "org:shichang"]
    assert_problem(placed.as_org("samr", "GET", "/v1/sites/device:haixian:cs-01"), 404)


def test_sites_are_for_regulators_only(placed: Api) -> None:
    for response in (
        placed.as_org("haixian", "GET", "/v1/sites"),
        placed.as_org("haixian", "GET", "/v1/sites/org:haixian"),
    ):
        assert_problem(response, 403)
    assert_problem(placed.client.get("/v1/sites"), 401)
