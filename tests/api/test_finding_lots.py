"""Finding a lot: by when it was admitted or split off, by a GS1 Digital Link of it or of one of
its items (the lot the item is in now), whether a recall covers it; and the custody path its
trace gives."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from tests.api.conftest import Api, batch_payload
from trace_api.gs1 import DigitalLink, GS1Error, parse_digital_link

GTIN = "09506000134352"
L1, L2 = f"{GTIN}.L2026-001", f"{GTIN}.L2026-002"
L1A, L1B = f"{L1}A", f"{L1}B"


def _scan(api: Api, handle: str, **body: Any) -> dict[str, Any]:
    response = api.as_org(handle, "POST", "/v1/scans", json={"location": f"{handle} store", **body})
    assert response.status_code == 201, response.text
    return dict(response.json())


@pytest.fixture
def split_lots(api: Api) -> tuple[Api, list[str], dt.datetime]:
    """haixian admits L1 (three items) and L2; L1 goes to the wholesaler, who splits off L1A (with
    the first item) and L1B, ships L1A to the shop and, after the split, the rest of L1 to shop2.
    Returns the API, L1's item codes, and a time between L1's admission and L2's."""
    for handle, kind in (
        ("haixian", "importer"),
        ("wholesale", "wholesaler"),
        ("shop", "retailer"),
        ("shop2", "retailer"),
        ("stranger", "retailer"),
    ):
        api.add_org(handle, kind)
    assert api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian")).status_code == 201
    codes = api.as_org("haixian", "POST", f"/v1/batches/{L1}/codes", json={"count": 3}).json()["codes"]
    between = dt.datetime.now(dt.UTC)
    second = batch_payload(api, "haixian", lot="L2026-002")
    assert api.as_org("haixian", "POST", "/v1/batches", json=second).status_code == 201
    _scan(api, "haixian", action="ship", batch_id=L1, counterparty="wholesale")
    _scan(api, "wholesale", action="receive", batch_id=L1)
    children = [
        {"lot": "L2026-001A", "quantity": 600, "codes": [codes[0]]},
        {"lot": "L2026-001B", "quantity": 100},
    ]
    _scan(api, "wholesale", action="split", batch_id=L1, children=children)
    _scan(api, "wholesale", action="ship", batch_id=L1A, counterparty="shop")
    _scan(api, "shop", action="receive", batch_id=L1A)
    _scan(api, "wholesale", action="ship", batch_id=L1, counterparty="shop2")
    return api, codes, between


def _ids(api: Api, handle: str = "samr", **params: Any) -> list[str]:
    response = api.as_org(handle, "GET", "/v1/batches", params=params)
    assert response.status_code == 200, response.text
    return [b["id"] for b in response.json()["batches"]]


def _problem(response: Any) -> tuple[int, list[str]]:
    assert response.headers["content-type"] == "application/problem+json"
    return response.status_code, [e["field"] for e in response.json()["errors"]]


