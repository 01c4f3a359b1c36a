"""``POST /v1/scans:batch``: a scanner's queue synced, each scan recorded or refused exactly once,
counted in the ledger and in the regulators' signals, not only in the answer."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import Session, select

from evidence import leaf_hash, root_from_leaf_hashes
from tests.api.conftest import Api, batch_payload
from trace_api.gs1 import ItemCode as Code
from trace_api.scans.batch import MAX_SCAN_BATCH
from trace_api.scans.models import ScanOutcome

BATCH = "09506000134352.L2026-001"
OTHER_BATCH = "09506000134352.L9"
TILL_1, TILL_2 = "Jing'an store, till 1", "Pudong store, till 2"


@dataclass
class Shop:
    """The API with a shop holding a lot whose item codes it sells (``codes``, taken in order)."""

    api: Api
    codes: Iterator[str]
    #: An item of a lot the importer keeps: never in the shop's custody.
    kept: str

    def issued(self, count: int) -> list[str]:
        return [next(self.codes) for _ in range(count)]


@pytest.fixture
def shop(api: Api) -> Shop:
    """An importer's lot with item codes, received by the shop; another lot the importer keeps."""
    for handle, kind in (("haixian", "importer"), ("shop", "retailer"), ("shop2", "retailer")):
        api.add_org(handle, kind)
    for lot in ("L2026-001", "L9"):
        admitted = api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian", lot=lot))
        assert admitted.status_code == 201, admitted.text
    codes, kept = _issue(api, 10), _issue(api, 1, OTHER_BATCH)
    assert _post(api, "haixian", action="ship", batch_id=BATCH, counterparty="shop").status_code == 201
    assert _post(api, "shop", action="receive", batch_id=BATCH).status_code == 201
    return Shop(api, iter(codes), kept[0])


def _post(api: Api, handle: str, **scan: Any) -> Any:
    return api.as_org(handle, "POST", "/v1/scans", json={"location": TILL_1, **scan})


def _issue(api: Api, count: int, batch_id: str = BATCH) -> list[str]:
    response = api.as_org("haixian", "POST", f"/v1/batches/{batch_id}/codes", json={"count": count})
    assert response.status_code == 201, response.text
    return list(response.json()["codes"])


def _sale(code: str, *, time: str = "2026-11-27T10:00:00+08:00", location: str = TILL_1) -> dict[str, Any]:
    return {"scan_id": str(uuid.uuid4()), "action": "sell", "code": code, "location": location, "time": time}


def _sync(api: Api, handle: str, scans: list[Any]) -> dict[str, Any]:
    response = api.as_org(handle, "POST", "/v1/scans:batch", json={"scans": scans})
    assert response.status_code == 200, response.text
    return dict(response.json())


def _signals(api: Api) -> list[str]:
    response = api.as_org("samr", "GET", "/v1/signals", params={"limit": 200})
    assert response.status_code == 200, response.text
    return sorted(s["reason"] for s in response.json()["signals"])


def _mixed_batch(shop: Shop) -> list[Any]:
    """Two sales and a double beep at the till, and each way a scan is refused."""
    api, codes, kept = shop.api, shop.issued(2), shop.kept
    made_up = Code("09506000134352", "L2026-001", "MADEUPMADEUP01").uri(api.services.settings.public_url)
    foreign = "https://id.other-network.example/01/09506000134352/10/EXT-7/21/X1"
    no_id = _sale(codes[1])
    del no_id["scan_id"]
    return [
        _sale(codes[0]),  # 0 recorded
        _sale(made_up),  # 1 code never issued
        _sale(kept),  # 2 not the shop's custody
        _sale("https://example.com/not-a-digital-link"),  # 3 malformed
        _sale(foreign),  # 4 another network's code
        _sale(codes[0], time="2026-11-27T11:30:00+08:00", location=TILL_2),  # 5 sold twice
        no_id,  # 6 no scan_id
        _sale(codes[1]),  # 7 recorded
        _sale(codes[1], time="2026-11-27T10:02:00+08:00"),  # 8 the same till's double beep
    ]


def _outcome(result: dict[str, Any]) -> tuple[str, str | None, list[str]]:
    problem = result.get("problem") or {}
    return result["status"], problem.get("reason"), [e["field"] for e in problem.get("errors", [])]


