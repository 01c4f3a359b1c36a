"""Scan in and out: custody rules on chain and in the ledger, counterfeit signals recorded."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from chain import id_hash
from tests.api.conftest import Api, batch_payload
from trace_api.codes.models import ItemCode
from trace_api.codes.service import serials_sha256
from trace_api.epcis import validate_event
from trace_api.gs1 import ItemCode as Code
from trace_api.gs1 import new_serial

BATCH = "09506000134352.L2026-001"
CHILD_A, CHILD_B = "09506000134352.L2026-001A", "09506000134352.L2026-001B"


def _scan(api: Api, handle: str, **body: Any) -> Any:
    return api.as_org(
        handle, "POST", "/v1/scans", json={"location": "urn:epc:id:sgln:9506000.13435.0", **body}
    )


def _code(api: Api, batch_id: str = BATCH, lot: str = "L2026-001") -> str:
    serial = new_serial()
    with Session(api.services.engine) as session:
        session.add(
            ItemCode(
                gtin="09506000134352",
                lot=lot,
                serial=serial,
                batch_id=batch_id,
                issuance_record_id="codes:test",
                issued_at=dt.datetime.now(dt.UTC),
            )
        )
        session.commit()
    return Code("09506000134352", lot, serial).uri(api.services.settings.public_url)


@pytest.fixture
def chain_of_custody(api: Api) -> Api:
    for handle, kind in (
        ("haixian", "importer"),
        ("wholesale", "wholesaler"),
        ("shop", "retailer"),
        ("shop2", "retailer"),
    ):
        api.add_org(handle, kind)
    assert api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian")).status_code == 201
    return api


def test_ship_moves_custody_on_chain_and_receive_completes_it(chain_of_custody: Api) -> None:
    api = chain_of_custody
    shipped = _scan(api, "haixian", action="ship", batch_id=BATCH, counterparty="wholesale")
    assert shipped.status_code == 201, shipped.text
    wholesaler_address = api.as_org("wholesale", "GET", "/v1/organisations/me").json()["chain_address"]
    assert shipped.json()["chain"] == {"status": "pending"}
    api.mined()
    assert api.services.chain.batch(id_hash(f"batch:{BATCH}")).holder == wholesaler_address
    assert shipped.json()["payload"]["epcis"]["bizStep"] == "shipping"

    early = _scan(api, "wholesale", action="ship", batch_id=BATCH, counterparty="shop")
    wrong = _scan(api, "shop", action="receive", batch_id=BATCH)
    received = _scan(api, "wholesale", action="receive", batch_id=BATCH)

    assert early.status_code == 409
    assert "receive it first" in early.json()["detail"]
    assert early.json()["reason"] == "in_transit"
    assert wrong.status_code == 409
    assert "was not shipped to shop" in wrong.json()["detail"]
    assert wrong.json()["reason"] == "not_shipped_to_you"
    assert received.status_code == 201


def test_receive_twice_says_it_was_already_received(chain_of_custody: Api) -> None:
    api = chain_of_custody
    _scan(api, "haixian", action="ship", batch_id=BATCH, counterparty="wholesale")
    received = _scan(api, "wholesale", action="receive", batch_id=BATCH, time="2026-11-27T09:30:00+08:00")

    again = _scan(api, "wholesale", action="receive", batch_id=BATCH)
    other = _scan(api, "shop", action="receive", batch_id=BATCH)

    assert received.status_code == 201, received.text
    for response in (again, other):
        assert response.status_code == 409
        assert response.json()["detail"] == (
            f"batch {BATCH} was already received by wholesale at 2026-11-27T09:30:00+08:00"
        )
        assert response.json()["receive_record_id"] == received.json()["record_id"]
        assert response.json()["reason"] == "already_received"


def test_ship_only_what_you_hold(chain_of_custody: Api) -> None:
    response = _scan(chain_of_custody, "shop", action="ship", batch_id=BATCH, counterparty="wholesale")

    destroyed = _scan(chain_of_custody, "shop", action="destroy", batch_id=BATCH)

    for refused in (response, destroyed):
        assert refused.status_code == 403
        assert refused.json()["detail"] == f"shop does not hold batch {BATCH}"
        assert refused.json()["reason"] == "not_holder"


def test_split_creates_child_lots_with_lineage_on_chain(chain_of_custody: Api) -> None:
    api = chain_of_custody
    children = [{"lot": "L2026-001A", "quantity": 600}, {"lot": "L2026-001B", "quantity": 500}]

    response = _scan(api, "haixian", action="split", batch_id=BATCH, children=children)

    assert response.status_code == 201, response.text
    api.mined()
    child = api.services.chain.batch(id_hash("batch:09506000134352.L2026-001A"))
    assert child.parent == id_hash(f"batch:{BATCH}")
    too_much = _scan(
        api, "haixian", action="split", batch_id=BATCH, children=[{"lot": "X1", "quantity": 101}]
    )
    assert too_much.status_code == 422
    assert too_much.json()["errors"][0]["field"] == "children"


def _issue(api: Api, count: int, batch_id: str = BATCH, handle: str = "haixian") -> list[str]:
    response = api.as_org(handle, "POST", f"/v1/batches/{batch_id}/codes", json={"count": count})
    assert response.status_code == 201, response.text
    return list(response.json()["codes"])


def _codes_of(api: Api, handle: str, batch_id: str) -> list[str]:
    response = api.as_org(handle, "GET", f"/v1/batches/{batch_id}/codes")
    assert response.status_code == 200, response.text
    return [c["uri"] for c in response.json()["codes"]]


def _serial(uri: str) -> str:
    return uri.rsplit("/21/", 1)[1]


def test_split_moves_the_named_items_into_each_child_lot(chain_of_custody: Api) -> None:
    api = chain_of_custody
    codes = _issue(api, 5)
    children = [
        {"lot": "L2026-001A", "quantity": 600, "codes": [codes[3], codes[0]]},
        {"lot": "L2026-001B", "quantity": 500, "codes": [codes[1]]},
    ]

    split = _scan(api, "haixian", action="split", batch_id=BATCH, children=children)

    assert split.status_code == 201, split.text
    assert _codes_of(api, "haixian", CHILD_A) == [codes[0], codes[3]]  # in issue order
    assert _codes_of(api, "haixian", CHILD_B) == [codes[1]]
    assert _codes_of(api, "haixian", BATCH) == [codes[2], codes[4]]
    payload = api.services.ledger.get(split.json()["record_id"]).record().payload
    assert payload["items"] == [
        {"count": 2, "serials": [_serial(codes[0]), _serial(codes[3])],
         "serials_sha256": serials_sha256([_serial(codes[0]), _serial(codes[3])])},
        {"count": 1, "serials": [_serial(codes[1])], "serials_sha256": serials_sha256([_serial(codes[1])])},
    ]  # fmt: skip
    event = payload["epcis"]
    assert event["inputEPCList"] == event["outputEPCList"] == [codes[0], codes[3], codes[1]]
    assert validate_event(event) == []
    qr = api.as_org("haixian", "GET", f"/v1/batches/{CHILD_A}/codes/{_serial(codes[0])}/qr.svg")
    assert qr.status_code == 200


def test_split_by_item_count_hands_on_the_earliest_unsold_items(chain_of_custody: Api) -> None:
    api = chain_of_custody
    codes = _issue(api, 6)
    _scan(api, "haixian", action="sell", code=codes[0])
    children = [
        {"lot": "L2026-001A", "quantity": 600, "item_count": 2},
        {"lot": "L2026-001B", "quantity": 500, "codes": [codes[1]]},
    ]

    split = _scan(api, "haixian", action="split", batch_id=BATCH, children=children)

    assert split.status_code == 201, split.text
    assert _codes_of(api, "haixian", CHILD_A) == codes[2:4]  # not the sold one, not the one named
    assert _codes_of(api, "haixian", CHILD_B) == [codes[1]]
    items = api.services.ledger.get(split.json()["record_id"]).record().payload["items"]
    serials = [_serial(c) for c in codes[2:4]]
    assert items[0] == {
        "count": 2,
        "first_serial": serials[0],
        "last_serial": serials[1],
        "serials_sha256": serials_sha256(serials),
    }


@pytest.mark.parametrize(
    ("child", "status", "field", "reason"),
    [
        ({"codes": ["other"]}, 422, "children.0.codes.0", None),  # an item of another batch
        ({"codes": ["sold"]}, 409, "children.0.codes.0", "item_sold_or_destroyed"),
        ({"codes": ["fresh", "fresh"]}, 422, "children.0.codes.1", None),
        ({"codes": ["http://example.com/not-a-code"]}, 422, "children.0.codes.0", None),
        ({"item_count": 3}, 422, "children.0.item_count", None),  # two unsold items left
        ({"item_count": 1, "codes": ["fresh"]}, 422, "children.0", None),
    ],
)
def test_split_refuses_items_it_cannot_hand_on(
    chain_of_custody: Api, child: dict[str, Any], status: int, field: str, reason: str | None
) -> None:
    api = chain_of_custody
    sold, fresh, spare = _issue(api, 3)
    _scan(api, "haixian", action="sell", code=sold)
    assert api.as_org(
        "haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian", lot="L9")
    ).is_success
    named = {"other": _issue(api, 1, "09506000134352.L9")[0], "sold": sold, "fresh": fresh}
    if "codes" in child:
        child = {**child, "codes": [named.get(c, c) for c in child["codes"]]}

    response = _scan(
        api,
        "haixian",
        action="split",
        batch_id=BATCH,
        children=[{"lot": "L2026-001A", "quantity": 6, **child}],
    )

    assert response.status_code == status, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert response.json().get("reason") == reason
    assert _codes_of(api, "haixian", BATCH) == [sold, fresh, spare]  # nothing moved
    assert api.as_org("haixian", "GET", f"/v1/batches/{CHILD_A}").status_code == 404


def test_sell_then_sell_again_records_a_counterfeit_signal(chain_of_custody: Api) -> None:
    api = chain_of_custody
    code = _code(api)
    _scan(api, "haixian", action="ship", batch_id=BATCH, counterparty="shop")
    _scan(api, "shop", action="receive", batch_id=BATCH)

    sold = _scan(api, "shop", action="sell", code=code)
    again = _scan(api, "shop", action="sell", code=code, location="Pudong store")

    assert sold.status_code == 201, sold.text
    assert again.status_code == 409
    assert again.json()["reason"] == "sold_twice"
    signals = api.as_org("samr", "GET", "/v1/signals", params={"code": code}).json()["signals"]
    assert [s["reason"] for s in signals] == ["sold_twice"]
    assert api.services.ledger.get(again.json()["signal_record_id"]).kind == "counterfeit.signal"


def test_sell_double_beep_at_the_till_is_the_first_sale(chain_of_custody: Api) -> None:
    api = chain_of_custody
    code = _code(api)
    _scan(api, "haixian", action="ship", batch_id=BATCH, counterparty="shop")
    _scan(api, "shop", action="receive", batch_id=BATCH)

    sold = _scan(api, "shop", action="sell", code=code, time="2026-11-27T10:00:00Z")
    beep = _scan(api, "shop", action="sell", code=code, time="2026-11-27T10:09:00Z")
    page = api.client.get("/01/" + code.split("/01/", 1)[1], headers={"Accept": "application/json"})

    assert sold.status_code == 201, sold.text
    assert beep.status_code == 200, beep.text
    assert beep.json()["duplicate"] is True
    assert (beep.json()["record_id"], beep.json()["index"]) == (
        sold.json()["record_id"],
        sold.json()["index"],
    )
    assert api.as_org("samr", "GET", "/v1/signals", params={"code": code}).json()["signals"] == []
    assert page.json()["counterfeit_signals"] == []
    assert [s.kind for s in api.services.ledger.about("code", code)] == ["scan.sell"]


@pytest.mark.parametrize(
    ("seller", "body"),
    [
        ("shop", {"time": "2026-11-27T10:11:00Z"}),  # later than a double beep
        ("shop", {"location": "Pudong store"}),  # at another till
        ("shop2", {}),  # by another shop
    ],
)
def test_sell_again_later_elsewhere_or_by_another_is_sold_twice(
    chain_of_custody: Api, seller: str, body: dict[str, str]
) -> None:
    api = chain_of_custody
    code = _code(api)
    _scan(api, "haixian", action="ship", batch_id=BATCH, counterparty="shop")
    _scan(api, "shop", action="receive", batch_id=BATCH)
    _scan(api, "shop", action="sell", code=code, time="2026-11-27T10:00:00Z")

    again = _scan(api, seller, action="sell", code=code, **{"time": "2026-11-27T10:01:00Z", **body})

    assert again.status_code == 409
    assert again.json()["reason"] == "sold_twice"


def test_code_never_issued_is_not_genuine(chain_of_custody: Api) -> None:
    api = chain_of_custody
    fake = Code("09506000134352", "L2026-001", "FAKEFAKEFAKEFAKE").uri(api.services.settings.public_url)

    response = _scan(api, "haixian", action="sell", code=fake)

    assert response.status_code == 409
    assert response.json()["reason"] == "code_never_issued"
    assert "not a genuine code" in response.json()["detail"]


def test_code_scanned_off_the_custody_path_is_a_signal(chain_of_custody: Api) -> None:
    api = chain_of_custody
    code = _code(api)

    response = _scan(api, "shop2", action="sell", code=code)

    assert response.status_code == 409
    assert response.json()["reason"] == "off_custody_path"


def test_resent_scan_is_recorded_once(chain_of_custody: Api) -> None:
    api = chain_of_custody
    body = {
        "action": "ship",
        "batch_id": BATCH,
        "counterparty": "wholesale",
        "scan_id": str(uuid.uuid4()),
        "time": "2026-11-27T09:00:00Z",
    }

    first = _scan(api, "haixian", **body)
    second = _scan(api, "haixian", **body)

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["duplicate"] is True
    assert second.json()["index"] == first.json()["index"]
    assert len(api.services.ledger.about("batch", BATCH)) == 2  # admission and one shipment


def test_scan_problems_name_the_field(chain_of_custody: Api) -> None:
    response = _scan(chain_of_custody, "haixian", action="ship", batch_id=BATCH)

    assert response.status_code == 422
    assert "a shipment needs a counterparty" in response.json()["detail"]


def test_refusals_name_their_reason(chain_of_custody: Api) -> None:
    api = chain_of_custody
    api.add_org("closed", "retailer")
    assert api.as_org("samr", "POST", "/v1/organisations/closed/suspend", json={"reason": "test"}).is_success
    foreign = "https://id.other.example/01/09506000134352/10/ELSEWHERE/21/X1"
    ship = {"action": "ship", "batch_id": BATCH}

    refusals = {
        "unknown_lot": _scan(api, "haixian", action="ship", batch_id=f"{BATCH}-NOPE", counterparty="shop"),
        "unknown_partner": _scan(api, "haixian", **ship, counterparty="nobody"),
        "not_a_receiver": _scan(api, "haixian", **ship, counterparty="samr"),
        "partner_suspended": _scan(api, "haixian", **ship, counterparty="closed"),
        "other_network": _scan(api, "shop", action="sell", code=foreign),
        "child_lot_exists": _scan(
            api, "haixian", action="split", batch_id=BATCH, children=[{"lot": "A", "quantity": 1}] * 2
        ),
    }

    statuses = {"unknown_lot": 404, "child_lot_exists": 409}
    for reason, response in refusals.items():
        assert response.status_code == statuses.get(reason, 422), response.text
        assert response.json()["reason"] == reason
    for reason in ("unknown_partner", "not_a_receiver", "partner_suspended"):
        assert [e["field"] for e in refusals[reason].json()["errors"]] == ["counterparty"]
    assert refusals["other_network"].json()["errors"][0]["field"] == "code"


def test_a_recalled_lot_is_refused_under_recall(chain_of_custody: Api) -> None:
    api = chain_of_custody
    recall = {"batch_id": BATCH, "reason": "Listeria found", "recall_class": "I"}
    assert api.as_org("samr", "POST", "/v1/recalls", json=recall).is_success

    response = _scan(api, "haixian", action="ship", batch_id=BATCH, counterparty="shop")

    assert response.status_code == 409
    assert response.json()["detail"] == f"batch {BATCH} is under recall: it may not move on or be sold"
    assert response.json()["reason"] == "under_recall"


def test_signals_filter_by_reason_and_page_newest_first(chain_of_custody: Api) -> None:
    api = chain_of_custody
    fakes = [
        Code("09506000134352", "L2026-001", f"FAKE{n:012d}").uri(api.services.settings.public_url)
        for n in range(3)
    ]
    for fake in fakes:
        assert _scan(api, "shop", action="sell", code=fake).status_code == 409
    assert _scan(api, "shop2", action="sell", code=_code(api)).json()["reason"] == "off_custody_path"

    def page(**params: Any) -> dict[str, Any]:
        response = api.as_org("samr", "GET", "/v1/signals", params=params)
        assert response.status_code == 200, response.text
        return dict(response.json())

    first = page(reason="code_never_issued", limit=2)
    second = page(reason="code_never_issued", limit=2, cursor=first["next_cursor"])
    off_path = page(reason="off_custody_path")["signals"]
    unknown = api.as_org("samr", "GET", "/v1/signals", params={"reason": "looks_odd"})

    assert [s["code"] for s in first["signals"] + second["signals"]] == list(reversed(fakes))
    assert second["next_cursor"] is None
    assert {s["organisation"] for s in first["signals"]} == {"shop"}
    assert [(s["reason"], s["batch_id"], s["organisation"]) for s in off_path] == [
        ("off_custody_path", BATCH, "shop2")
    ]
    assert len(page()["signals"]) == 4
    assert unknown.status_code == 422
    assert [e["field"] for e in unknown.json()["errors"]] == ["query.reason"]
    # Recorded from the third fake's time on (in China Standard Time, as the console sends it).
    third = dt.datetime.fromisoformat(first["signals"][0]["created_at"]).astimezone(ZoneInfo("Asia/Shanghai"))
    assert [s["code"] for s in page(since=third.isoformat())["signals"]] == [off_path[0]["code"], fakes[2]]
    naive = api.as_org("samr", "GET", "/v1/signals", params={"since": "2026-12-04T00:00:00"})
    assert [e["field"] for e in naive.json()["errors"]] == ["query.since"]
