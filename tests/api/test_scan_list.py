"""``GET /v1/scans``: the scans recorded, newest first, paged: a regulator's all, a member's own."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.api.conftest import Api, batch_payload

GTIN = "09506000134352"
L1, L1A = f"{GTIN}.L2026-001", f"{GTIN}.L2026-001A"


def _scan(api: Api, handle: str, **body: Any) -> str:
    response = api.as_org(handle, "POST", "/v1/scans", json={"location": f"{handle} store", **body})
    assert response.status_code == 201, response.text
    return str(response.json()["record_id"])


@pytest.fixture
def scanned(api: Api) -> tuple[Api, dict[str, str], str]:
    """L1 shipped to and received by the wholesaler, who splits off L1A and ships it to the shop,
    who receives it and sells an item. Returns the API, each scan's record id, the item code."""
    for handle, kind in (("haixian", "importer"), ("wholesale", "wholesaler"), ("shop", "retailer")):
        api.add_org(handle, kind)
    assert api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian")).status_code == 201
    [code] = api.as_org("haixian", "POST", f"/v1/batches/{L1}/codes", json={"count": 1}).json()["codes"]
    records = {
        "ship": _scan(api, "haixian", action="ship", batch_id=L1, counterparty="wholesale"),
        "receive": _scan(api, "wholesale", action="receive", batch_id=L1),
        "split": _scan(
            api,
            "wholesale",
            action="split",
            batch_id=L1,
            children=[{"lot": "L2026-001A", "quantity": 100, "codes": [code]}],
        ),
        "ship A": _scan(api, "wholesale", action="ship", batch_id=L1A, counterparty="shop"),
        "receive A": _scan(api, "shop", action="receive", batch_id=L1A),
        "sell": _scan(api, "shop", action="sell", code=code),
    }
    return api, records, code


def _scans(api: Api, handle: str = "samr", **params: Any) -> dict[str, Any]:
    response = api.as_org(handle, "GET", "/v1/scans", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _records(api: Api, handle: str = "samr", **params: Any) -> list[str]:
    return [s["record_id"] for s in _scans(api, handle, **params)["scans"]]


def test_scan_list_shows_a_regulator_every_scan_newest_first_with_its_parties(
    scanned: tuple[Api, dict[str, str], str],
) -> None:
    api, records, code = scanned

    scans = _scans(api)["scans"]

    assert [s["record_id"] for s in scans] == list(reversed(records.values()))
    assert [(s["action"], s["lot"], s["from"], s["to"], s["location"]) for s in scans] == [
        ("sell", "L2026-001A", "shop", None, "shop store"),
        ("receive", "L2026-001A", "wholesale", "shop", "shop store"),
        ("ship", "L2026-001A", "wholesale", "shop", "wholesale store"),
        ("split", "L2026-001", "wholesale", None, "wholesale store"),
        ("receive", "L2026-001", "haixian", "wholesale", "wholesale store"),
        ("ship", "L2026-001", "haixian", "wholesale", "haixian store"),
    ]
    assert scans[0]["code"] == code
    assert scans[3]["children"] == [L1A]
    assert scans[0]["kind"] == "scan.sell"
    assert scans[0]["product_name"] == "Frozen white shrimp 冻南美白对虾"
    assert dt.datetime.fromisoformat(scans[0]["recorded_at"]) >= dt.datetime.fromisoformat(scans[-1]["time"])
    assert scans[0]["index"] > scans[1]["index"]


def test_scan_list_filters_by_action_time_recorded_and_lot(scanned: tuple[Api, dict[str, str], str]) -> None:
    api, records, _ = scanned
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)).isoformat()
    earlier = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).astimezone(dt.timezone(dt.timedelta(hours=8)))

    assert _records(api, action="ship") == [records["ship A"], records["ship"]]
    assert _records(api, action="receive", since=earlier.isoformat()) == [
        records["receive A"],
        records["receive"],
    ]
    assert _records(api, since=later) == []
    assert _records(api, batch_id=L1A) == [
        records["sell"],
        records["receive A"],
        records["ship A"],
        records["split"],
    ]
    assert _records(api, batch_id=L1A, action="split") == [records["split"]]  # the split that made it


def test_scan_list_pages_with_an_opaque_cursor(scanned: tuple[Api, dict[str, str], str]) -> None:
    api, records, _ = scanned
    seen: list[str] = []
    cursor = None
    for _ in range(4):
        page = _scans(api, limit=4, **({"cursor": cursor} if cursor else {}))
        seen += [s["record_id"] for s in page["scans"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    of_lot = _scans(api, batch_id=L1A, limit=3)
    rest = _scans(api, batch_id=L1A, limit=3, cursor=of_lot["next_cursor"])

    assert seen == list(reversed(records.values()))
    assert [s["record_id"] for s in of_lot["scans"] + rest["scans"]] == _records(api, batch_id=L1A)
    assert rest["next_cursor"] is None
    for cursor in ("bm90LWEtbG90", "OTk5OTk5", "MA", "%FF"):  # not-a-lot, 999999, 0 (the admission), junk
        response = api.as_org("samr", "GET", "/v1/scans", params={"cursor": cursor})
        assert response.status_code == 422, cursor
        assert [e["field"] for e in response.json()["errors"]] == ["cursor"]


def test_scan_list_shows_a_member_only_the_scans_it_made(scanned: tuple[Api, dict[str, str], str]) -> None:
    api, records, _ = scanned

    assert _records(api, "shop") == [records["sell"], records["receive A"]]
    assert _records(api, "haixian", batch_id=L1A) == []
    assert _records(api, "wholesale", action="ship") == [records["ship A"]]
    assert api.client.get("/v1/scans").status_code == 401
    bad = api.as_org("samr", "GET", "/v1/scans", params={"action": "steal", "since": "yesterday"})
    assert bad.status_code == 422
    assert sorted(e["field"] for e in bad.json()["errors"]) == ["query.action", "query.since"]
