"""The lists a member starts from: its lots, the recalls that concern it, the network's members."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api, batch_payload, make_uscc

GTIN = "09506000134352"
L1, L2, L3 = (f"{GTIN}.L2026-00{i}" for i in (1, 2, 3))


def _scan(api: Api, handle: str, **body: Any) -> None:
    response = api.as_org(handle, "POST", "/v1/scans", json={"location": "Shanghai", **body})
    assert response.status_code == 201, response.text


@pytest.fixture
def lots(api: Api) -> Api:
    """haixian admits three lots: L1 is on its way to the wholesaler, L2 arrived there, L3 stays."""
    for handle, kind in (("haixian", "importer"), ("wholesale", "wholesaler"), ("shop", "retailer")):
        api.add_org(handle, kind)
    for lot in ("L2026-001", "L2026-002", "L2026-003"):
        admitted = api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian", lot=lot))
        assert admitted.status_code == 201, admitted.text
    _scan(api, "haixian", action="ship", batch_id=L1, counterparty="wholesale")
    _scan(api, "haixian", action="ship", batch_id=L2, counterparty="wholesale")
    _scan(api, "wholesale", action="receive", batch_id=L2)
    return api


def _ids(api: Api, handle: str, query: str = "") -> list[str]:
    response = api.as_org(handle, "GET", f"/v1/batches{query}")
    assert response.status_code == 200, response.text
    return [b["id"] for b in response.json()["batches"]]


def _problem(response: Any) -> tuple[int, list[str]]:
    assert response.headers["content-type"] == "application/problem+json"
    return response.status_code, [e["field"] for e in response.json()["errors"]]


def test_batch_list_shows_a_member_its_own_lots_by_role(lots: Api) -> None:
    api = lots

    incoming = api.as_org("wholesale", "GET", "/v1/batches?role=incoming").json()["batches"]

    assert [(b["id"], b["in_transit"], b["holder"], b["importer"]) for b in incoming] == [
        (L1, True, "wholesale", "haixian")
    ]
    assert _ids(api, "wholesale", "?role=holder") == [L2]
    assert _ids(api, "wholesale") == [L2, L1]
    assert _ids(api, "haixian", "?role=holder") == [L3]
    assert _ids(api, "haixian", "?role=admitted") == [L3, L2, L1]
    assert _ids(api, "shop") == []
    assert api.as_org("shop", "GET", "/v1/batches?org=haixian").status_code == 403
    assert api.as_org("shop", "GET", f"/v1/batches?gtin={GTIN}").json()["batches"] == []


def test_batch_list_lets_a_regulator_search_by_gtin_lot_and_organisation(lots: Api) -> None:
    api = lots

    assert _ids(api, "samr", f"?gtin={GTIN}") == [L3, L2, L1]
    assert _ids(api, "samr", f"?gtin={GTIN[1:]}&lot=L2026-002") == [L2]  # a GTIN-13 is the same GTIN
    assert _ids(api, "samr", "?org=wholesale&role=incoming") == [L1]
    assert _ids(api, "samr", "?org=haixian") == [L3, L2, L1]
    assert _ids(api, "samr", "?role=incoming") == [L1]
    assert _ids(api, "samr", "?recalled=true") == []
    assert _problem(api.as_org("samr", "GET", "/v1/batches?gtin=09506000134353")) == (422, ["gtin"])
    assert _problem(api.as_org("samr", "GET", "/v1/batches?org=nobody")) == (422, ["org"])
    assert _problem(api.as_org("samr", "GET", "/v1/batches?role=owner")) == (422, ["query.role"])


def test_batch_list_pages_with_an_opaque_cursor(lots: Api) -> None:
    api = lots

    first = api.as_org("samr", "GET", "/v1/batches?limit=2").json()
    second = api.as_org("samr", "GET", "/v1/batches", params={"limit": 2, "cursor": first["next_cursor"]})

    assert [b["id"] for b in first["batches"]] == [L3, L2]
    assert [b["id"] for b in second.json()["batches"]] == [L1]
    assert second.json()["next_cursor"] is None
    assert _problem(api.as_org("samr", "GET", "/v1/batches?limit=201")) == (422, ["query.limit"])
    assert _problem(api.as_org("samr", "GET", "/v1/batches?cursor=bm90LWEtbG90")) == (422, ["cursor"])
    assert _problem(api.as_org("samr", "GET", "/v1/batches?cursor=%FF")) == (422, ["cursor"])


def test_recall_list_shows_a_holder_the_recalls_that_concern_it(lots: Api) -> None:
    api = lots
    recall = api.as_org(
        "samr", "POST", "/v1/recalls", json={"batch_id": L2, "reason": "Vibrio found", "recall_class": "I"}
    ).json()

    held = api.as_org("wholesale", "GET", "/v1/recalls").json()
    other = api.as_org("haixian", "GET", "/v1/recalls").json()
    active = api.as_org("samr", "GET", "/v1/recalls?status=active").json()
    lifted = api.as_org("samr", "GET", "/v1/recalls?status=lifted").json()
    of_l1 = api.as_org("samr", "GET", f"/v1/recalls?batch_id={L1}").json()

    assert [(r["id"], r["status"], r["scope"]) for r in held["recalls"]] == [(recall["id"], "active", [L2])]
    assert [n["org"] for n in held["recalls"][0]["notices"]] == ["wholesale"]
    assert held["recalls"][0]["notices"][0]["batch_ids"] == [L2]
    assert other["recalls"] == []
    assert [r["id"] for r in active["recalls"]] == [recall["id"]]
    assert active["recalls"][0]["progress"]["quantity"] == 1200
    assert lifted["recalls"] == []
    assert of_l1["recalls"] == []
    assert _problem(api.as_org("samr", "GET", "/v1/recalls?status=done")) == (422, ["query.status"])
    assert _problem(api.as_org("samr", "GET", "/v1/recalls?cursor=eA")) == (422, ["cursor"])


def test_organisation_list_finds_members_by_name_type_and_code(lots: Api) -> None:
    api = lots
    uscc = make_uscc()
    data = {
        "handle": "donghai",
        "name": "上海东海冷链物流有限公司",
        "org_type": "wholesaler",
        "uscc": uscc,
        "jurisdiction": "Shanghai",
    }
    assert api.client.post("/v1/organisations", json=data, headers=api.headers("samr")).status_code == 201

    def handles(query: str, handle: str = "shop") -> list[str]:
        response = api.as_org(handle, "GET", f"/v1/organisations{query}")
        assert response.status_code == 200, response.text
        return [o["handle"] for o in response.json()["organisations"]]

    assert handles("?name=冷链") == ["donghai"]
    assert handles("?name=SALE CO") == ["wholesale"]
    assert handles("?name=%25") == []  # a literal percent sign, not a wildcard
    assert handles("?type=wholesaler", "samr") == ["donghai", "wholesale"]
    assert handles(f"?uscc={uscc.lower()}") == ["donghai"]
    page = api.as_org("shop", "GET", "/v1/organisations?limit=2").json()
    rest = api.as_org("shop", "GET", "/v1/organisations", params={"cursor": page["next_cursor"]}).json()
    assert [o["handle"] for o in page["organisations"] + rest["organisations"]] == [
        "donghai",
        "haixian",
        "samr",
        "shop",
        "wholesale",
    ]
    assert _problem(api.as_org("shop", "GET", "/v1/organisations?type=bank")) == (422, ["query.type"])
    assert _problem(api.as_org("shop", "GET", "/v1/organisations?uscc=91310000MA0000001X")) == (422, ["uscc"])
    assert api.client.get("/v1/organisations").status_code == 401