def test_batch_records_and_refuses_each_scan_on_its_own(shop: Shop) -> None:
    api = shop.api
    scans = _mixed_batch(shop)
    size = api.services.ledger.size()

    answer = _sync(api, "shop", scans)

    results = answer["results"]
    assert [r["scan_id"] for r in results] == [s.get("scan_id") for s in scans]
    assert [_outcome(r) for r in results] == [
        ("recorded", None, []),
        ("refused", "code_never_issued", []),
        ("refused", "off_custody_path", []),
        ("refused", None, ["scans[3].code"]),
        ("refused", "other_network", ["scans[4].code"]),
        ("refused", "sold_twice", []),
        ("refused", None, ["scans[6].scan_id"]),
        ("recorded", None, []),
        ("recorded", None, []),
    ]
    assert "another network" in results[4]["problem"]["detail"]
    assert [r["problem"]["status"] for r in results if r["status"] == "refused"] == [
        409,
        409,
        422,
        422,
        409,
        422,
    ]
    assert [r["duplicate"] for r in results] == [False] * 8 + [True]
    assert results[8]["record_id"] == results[7]["record_id"]  # the double beep is the first sale
    assert (answer["recorded"], answer["refused"], answer["duplicates"]) == (3, 6, 1)
    assert api.services.ledger.size() == size + 2 + 3  # two sales, three signals
    leaves = [leaf_hash(api.services.ledger.at(i).body) for i in range(size + 5)]
    assert api.services.ledger.root(size + 5) == root_from_leaf_hashes(leaves)
    assert _signals(api) == ["code_never_issued", "off_custody_path", "sold_twice"]
    signals = [results[i]["problem"]["signal_record_id"] for i in (1, 2, 5)]
    assert [api.services.ledger.get(i).kind for i in signals] == ["counterfeit.signal"] * 3
    sold = api.as_org("shop", "GET", "/v1/scans", params={"action": "sell"}).json()["scans"]
    assert sorted(s["record_id"] for s in sold) == sorted({results[0]["record_id"], results[7]["record_id"]})


def test_resent_batch_records_nothing_twice(shop: Shop) -> None:
    api = shop.api
    scans = _mixed_batch(shop)
    first = _sync(api, "shop", scans)
    size, signals = api.services.ledger.size(), _signals(api)

    again = _sync(api, "shop", scans)

    assert api.services.ledger.size() == size
    assert _signals(api) == signals
    kept = [r for r in again["results"] if r["scan_id"] is not None]
    assert all(r["duplicate"] for r in kept)
    for before, after in zip(first["results"], again["results"], strict=True):
        assert after["status"] == before["status"]
        assert after.get("record_id") == before.get("record_id")
        assert after.get("problem") == before.get("problem")
        assert after["received_at"] == before["received_at"] or after["scan_id"] is None
    assert (again["recorded"], again["refused"], again["duplicates"]) == (3, 6, 8)
    # What is kept is the domain's refusal; its HTTP status and problem type are the edge's.
    with Session(api.services.engine) as session:
        kept_refusals = [json.loads(o.problem) for o in session.exec(select(ScanOutcome)) if o.problem]
    kinds = sorted(r["kind"] for r in kept_refusals)
    assert kinds == ["Conflict", "Conflict", "Conflict", "Unprocessable", "Unprocessable"]
    assert not [r for r in kept_refusals if {"status", "type"} & set(r)]


def test_lost_answer_then_resend_is_answered_from_what_was_committed(shop: Shop) -> None:
    api = shop.api
    codes = shop.issued(3)
    scans = [_sale(code) for code in codes]
    api.as_org("shop", "POST", "/v1/scans:batch", json={"scans": scans}).close()  # answer never read
    committed = api.as_org("samr", "GET", "/v1/scans", params={"action": "sell"}).json()["scans"]
    size = api.services.ledger.size()

    resent = _sync(api, "shop", scans)

    assert sorted(s["record_id"] for s in committed) == sorted(f"scan:{s['scan_id']}" for s in scans)
    assert [r["duplicate"] for r in resent["results"]] == [True, True, True]
    assert [r["record_id"] for r in resent["results"]] == [f"scan:{s['scan_id']}" for s in scans]
    assert api.services.ledger.size() == size


def test_scan_of_a_batch_resent_through_post_scans_is_answered_once(shop: Shop) -> None:
    api = shop.api
    code = shop.issued(1)[0]
    sale, again = _sale(code), _sale(code, time="2026-11-27T12:00:00+08:00", location=TILL_2)
    results = _sync(api, "shop", [sale, again])["results"]
    size = api.services.ledger.size()

    sale_resent = _post(api, "shop", **sale)
    again_resent = _post(api, "shop", **again)

    assert sale_resent.status_code == 200, sale_resent.text
    assert sale_resent.json()["duplicate"] is True
    assert sale_resent.json()["record_id"] == results[0]["record_id"]
    assert sale_resent.json()["payload"]["code"] == code
    assert again_resent.status_code == 409
    assert again_resent.headers["content-type"] == "application/problem+json"
    problem = again_resent.json()
    assert (problem["reason"], problem["duplicate"]) == ("sold_twice", True)
    assert problem["signal_record_id"] == results[1]["problem"]["signal_record_id"]
    assert api.services.ledger.size() == size
    assert _signals(api) == ["sold_twice"]