def test_batch_list_finds_lots_admitted_since_a_time_and_split_ones(
    split_lots: tuple[Api, list[str], dt.datetime],
) -> None:
    api, _, between = split_lots
    in_china = between.astimezone(dt.timezone(dt.timedelta(hours=8))).isoformat()

    assert _ids(api, since=between.isoformat()) == [L1B, L1A, L2]
    assert _ids(api, since=in_china) == [L1B, L1A, L2]  # the same instant in another zone
    assert _ids(api, since=in_china, split="false") == [L2]
    assert _ids(api, split="true") == [L1B, L1A]
    assert _ids(api, split="false") == [L2, L1]
    assert _ids(api, since=(dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()) == []
    naive = api.as_org("samr", "GET", "/v1/batches", params={"since": "2026-12-04T08:00:00"})
    assert _problem(naive) == (422, ["query.since"])
    far = api.as_org("samr", "GET", "/v1/batches", params={"since": "0001-01-01T00:00:00+08:00"})
    assert _problem(far) == (422, ["since"])


def test_batch_list_finds_the_lot_an_item_is_in_now_by_its_digital_link(
    split_lots: tuple[Api, list[str], dt.datetime],
) -> None:
    api, codes, _ = split_lots
    resolver = api.services.settings.public_url.rstrip("/")

    assert _ids(api, code=codes[0]) == [L1A]  # split off with the item: its code still says L2026-001
    assert _ids(api, code=codes[1]) == [L1]
    assert _ids(api, code=f"{codes[1]}?linkType=gs1:pip") == [L1]
    assert _ids(api, code=f"{resolver}/01/{GTIN}/10/L2026-002") == [L2]
    assert _ids(api, code=f"https://id.gs1.org/01/{GTIN[1:]}") == [L1B, L1A, L2, L1]  # a GTIN-13 too
    assert _ids(api, code=f"{resolver}/01/{GTIN}/10/L2026-001/21/NEVERISSUED") == []
    assert _ids(api, "shop", code=codes[0]) == [L1A]  # the holder
    assert _ids(api, "haixian", code=codes[0]) == [L1A]  # the importer
    assert _ids(api, "stranger", code=codes[0]) == []
    for bad in ("http://example.com/not-a-code", f"{resolver}/01/{GTIN[:-1]}3/10/L1", "L2026-001"):
        response = api.as_org("samr", "GET", "/v1/batches", params={"code": bad})
        assert _problem(response) == (422, ["code"]), bad
        assert response.json()["errors"][0]["reason"].startswith("not a GS1 Digital Link")


def test_batch_list_says_a_lot_split_from_a_recalled_one_is_under_recall(
    split_lots: tuple[Api, list[str], dt.datetime],
) -> None:
    api, _, _ = split_lots
    recall = {"batch_id": L1, "reason": "Vibrio found", "recall_class": "I"}
    assert api.as_org("samr", "POST", "/v1/recalls", json=recall).status_code == 201

    lots = api.as_org("samr", "GET", "/v1/batches").json()["batches"]

    assert [(b["id"], b["recalled"], b["under_recall"]) for b in lots] == [
        (L1B, False, True),
        (L1A, False, True),
        (L2, False, False),
        (L1, True, True),
    ]


def test_trace_gives_the_custody_path_that_brought_the_goods_to_a_lot(
    split_lots: tuple[Api, list[str], dt.datetime],
) -> None:
    api, _, _ = split_lots

    def path(batch_id: str) -> list[tuple[Any, ...]]:
        response = api.as_org("samr", "GET", f"/v1/trace/{batch_id}")
        assert response.status_code == 200, response.text
        return [(s["step"], s["lot"], s["from"], s["to"]) for s in response.json()["custody"]]

    assert path(L1A) == [
        ("admitted", "L2026-001", None, "haixian"),
        ("shipped", "L2026-001", "haixian", "wholesale"),
        ("split", "L2026-001A", None, "wholesale"),
        ("shipped", "L2026-001A", "wholesale", "shop"),
    ]  # not the rest of L1's later shipment to shop2: other goods
    assert path(L1) == [
        ("admitted", "L2026-001", None, "haixian"),
        ("shipped", "L2026-001", "haixian", "wholesale"),
        ("shipped", "L2026-001", "wholesale", "shop2"),
    ]
    steps = api.as_org("samr", "GET", f"/v1/trace/{L1A}").json()["custody"]
    assert steps[0]["record_id"] == f"batch:{L1}:admitted"
    assert steps[3]["received_at"] is not None
    assert steps[3]["receive_record_id"].startswith("scan:")


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("https://example.com/01/09506000134352/10/L2026-001/21/123", DigitalLink(GTIN, "L2026-001", "123")),
        (" http://host:8000/01/9506000134352/10/L1 ", DigitalLink(GTIN, "L1")),
        ("https://brand.example/products/01/09506000134352", DigitalLink(GTIN)),
        (
            "https://example.com/01/09506000134352/22/2A/10/A%2FB/21/S%211?x=1#f",
            DigitalLink(GTIN, "A/B", "S!1"),
        ),
        ("https://example.com/shop/01/09506000134352/10/01", DigitalLink(GTIN, "01")),
    ],
)
def test_digital_link_names_a_gtin_and_maybe_a_lot_and_serial(uri: str, expected: DigitalLink) -> None:
    assert parse_digital_link(uri) == expected


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        ("/01/09506000134352/10/L1", "http:// or https://"),
        ("ftp://example.com/01/09506000134352", "http:// or https://"),
        ("https://example.com/product/123", "/01/{gtin}"),
        ("https://example.com/01/09506000134353/10/L1", "check digit"),
        ("https://example.com/01/09506000134352/21/S1/10/L1", "in the order 22, 10, 21"),
        ("https://example.com/01/09506000134352/17/261231", "AI (17)"),
        ("https://example.com/01/09506000134352/10/" + "L" * 21, "1 to 20 characters"),
        ("http://[::1/01/09506000134352", "not a URI"),
    ],
)
def test_digital_link_refuses_what_is_not_one(uri: str, reason: str) -> None:
    with pytest.raises(GS1Error, match=re.escape(reason)):
        parse_digital_link(uri)
