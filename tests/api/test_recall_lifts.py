"""A recall's scope previewed before it is issued, its drill timings, and lifting it: in the ledger,
in the database, on chain, and on the consumers' pages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from chain import id_hash
from tests.api.conftest import Api
from tests.api.test_recalls import BATCH, CHILD_A, CHILD_B
from tests.api.test_recalls import network_of_holders as network_of_holders
from trace_api import gs1
from trace_api.app import create_app
from trace_api.recalls.models import Recall, RecallNotice
from trace_api.recalls.notify import NoticeWorker
from trace_api.resolver import mount_resolver

RECALL = {"batch_id": BATCH, "reason": "Vibrio found in sample", "recall_class": "I"}
JSON_ACCEPT = {"Accept": "application/json"}


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _issue(api: Api) -> dict[str, Any]:
    return dict(_ok(api.as_org("samr", "POST", "/v1/recalls", json=RECALL), 201))


def _lift(api: Api, recall_id: str, handle: str = "samr", reason: str = "Retest negative") -> Any:
    return api.as_org(handle, "POST", f"/v1/recalls/{recall_id}/lift", json={"reason": reason})


def _count(api: Api, model: type[Recall] | type[RecallNotice]) -> int:
    with Session(api.services.engine) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


@pytest.fixture
def shop_codes(network_of_holders: Api) -> list[str]:
    """Five item codes the shop gave the part of the lot it holds."""
    api = network_of_holders
    return list(
        _ok(api.as_org("shop", "POST", f"/v1/batches/{CHILD_A}/codes", json={"count": 5}), 201)["codes"]
    )


@pytest.fixture
def resolver(network_of_holders: Api) -> Iterator[TestClient]:
    app = create_app(network_of_holders.services)
    mount_resolver(app)
    with TestClient(app) as client:
        yield client


# -- preview -------------------------------------------------------------------------------------


def test_preview_names_the_holders_and_quantities_the_recall_then_notifies(
    network_of_holders: Api, shop_codes: list[str]
) -> None:
    api = network_of_holders
    size = api.services.ledger.size()

    preview = _ok(api.as_org("samr", "GET", "/v1/recalls/preview", params={"batch_id": BATCH}))
    written = (api.services.ledger.size(), _count(api, Recall), _count(api, RecallNotice))
    recall = _issue(api)

    assert written == (size, 0, 0)  # a preview writes nothing
    assert (preview["lot"], preview["unit"], preview["under_recall"]) == ("L2026-001", "KGM", False)
    assert preview["scope"] == recall["scope"] == [BATCH, CHILD_A, CHILD_B]
    assert preview["holders"] == [
        {"org": "wholesale", "org_name": "wholesale Co.", "batch_ids": [BATCH, CHILD_B], "quantity": 600.0,
         "item_codes": 0, "channels": ["mqtt"]},
        {"org": "shop", "org_name": "shop Co.", "batch_ids": [CHILD_A], "quantity": 600.0,
         "item_codes": 5, "channels": ["mqtt"]},
    ]  # fmt: skip
    assert preview["totals"] == {
        "holders": 2,
        "lots": 3,
        "quantity": 1200.0,
        "item_codes": 5,
        "unreachable": 0,
    }
    assert [(n["org"], n["batch_ids"], n["quantity"], n["item_codes"]) for n in recall["notices"]] == [
        (h["org"], h["batch_ids"], h["quantity"], h["item_codes"]) for h in preview["holders"]
    ]
    again = _ok(api.as_org("samr", "GET", "/v1/recalls/preview", params={"batch_id": BATCH}))
    assert again["under_recall"] is True  # issuing it now would be refused


@pytest.mark.parametrize("handle", ["wholesale", "haixian"])
def test_preview_is_refused_to_members_who_are_not_regulators(network_of_holders: Api, handle: str) -> None:
    response = network_of_holders.as_org(handle, "GET", "/v1/recalls/preview", params={"batch_id": BATCH})

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


def test_preview_of_an_unknown_or_missing_lot_is_refused_naming_it(network_of_holders: Api) -> None:
    api = network_of_holders

    unknown = api.as_org("samr", "GET", "/v1/recalls/preview", params={"batch_id": "09506000134352.NOPE"})
    missing = api.as_org("samr", "GET", "/v1/recalls/preview")

    assert unknown.status_code == 404
    assert "09506000134352.NOPE" in unknown.json()["detail"]
    assert missing.status_code == 422
    assert [e["field"] for e in missing.json()["errors"]] == ["query.batch_id"]


# -- drill timings -------------------------------------------------------------------------------


def test_drill_times_each_holder_reached_and_acknowledged_and_the_last_one(network_of_holders: Api) -> None:
    api = network_of_holders
    recall = _issue(api)
    url = f"/v1/recalls/{recall['id']}"
    before = _ok(api.as_org("samr", "GET", url))["drill"]

    assert NoticeWorker(api.services).run_once() == 2  # over the test's MQTT broker
    first = _ok(
        api.as_org("shop", "POST", f"{url}/acknowledgements", json={"quantity_quarantined": 500}), 201
    )
    half = _ok(api.as_org("samr", "GET", url))
    correction = {"quantity_quarantined": 600, "supersedes": first["ack_record_id"]}
    _ok(api.as_org("shop", "POST", f"{url}/acknowledgements", json=correction), 201)
    _ok(api.as_org("wholesale", "POST", f"{url}/acknowledgements", json={"quantity_quarantined": 600}), 201)
    done = _ok(api.as_org("samr", "GET", url))

    assert (before["reached"], before["all_reached_at"], before["acknowledged"]) == (0, None, 0)
    assert [h["reach_s"] for h in before["holders"]] == [None, None]
    drill = half["drill"]
    assert [h["org"] for h in drill["holders"]] == ["wholesale", "shop"]
    assert all(h["reach_s"] >= 0 and h["reached_at"] for h in drill["holders"])
    assert drill["reached"] == 2
    assert drill["all_reached_at"] == max(h["reached_at"] for h in drill["holders"])
    assert drill["all_reached_s"] == max(h["reach_s"] for h in drill["holders"])
    assert (drill["acknowledged"], drill["all_acknowledged_at"]) == (1, None)
    assert [n["reached_at"] for n in half["notices"]] == [h["reached_at"] for h in drill["holders"]]
    shop_before = next(h for h in drill["holders"] if h["org"] == "shop")
    shop_after = next(h for h in done["drill"]["holders"] if h["org"] == "shop")
    assert shop_after["acknowledged_at"] == shop_before["acknowledged_at"]  # the first one counts
    assert done["drill"]["acknowledged"] == 2
    assert done["drill"]["all_acknowledged_s"] >= shop_after["acknowledge_s"] >= 0


# -- lifting -------------------------------------------------------------------------------------


def test_lifted_recall_frees_the_lot_in_the_ledger_database_chain_and_consumer_page(
    network_of_holders: Api, shop_codes: list[str], resolver: TestClient
) -> None:
    api = network_of_holders
    recall = _issue(api)
    api.mined()
    code_page = gs1.parse_item_code(shop_codes[0]).path()
    recalled_page = resolver.get(code_page, headers=JSON_ACCEPT).json()

    lifted = _ok(_lift(api, recall["id"]))
    api.mined()
    record = api.services.ledger.get(f"recall:{recall['id']}:lifted")
    shown = _ok(api.as_org("samr", "GET", f"/v1/recalls/{recall['id']}"))
    consumer = resolver.get(code_page, headers=JSON_ACCEPT).json()
    moved = api.as_org(
        "shop", "POST", "/v1/scans", json={"action": "ship", "batch_id": CHILD_A, "counterparty": "other",
                                           "location": "Shop"},
    )  # fmt: skip

    assert recalled_page["recall"]["recalled"] is True
    assert (lifted["status"], lifted["lifted"]["by"], lifted["lifted"]["reason"]) == (
        "lifted",
        "samr",
        "Retest negative",
    )
    assert lifted["lifted"]["record_id"] == record.record_id
    assert record.kind == "recall.lifted"
    assert record.record().payload == {
        "recall_id": recall["id"],
        "batch_id": BATCH,
        "scope": [BATCH, CHILD_A, CHILD_B],
        "reason": "Retest negative",
    }
    assert shown["lifted"]["chain"]["status"] == "confirmed"
    assert shown["lifted"]["chain"]["tx_hash"]
    assert not api.services.chain.is_recalled(id_hash(f"batch:{CHILD_A}"))
    assert _ok(api.as_org("samr", "GET", f"/v1/batches/{BATCH}"))["recalled"] is False
    assert (consumer["recall"]["recalled"], consumer["recall"]["on_chain"]) == (False, False)
    assert moved.status_code == 201, moved.text


def test_lifted_recall_lists_as_lifted_refuses_acknowledgements_and_a_lot_can_be_recalled_again(
    network_of_holders: Api,
) -> None:
    api = network_of_holders
    first = _issue(api)
    _ok(_lift(api, first["id"]))

    lifted = _ok(api.as_org("samr", "GET", "/v1/recalls", params={"status": "lifted"}))["recalls"]
    late_ack = api.as_org("shop", "POST", f"/v1/recalls/{first['id']}/acknowledgements",
                          json={"quantity_quarantined": 1})  # fmt: skip
    second = _issue(api)
    active = _ok(api.as_org("samr", "GET", "/v1/recalls", params={"status": "active"}))["recalls"]
    overview = _ok(api.as_org("samr", "GET", "/v1/overview"))["recalls"]

    assert [(r["id"], r["status"], r["lot"]) for r in lifted] == [(first["id"], "lifted", "L2026-001")]
    assert lifted[0]["lifted"]["reason"] == "Retest negative"
    assert late_ack.status_code == 409
    assert [r["id"] for r in active] == [second["id"]]
    assert _ok(api.as_org("samr", "GET", f"/v1/recalls/{first['id']}"))["status"] == "lifted"
    assert (overview["active_total"], [r["id"] for r in overview["active"]]) == (1, [second["id"]])


def test_recall_is_lifted_once(network_of_holders: Api) -> None:
    api = network_of_holders
    recall = _issue(api)
    _ok(_lift(api, recall["id"]))
    size = api.services.ledger.size()

    again = _lift(api, recall["id"], reason="lifted twice?")

    assert again.status_code == 409
    assert again.json()["lift_record_id"] == f"recall:{recall['id']}:lifted"
    assert api.services.ledger.size() == size


@pytest.mark.parametrize("handle", ["wholesale", "shop", "haixian"])
def test_lift_is_refused_to_members_who_are_not_regulators(network_of_holders: Api, handle: str) -> None:
    api = network_of_holders
    recall = _issue(api)
    size = api.services.ledger.size()

    response = _lift(api, recall["id"], handle=handle)

    assert response.status_code == 403
    assert api.services.ledger.size() == size
    assert _ok(api.as_org("samr", "GET", f"/v1/recalls/{recall['id']}"))["status"] == "active"


def test_lift_without_a_reason_or_of_an_unknown_recall_is_refused(network_of_holders: Api) -> None:
    api = network_of_holders
    recall = _issue(api)

    blank = api.as_org("samr", "POST", f"/v1/recalls/{recall['id']}/lift", json={"reason": " "})
    missing = api.as_org("samr", "POST", f"/v1/recalls/{recall['id']}/lift", json={})
    unknown = _lift(api, "0" * 32)

    assert blank.status_code == 422
    assert [e["field"] for e in blank.json()["errors"]] == ["reason"]
    assert [e["field"] for e in missing.json()["errors"]] == ["reason"]
    assert unknown.status_code == 404


def test_holder_reads_the_lift_of_a_recall_it_was_notified_of(network_of_holders: Api) -> None:
    api = network_of_holders
    recall = _issue(api)
    _ok(_lift(api, recall["id"]))

    held = _ok(api.as_org("shop", "GET", "/v1/recalls"))["recalls"]

    assert [(r["status"], r["lifted"]["reason"]) for r in held] == [("lifted", "Retest negative")]
    assert [n["org"] for n in held[0]["notices"]] == ["shop"]