def test_scan_posted_alone_then_in_a_batch_is_a_duplicate(shop: Shop) -> None:
    api = shop.api
    sale = _sale(shop.issued(1)[0])
    posted = _post(api, "shop", **sale)
    size = api.services.ledger.size()

    (result,) = _sync(api, "shop", [sale])["results"]

    assert posted.status_code == 201, posted.text
    assert (result["status"], result["duplicate"], result["record_id"]) == (
        "recorded",
        True,
        posted.json()["record_id"],
    )
    assert result["received_at"] == posted.json()["received_at"]
    assert api.services.ledger.size() == size


def test_scan_id_reused_with_other_content_is_refused(shop: Shop) -> None:
    api = shop.api
    codes = shop.issued(2)
    sale = _sale(codes[0])
    _sync(api, "shop", [sale])
    size = api.services.ledger.size()
    other = {**sale, "code": codes[1]}

    (result,) = _sync(api, "shop", [other])["results"]
    posted = _post(api, "shop", **other)
    by_another = _post(api, "shop2", **sale)

    assert _outcome(result) == ("refused", "scan_id_reused", [])
    assert (result["problem"]["status"], result["duplicate"]) == (409, False)
    for response in (posted, by_another):
        assert response.status_code == 409, response.text
        assert response.json()["reason"] == "scan_id_reused"
    assert api.services.ledger.size() == size
    assert [s.kind for s in api.services.ledger.about("code", codes[1])] == []


def test_scan_id_given_twice_in_one_batch_is_applied_once(shop: Shop) -> None:
    api = shop.api
    code = shop.issued(1)[0]
    sale = _sale(code)
    size = api.services.ledger.size()

    results = _sync(api, "shop", [sale, sale, {**sale, "location": TILL_2}])["results"]

    assert [(r["status"], r["duplicate"]) for r in results] == [
        ("recorded", False),
        ("recorded", True),
        ("refused", False),
    ]
    assert results[2]["problem"]["reason"] == "scan_id_reused"
    assert api.services.ledger.size() == size + 1


def test_batch_over_the_limit_is_refused_whole(shop: Shop) -> None:
    api = shop.api
    code = shop.issued(1)[0]
    size = api.services.ledger.size()

    response = api.as_org(
        "shop", "POST", "/v1/scans:batch", json={"scans": [_sale(code) for _ in range(MAX_SCAN_BATCH + 1)]}
    )

    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["scans"]
    assert api.services.ledger.size() == size


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([{"action": "sell"}], ""),  # a list, not an object
        ({"scan": []}, "scans"),
        ({"scans": {"action": "sell"}}, "scans"),
        ({"scans": []}, "scans"),
    ],
)
def test_batch_body_must_be_an_object_holding_scans(shop: Shop, body: Any, field: str) -> None:
    response = shop.api.as_org("shop", "POST", "/v1/scans:batch", json=body)

    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_scan_without_time_or_with_a_bad_shape_is_refused_in_its_result(shop: Shop) -> None:
    api = shop.api
    sale = _sale(shop.issued(1)[0])
    untimed = {k: v for k, v in sale.items() if k != "time"}
    bad_id = {**sale, "scan_id": "not-a-uuid"}

    results = _sync(api, "shop", [untimed, bad_id, "sell it", {**sale, "action": "steal"}])["results"]

    assert [_outcome(r) for r in results] == [
        ("refused", None, ["scans[0].time"]),
        ("refused", None, ["scans[1].scan_id"]),
        ("refused", None, ["scans[2]"]),
        ("refused", None, ["scans[3].action"]),
    ]
    assert [r["scan_id"] for r in results] == [sale["scan_id"], "not-a-uuid", None, sale["scan_id"]]


