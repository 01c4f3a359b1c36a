"""Scan in and out: custody rules on chain and in the ledger, counterfeit signals recorded."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from sqlmodel import Session

from chain import id_hash
from tests.api.conftest import Api, batch_payload
from trace_api.codes.models import ItemCode
from trace_api.gs1 import ItemCode as Code
from trace_api.gs1 import new_serial

BATCH = "09506000134352.L2026-001"


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
    assert api.services.chain.batch(id_hash(f"batch:{BATCH}")).holder == wholesaler_address
    assert shipped.json()["payload"]["epcis"]["bizStep"] == "shipping"

    early = _scan(api, "wholesale", action="ship", batch_id=BATCH, counterparty="shop")
    wrong = _scan(api, "shop", action="receive", batch_id=BATCH)
    received = _scan(api, "wholesale", action="receive", batch_id=BATCH)

    assert early.status_code == 409
    assert "receive it first" in early.json()["detail"]
    assert wrong.status_code == 409
    assert "was not shipped to shop" in wrong.json()["detail"]
    assert received.status_code == 201


def test_ship_only_what_you_hold(chain_of_custody: Api) -> None:
    response = _scan(chain_of_custody, "shop", action="ship", batch_id=BATCH, counterparty="wholesale")

    assert response.status_code == 403
    assert response.json()["detail"] == f"shop does not hold batch {BATCH}"


def test_split_creates_child_lots_with_lineage_on_chain(chain_of_custody: Api) -> None:
    api = chain_of_custody
    children = [{"lot": "L2026-001A", "quantity": 600}, {"lot": "L2026-001B", "quantity": 500}]

    response = _scan(api, "haixian", action="split", batch_id=BATCH, children=children)

    assert response.status_code == 201, response.text
    child = api.services.chain.batch(id_hash("batch:09506000134352.L2026-001A"))
    assert child.parent == id_hash(f"batch:{BATCH}")
    too_much = _scan(
        api, "haixian", action="split", batch_id=BATCH, children=[{"lot": "X1", "quantity": 101}]
    )
    assert too_much.status_code == 422
    assert too_much.json()["errors"][0]["field"] == "children"


def test_sell_then_sell_again_records_a_counterfeit_signal(chain_of_custody: Api) -> None:
    api = chain_of_custody
    code = _code(api)
    _scan(api, "haixian", action="ship", batch_id=BATCH, counterparty="shop")
    _scan(api, "shop", action="receive", batch_id=BATCH)

    sold = _scan(api, "shop", action="sell", code=code)
    again = _scan(api, "shop", action="sell", code=code)

    assert sold.status_code == 201, sold.text
    assert again.status_code == 409
    assert again.json()["reason"] == "sold_twice"
    signals = api.as_org("samr", "GET", "/v1/signals", params={"code": code}).json()
    assert [s["reason"] for s in signals] == ["sold_twice"]
    assert api.services.ledger.get(again.json()["signal_record_id"]).kind == "counterfeit.signal"


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