def test_batch_needs_a_key_of_an_organisation_that_handles_goods(shop: Shop) -> None:
    api = shop.api
    sale = _sale(shop.issued(1)[0])

    issued = api.as_org("shop", "POST", "/v1/organisations/me/keys", params={"kind": "device"})
    device = {"Authorization": f"Bearer {issued.json()['api_key']}"}
    size = api.services.ledger.size()

    regulator = api.as_org("samr", "POST", "/v1/scans:batch", json={"scans": [sale]})
    anonymous = api.client.post("/v1/scans:batch", json={"scans": [sale]})
    by_device = api.client.post("/v1/scans:batch", json={"scans": [sale]}, headers=device)
    alone = api.as_org("samr", "POST", "/v1/scans", json=sale)

    statuses = [r.status_code for r in (regulator, anonymous, by_device, alone)]
    assert statuses == [403, 401, 403, 403]
    assert "regulator" in regulator.json()["detail"]
    assert api.services.ledger.size() == size


def test_batch_acts_only_on_the_callers_goods(shop: Shop) -> None:
    api = shop.api
    code = shop.issued(1)[0]
    ship = {
        "scan_id": str(uuid.uuid4()),
        "action": "ship",
        "batch_id": BATCH,
        "counterparty": "shop2",
        "location": TILL_1,
        "time": "2026-11-27T09:00:00+08:00",
    }
    size = api.services.ledger.size()

    results = _sync(
        api, "shop2", [_sale(code), ship, {**ship, "scan_id": str(uuid.uuid4()), "batch_id": "nope"}]
    )["results"]

    assert [(r["status"], r["problem"]["status"]) for r in results] == [
        ("refused", 409),
        ("refused", 403),
        ("refused", 404),
    ]
    assert results[0]["problem"]["reason"] == "off_custody_path"
    assert results[1]["problem"]["detail"] == f"shop2 does not hold batch {BATCH}"
    assert [r["problem"].get("reason") for r in results[1:]] == ["not_holder", "unknown_lot"]
    assert api.services.ledger.size() == size + 1  # the off-custody signal only
    assert _signals(api) == ["off_custody_path"]


def test_offline_scan_keeps_its_scan_time_and_gets_its_receipt_time(shop: Shop) -> None:
    api = shop.api
    scanned = "2026-11-20T06:15:00+08:00"  # a week offline
    sale = _sale(shop.issued(1)[0], time=scanned)
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)

    (result,) = _sync(api, "shop", [sale])["results"]
    (listed,) = api.as_org("shop", "GET", "/v1/scans", params={"action": "sell"}).json()["scans"]

    after = dt.datetime.now(dt.UTC)
    assert before <= dt.datetime.fromisoformat(result["received_at"]) <= after
    assert api.services.ledger.get(result["record_id"]).record().time == scanned
    assert listed["time"] == scanned
    assert before <= dt.datetime.fromisoformat(listed["recorded_at"]).astimezone(dt.UTC) <= after


def test_batch_ship_owes_its_chain_call_and_its_duplicate_says_how_it_went(shop: Shop) -> None:
    api = shop.api
    ship = {
        "scan_id": str(uuid.uuid4()),
        "action": "ship",
        "batch_id": BATCH,
        "counterparty": "shop2",
        "location": TILL_1,
        "time": "2026-11-27T09:00:00+08:00",
    }

    (first,) = _sync(api, "shop", [ship])["results"]
    api.mined()
    (again,) = _sync(api, "shop", [ship])["results"]

    assert first["chain"] == {"status": "pending"}
    assert (again["duplicate"], again["chain"]) == (True, {"status": "confirmed"})


def test_batch_follows_custody_its_own_scans_move(shop: Shop) -> None:
    api = shop.api
    codes = shop.issued(3)
    handover = {"location": TILL_1, "time": "2026-11-27T12:00:00+08:00", "batch_id": BATCH}
    ship = {**handover, "scan_id": str(uuid.uuid4()), "action": "ship", "counterparty": "shop2"}
    receive = {**handover, "scan_id": str(uuid.uuid4()), "action": "receive"}

    shipped = _sync(api, "shop", [_sale(codes[0]), ship, _sale(codes[1])])["results"]
    received = _sync(api, "shop2", [_sale(codes[1]), receive, _sale(codes[1])])["results"]

    assert [_outcome(r) for r in shipped] == [
        ("recorded", None, []),
        ("recorded", None, []),
        ("refused", "off_custody_path", []),  # the lot left the shop with the shipment
    ]
    assert shipped[1]["chain"] == {"status": "pending"}
    assert [r["status"] for r in received] == ["refused", "recorded", "recorded"]
    assert received[0]["problem"]["detail"] == f"batch {BATCH} is in transit to shop2: receive it first"
    sales = [s.kind for s in api.services.ledger.about("code", codes[1])]
    assert sales == ["counterfeit.signal", "scan.sell"]
