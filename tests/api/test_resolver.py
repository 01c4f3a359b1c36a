"""The GS1 Digital Link resolver: the consumer's page and JSON, recalls, unknown codes, proofs."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from evidence import Actor, Anchorer, ChainAnchors, Record, Subject, utc_now, verify_bundle
from tests._cli import run_suyuan
from tests.api.conftest import Api, batch_payload
from tests.conftest import Network
from trace_api import gs1
from trace_api.app import create_app
from trace_api.batches.lineage import MAX_SPLIT_DEPTH
from trace_api.batches.models import Batch
from trace_api.chainops import batch_chain_id
from trace_api.codes.models import CodeStatus, ItemCode
from trace_api.events import object_event
from trace_api.orgs.models import Organisation
from trace_api.resolver import mount_resolver
from trace_api.resolver.routes import wants_json

GTIN = "09506000134352"
PRODUCT = "Frozen white shrimp 冻南美白对虾"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
JSON_ACCEPT = {"Accept": "application/json"}
CHILD_LOT = "L2026-001A"
_ids = itertools.count(1)


@dataclass
class Item:
    """One admitted batch, one item code in it, and the organisations that handle it."""

    api: Api
    batch_id: str
    lot: str
    serial: str
    usccs: dict[str, str]

    @property
    def path(self) -> str:
        return gs1.ItemCode(GTIN, self.lot, self.serial).path()

    @property
    def code_id(self) -> str:
        return gs1.ItemCode(GTIN, self.lot, self.serial).uri(self.api.services.settings.public_url)


def admit_item(api: Api, *, lot: str = "L2026-001") -> Item:
    """Admits a batch through the API as an importer and issues one item code in it."""
    for handle, org_type in (("haixian", "importer"), ("pifa", "wholesaler"), ("chaoshi", "retailer")):
        api.add_org(handle, org_type)
    response = api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian", lot=lot))
    assert response.status_code == 201, response.text
    item = Item(api, response.json()["id"], lot, gs1.new_serial(), usccs_by_handle(api))
    issue_code(item, item.batch_id, item.serial)
    return item


def admit_through_api(api: Api) -> Item:
    """Admits a batch and issues one item code in it, both through the API, as the importer."""
    for handle, org_type in (("haixian", "importer"), ("pifa", "wholesaler"), ("chaoshi", "retailer")):
        api.add_org(handle, org_type)
    admitted = api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian"))
    assert admitted.status_code == 201, admitted.text
    batch_id = admitted.json()["id"]
    issued = api.as_org("haixian", "POST", f"/v1/batches/{batch_id}/codes", json={"count": 1})
    assert issued.status_code == 201, issued.text
    code = gs1.parse_item_code(issued.json()["codes"][0])
    return Item(api, batch_id, code.lot, code.serial, usccs_by_handle(api))


def issue_code(item: Item, batch_id: str, serial: str, *, lot: str | None = None) -> None:
    """An item code row (the codes endpoint is not here yet) and its codes.issued record."""
    item.api.mined()  # the chain worker is idle: this writes behind the API's back
    with Session(item.api.services.engine) as session:
        record_id = f"codes:test:{serial}"
        code = ItemCode(gtin=GTIN, lot=lot or item.lot, serial=serial, batch_id=batch_id,
                        status=CodeStatus.issued, issuance_record_id=record_id,
                        issued_at=dt.datetime.now(dt.UTC))  # fmt: skip
        session.add(code)
        session.commit()
    payload = {"batch_id": batch_id, "count": 1, "first_serial": serial, "last_serial": serial,
               "serials_sha256": "0" * 64}  # fmt: skip
    append(item, "codes.issued", "haixian", payload, batch_id=batch_id, record_id=record_id)


def append(
    item: Item,
    kind: str,
    handle: str,
    payload: dict[str, Any],
    *,
    batch_id: str | None = None,
    code_id: str | None = None,
    record_id: str | None = None,
) -> str:
    """Appends a record about the batch (and the code, when item-level) acted by ``handle``."""
    uscc = item.usccs[handle]
    subjects = [Subject(type="batch", id=batch_id or item.batch_id)]
    subjects += [Subject(type="code", id=code_id)] if code_id else []
    record = Record(kind=kind, record_id=record_id or f"test:{kind}:{next(_ids)}", time=utc_now(),
                    actor=Actor(org=uscc, key_id="test-key"),
                    subjects=[*subjects, Subject(type="org", id=uscc)], payload=payload)  # fmt: skip
    item.api.services.ledger.append(record)
    return record.record_id


def scan(
    item: Item,
    action: str,
    handle: str,
    location: str,
    *,
    code_id: str | None = None,
    batch_id: str | None = None,
) -> str:
    """A hand-made scan.<action> record with its EPCIS ObjectEvent: for what no custody rule allows.

    Custody moves (ship, receive) go through :func:`move`, so that their records name the
    counterparty exactly as the scans service does.
    """
    batch_id = batch_id or item.batch_id
    epcis = object_event(action, time=utc_now(), location=location, epcs=[code_id] if code_id else None)
    payload: dict[str, Any] = {"action": action, "batch_id": batch_id, "location": location, "epcis": epcis}
    payload |= {"code": code_id} if code_id else {}
    return append(item, f"scan.{action}", handle, payload, batch_id=batch_id, code_id=code_id)


def move(item: Item, handle: str, action: str, location: str, **body: Any) -> str:
    """A scan through POST /v1/scans, as ``handle``'s scanner sends it; returns its record id."""
    body = {"action": action, "location": location, **body}
    if "code" not in body:
        body.setdefault("batch_id", item.batch_id)
    response = item.api.as_org(handle, "POST", "/v1/scans", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["record_id"])


def journey(item: Item) -> None:
    """Through the scans API: the importer ships the lot to a wholesaler, who ships on to a
    retailer, who sells the item."""
    move(item, "haixian", "ship", "Yangshan port cold store 洋山港冷库", counterparty="pifa")
    move(item, "pifa", "receive", "Jiangqiao wholesale market 江桥批发市场")
    move(item, "pifa", "ship", "Jiangqiao wholesale market 江桥批发市场", counterparty="chaoshi")
    move(item, "chaoshi", "receive", "Xuhui store 徐汇门店")
    move(item, "chaoshi", "sell", "Xuhui store 徐汇门店", code=item.code_id)


def recall(item: Item, reason: str, *, batch_id: str | None = None) -> None:
    """What a regulator's recall leaves behind: the batch flagged and a recall.issued record."""
    batch_id = batch_id or item.batch_id
    item.api.mined()  # the chain worker is idle: this writes behind the API's back
    with Session(item.api.services.engine) as session:
        batch = session.get(Batch, batch_id)
        assert batch is not None
        batch.recalled = True
        session.add(batch)
        session.commit()
    payload = {"recall_id": "R-2026-007", "batch_id": batch_id, "scope": [batch_id], "reason": reason,
               "recall_class": "I"}  # fmt: skip
    append(item, "recall.issued", "samr", payload, batch_id=batch_id)


def usccs_by_handle(api: Api) -> dict[str, str]:
    # Read from the database: POST /v1/organisations answers an empty "organisation" for now.
    with Session(api.services.engine) as session:
        return {org.handle: org.uscc for org in session.exec(select(Organisation))}


def anchor(api: Api, network: Network) -> None:
    """Signs a checkpoint of the whole log and anchors it on chain."""
    api.services.ledger.checkpoint()
    Anchorer(api.services.ledger, lambda: api.services.chain, network.anchorer).step()


@pytest.fixture
def resolver(api: Api) -> Iterator[TestClient]:
    """The API with the resolver mounted (the shared app does not mount it)."""
    app = create_app(api.services)
    mount_resolver(app)
    with TestClient(app) as client:
        yield client


def test_resolver_json_shows_product_certificates_and_hops_in_log_order(
    api: Api, resolver: TestClient
) -> None:
    item = admit_item(api)
    journey(item)
    other_serial = gs1.new_serial()
    issue_code(item, item.batch_id, other_serial)
    scan(
        item,
        "sell",
        "chaoshi",
        "Xuhui store 徐汇门店",
        code_id=item.code_id.replace(item.serial, other_serial),
    )

    response = resolver.get(item.path, headers=JSON_ACCEPT)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    found = response.json()
    assert (found["product"]["product_name"], found["product"]["origin_country"]) == (PRODUCT, "EC")
    assert found["product"]["importer"] == {"name": "haixian Co.", "org_type": "importer"}
    assert [c["cert_type"] for c in found["certificates"]] == [
        "quarantine",
        "nucleic_acid_test",
        "disinfection",
    ]
    assert found["certificates"][1]["result"] == "negative"
    hops = found["hops"]
    assert [h["action"] for h in hops] == [
        "admit",
        "commission",
        "ship",
        "receive",
        "ship",
        "receive",
        "sell",
    ]
    assert [h["index"] for h in hops] == sorted(h["index"] for h in hops)
    assert hops[2]["place"] == "Yangshan port cold store 洋山港冷库"
    assert (hops[2]["actor"]["name"], hops[2]["counterparty"]["name"]) == ("haixian Co.", "pifa Co.")
    assert hops[-1]["item_level"] is True
    assert found["recall"]["recalled"] is False
    assert found["counterfeit_signals"] == []
    assert found["code"]["uri"] == item.code_id
    assert {c["status"] for c in found["verification"]["records"]} == {"pending"}
    assert found["verification"]["records"][0]["step"] == "checkpoint"
    assert found["verification"]["verifier_key"] == api.services.ledger.signer.verifier_key()
    assert "bundle" not in found["verification"]["records"][0]


def test_each_hop_names_who_the_goods_went_to_or_came_from(api: Api, resolver: TestClient) -> None:
    item = admit_through_api(api)
    journey(item)

    found = resolver.get(item.path, headers=JSON_ACCEPT).json()
    page = resolver.get(item.path).text

    moves = [
        (h["action"], h["actor"]["name"], (h["counterparty"] or {}).get("name"))
        for h in found["hops"]
        if h["action"] in ("ship", "receive")
    ]
    assert moves == [
        ("ship", "haixian Co.", "pifa Co."),
        ("receive", "pifa Co.", "haixian Co."),
        ("ship", "pifa Co.", "chaoshi Co."),
        ("receive", "chaoshi Co.", "pifa Co."),
    ]
    shown_with = re.findall(r"对方 With: ([^<]+?) <span", page)
    assert shown_with == ["pifa Co.", "haixian Co.", "chaoshi Co.", "pifa Co."]


def test_shipments_show_pending_on_chain_until_the_chain_worker_has_mined_them(
    api: Api, resolver: TestClient
) -> None:
    item = admit_through_api(api)
    assert api.chain_worker is not None
    api.mined()
    with api.chain_worker._pass:  # the chain worker is busy elsewhere: the shipments wait
        journey(item)
        waiting = resolver.get(item.path, headers=JSON_ACCEPT).json()["hops"]
        page = resolver.get(item.path).text
    api.mined()
    mined = resolver.get(item.path, headers=JSON_ACCEPT).json()["hops"]

    assert [(h["action"], h["on_chain"]) for h in waiting if h["on_chain"]] == [
        ("admit", "confirmed"),
        ("ship", "pending"),
        ("ship", "pending"),
    ]
    assert page.count("上链确认中 Being confirmed on chain") == 2
    assert [(h["action"], h["on_chain"]) for h in mined if h["on_chain"]] == [
        ("admit", "confirmed"),
        ("ship", "confirmed"),
        ("ship", "confirmed"),
    ]
    assert "上链确认中" not in resolver.get(item.path).text


def test_records_are_verified_once_anchored_and_new_ones_pending(
    api: Api, network: Network, resolver: TestClient
) -> None:
    item = admit_item(api)
    journey(item)
    anchor(api, network)

    anchored = resolver.get(item.path, params={"format": "json"}).json()["verification"]
    later = scan(item, "destroy", "chaoshi", "Xuhui store 徐汇门店", code_id=item.code_id)
    after = resolver.get(item.path, params={"format": "json"}).json()["verification"]

    assert anchored["status"] == "verified"
    assert {c["status"] for c in anchored["records"]} == {"verified"}
    size = 4 + 7  # the admissions of samr and the item's three holders, then the item's 7 records
    assert all(c["anchor_block"] is not None and c["tree_size"] == size for c in anchored["records"])
    assert [cp["tree_size"] for cp in anchored["checkpoints"]] == [size]
    assert anchored["checkpoints"][0]["note"].startswith(f"{api.services.ledger.origin}\n{size}\n")
    statuses = {c["record_id"]: c["status"] for c in after["records"]}
    assert statuses.pop(later) == "pending"
    assert set(statuses.values()) == {"verified"}
    assert after["status"] == "pending"


def test_page_shows_product_and_no_recall_banner(api: Api, resolver: TestClient) -> None:
    item = admit_item(api)
    journey(item)

    response = resolver.get(item.path, headers={"Accept": BROWSER_ACCEPT})
    css = resolver.get("/static/resolver/resolver.css")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert PRODUCT in response.text
    assert 'id="recall-banner"' not in response.text
    assert 'id="counterfeit-warning"' not in response.text
    assert "Yangshan port cold store 洋山港冷库" in response.text
    assert 'name="viewport"' in response.text
    assert not re.search(r"(src|href)=\"(https?:)?//", response.text), (
        "the page must load nothing from elsewhere"
    )
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")


def test_page_escapes_what_organisations_typed(api: Api, resolver: TestClient) -> None:
    item = admit_item(api)
    api.mined()  # the chain worker is idle: this writes behind the API's back
    with Session(api.services.engine) as session:
        batch = session.get(Batch, item.batch_id)
        assert batch is not None
        batch.product_name = '<script>alert("x")</script>'
        session.add(batch)
        session.commit()

    page = resolver.get(item.path).text

    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


def test_page_answers_with_pending_marks_when_the_chain_is_down(
    api: Api, network: Network, resolver: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    item = admit_item(api)
    journey(item)
    anchor(api, network)
    recall(item, "Listeria")

    def unreachable(*_: object) -> None:
        raise requests.exceptions.ConnectionError("connection refused")

    monkeypatch.setattr(api.services.chain, "checkpoint_for_size", unreachable)
    monkeypatch.setattr(api.services.chain, "is_recalled", unreachable)
    found = resolver.get(item.path, headers=JSON_ACCEPT).json()

    assert {c["status"] for c in found["verification"]["records"]} == {"pending"}
    assert "cannot read the chain" in found["verification"]["records"][0]["detail"]
    assert (found["recall"]["recalled"], found["recall"]["on_chain"]) == (True, None)
    assert resolver.get(item.path).status_code == 200


def test_page_shows_recall_banner_with_reason(api: Api, resolver: TestClient) -> None:
    item = admit_item(api)
    journey(item)

    recall(item, "Listeria monocytogenes found 检出单增李斯特菌")
    page = resolver.get(item.path)
    found = resolver.get(item.path, headers=JSON_ACCEPT).json()

    banner = page.text[page.text.index('id="recall-banner"') :]
    assert "Listeria monocytogenes found 检出单增李斯特菌" in banner[: banner.index("</section>")]
    assert found["recall"]["recalled"] is True
    assert (found["recall"]["reason"], found["recall"]["recall_id"]) == (
        "Listeria monocytogenes found 检出单增李斯特菌",
        "R-2026-007",
    )
    assert found["recall"]["on_chain"] is False
    assert [h["action"] for h in found["hops"]][-1] == "sell"


def test_recall_on_chain_alone_shows_banner(api: Api, network: Network, resolver: TestClient) -> None:
    item = admit_item(api)
    api.mined()  # the admission is on chain

    network.client.issue_recall(network.regulator, batch_chain_id(item.batch_id), b"\x01" * 32)
    found = resolver.get(item.path, headers=JSON_ACCEPT).json()

    assert found["recall"] == {**found["recall"], "recalled": True, "on_chain": True, "reason": None}
    assert 'id="recall-banner"' in resolver.get(item.path).text


def sell(item: Item, handle: str, location: str) -> Any:
    """A sale through POST /v1/scans, as the till of ``handle`` sends it."""
    return item.api.as_org(
        handle, "POST", "/v1/scans", json={"action": "sell", "code": item.code_id, "location": location}
    )


def test_strangers_failed_sale_is_recorded_but_not_shown_to_consumers(api: Api, resolver: TestClient) -> None:
    item = admit_item(api)  # held by haixian; pifa never had it
    typed = "假货店 fake shop http://evil.example/buy"

    attempt = sell(item, "pifa", typed)
    found = resolver.get(item.path, headers=JSON_ACCEPT).json()
    page = resolver.get(item.path).text
    bundles = resolver.get(item.path, params={"linkType": "suyuan:proof"}).text
    signals = api.as_org("samr", "GET", "/v1/signals", params={"code": item.code_id}).json()["signals"]
    to_issuer = api.as_org("haixian", "GET", "/v1/signals", params={"code": item.code_id}).json()["signals"]
    to_stranger = api.as_org("pifa", "GET", "/v1/signals", params={"code": item.code_id})

    assert attempt.status_code == 409
    assert [s["reason"] for s in signals] == ["off_custody_path"]
    assert [(s["reason"], s["detail"]) for s in to_issuer] == [(s["reason"], s["detail"]) for s in signals]
    assert to_stranger.status_code == 403
    assert found["counterfeit_signals"] == []
    assert "counterfeit.signal" not in [r["kind"] for r in found["verification"]["records"]]
    assert 'id="counterfeit-warning"' not in page
    for text in ("evil.example", "假货店", "off_custody_path", "pifa"):
        assert text not in page
        assert text not in bundles
        assert text not in json.dumps(found, ensure_ascii=False)


def test_second_sale_of_a_sold_code_warns_consumers_without_typed_text(
    api: Api, resolver: TestClient
) -> None:
    item = admit_item(api)
    first = sell(item, "haixian", "Xuhui store 徐汇门店")
    typed = "广州白云区 13号摊 stall 13, Baiyun"

    second = sell(item, "chaoshi", typed)
    found = resolver.get(item.path, headers=JSON_ACCEPT).json()
    page = resolver.get(item.path).text
    bundles = resolver.get(item.path, params={"linkType": "suyuan:proof"}).text
    signals = api.as_org("samr", "GET", "/v1/signals", params={"code": item.code_id}).json()["signals"]

    assert (first.status_code, second.status_code) == (201, 409)
    assert [s["reason"] for s in signals] == ["sold_twice"]
    assert [set(s) for s in found["counterfeit_signals"]] == [{"index", "record_id", "time", "reason"}]
    assert found["counterfeit_signals"][0]["reason"] == "sold_twice"
    assert 'id="counterfeit-warning"' in page
    assert "可能有人复制了这个码" in page
    assert "it may have been copied" in page
    assert 'class="status status-warning"' in page
    assert "counterfeit.signal" not in [r["kind"] for r in found["verification"]["records"]]
    assert "sold_twice" not in page
    for text in ("广州白云区", "Baiyun", "was sold before"):
        assert text not in page
        assert text not in bundles
        assert text not in json.dumps(found, ensure_ascii=False)


def test_unknown_serial_is_not_a_genuine_code(api: Api, resolver: TestClient) -> None:
    item = admit_item(api)
    path = gs1.ItemCode(GTIN, item.lot, gs1.new_serial()).path()

    page = resolver.get(path, headers={"Accept": BROWSER_ACCEPT})
    problem = resolver.get(path, headers=JSON_ACCEPT)
    proof = resolver.get(path, params={"linkType": "suyuan:proof"})

    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Not a genuine code" in page.text
    assert "非正品码" in page.text
    assert problem.status_code == 404
    assert problem.headers["content-type"] == "application/problem+json"
    assert problem.json()["type"].endswith("/unknown-code")
    assert problem.json()["title"] == "Not a genuine code"
    assert "not a genuine code" in problem.json()["detail"]
    assert proof.status_code == 404
    assert proof.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "path",
    [
        f"/01/{GTIN[:-1]}3/10/L2026-001/21/ABC",  # wrong check digit
        "/01/0950600013435X/10/L2026-001/21/ABC",  # not digits
        f"/01/{GTIN}/10/L2026-001/21/A%20B",  # a space is outside GS1 character set 82
        f"/01/{GTIN}/10/L2026-001/21/" + "A" * 21,  # serial too long
        f"/01/{GTIN}/10/L2026-001",  # no serial
        f"/01/{GTIN}/22/V1/10/L2026-001/21/ABC",  # a consumer product variant: not a Suyuan code
        f"/01/{GTIN}/10/L%2F2026/X/21/ABC",  # an unencoded '/' in the lot
    ],
)
def test_malformed_code_is_not_a_genuine_code_not_a_server_error(resolver: TestClient, path: str) -> None:
    page = resolver.get(path)
    problem = resolver.get(path, headers=JSON_ACCEPT)

    assert page.status_code == 404
    assert "非正品码" in page.text
    assert problem.status_code == 404
    assert problem.json()["title"] == "Not a genuine code"


def test_percent_encoded_lot_and_serial_resolve(api: Api, resolver: TestClient) -> None:
    item = admit_item(api, lot="L&2026%1")
    encoded_serial = "%" + item.serial[0].encode().hex().upper() + item.serial[1:]

    response = resolver.get(f"/01/{GTIN}/10/L%262026%251/21/{encoded_serial}", headers=JSON_ACCEPT)
    gtin13 = resolver.get(f"/01/{GTIN[1:]}/10/L%262026%251/21/{item.serial}/", headers=JSON_ACCEPT)

    assert response.status_code == 200, response.text
    assert (response.json()["code"]["lot"], response.json()["code"]["serial"]) == ("L&2026%1", item.serial)
    assert gtin13.status_code == 200, gtin13.text


def test_proof_bundle_from_page_verifies_offline_and_on_chain(
    api: Api, network: Network, resolver: TestClient, cli_env: dict[str, str], tmp_path: Path
) -> None:
    item = admit_item(api)
    journey(item)
    anchor(api, network)
    page = resolver.get(item.path).text
    key = re.search(r'id="verifier-key">([^<]+)<', page)
    links = re.findall(r'class="download" href="([^"]+)"', page)
    assert key is not None
    assert len(links) == 7

    response = resolver.get(links[0].replace("&amp;", "&"))
    bundle = response.json()
    offline = verify_bundle(bundle, key.group(1))
    on_chain = verify_bundle(bundle, key.group(1), ChainAnchors(network.client))
    (tmp_path / "proof.json").write_text(response.text)
    command = ["verify", "--bundle", str(tmp_path / "proof.json"), "--key", key.group(1), "--offline"]
    cli = run_suyuan(cli_env, *command)

    assert response.headers["content-disposition"] == 'attachment; filename="suyuan-proof-4.json"'
    assert key.group(1) == api.services.ledger.signer.verifier_key()
    assert offline.record_id == on_chain.record_id == f"batch:{item.batch_id}:admitted"
    assert on_chain.anchored_block is not None
    assert cli.returncode == 0, cli.stderr
    assert f"verified: record 'batch:{item.batch_id}:admitted' (leaf 4)" in cli.stdout


def test_proof_link_type_lists_every_shown_bundle_and_refuses_others(api: Api, resolver: TestClient) -> None:
    item = admit_item(api)
    journey(item)
    other_serial = gs1.new_serial()
    issue_code(item, item.batch_id, other_serial)
    elsewhere = scan(
        item, "sell", "chaoshi", "Xuhui store", code_id=item.code_id.replace(item.serial, other_serial)
    )

    listed = resolver.get(item.path, params={"linkType": "suyuan:proof"})
    refused = resolver.get(item.path, params={"linkType": "suyuan:proof", "record": elsewhere})

    assert listed.status_code == 200
    bundles = listed.json()["bundles"]
    assert elsewhere not in [b["record_id"] for b in bundles]
    assert [b["index"] for b in bundles] == sorted(b["index"] for b in bundles)
    assert listed.json()["verifier_key"] == api.services.ledger.signer.verifier_key()
    assert refused.status_code == 404
    assert refused.headers["content-type"] == "application/problem+json"


def test_split_child_shows_parent_history_until_split_and_parent_recall(
    api: Api, resolver: TestClient
) -> None:
    item = admit_item(api)
    scan(item, "ship", "haixian", "Yangshan port")
    child_id = split_child(item)
    child_serial = gs1.new_serial()
    issue_code(item, child_id, child_serial, lot=CHILD_LOT)
    after_split = scan(item, "ship", "pifa", "Jiangqiao")  # the rest of the parent
    child_path = gs1.ItemCode(GTIN, CHILD_LOT, child_serial).path()

    before = resolver.get(child_path, headers=JSON_ACCEPT).json()
    recall(item, "parent lot contaminated", batch_id=item.batch_id)
    after = resolver.get(child_path, headers=JSON_ACCEPT).json()

    assert [b["batch_id"] for b in before["lineage"]] == [child_id, item.batch_id]
    assert [h["action"] for h in before["hops"]] == ["admit", "ship", "split", "commission"]
    assert after_split not in [h["record_id"] for h in before["hops"]]
    assert len(before["certificates"]) == 3
    assert before["recall"]["recalled"] is False
    assert (after["recall"]["recalled"], after["recall"]["reason"]) == (True, "parent lot contaminated")


def test_item_split_to_the_deepest_lot_still_shows_its_admitted_lot(api: Api, resolver: TestClient) -> None:
    item = admit_through_api(api)
    lot_id = item.batch_id
    for depth in range(1, MAX_SPLIT_DEPTH + 1):
        child = {"lot": f"{item.lot}-{depth:02d}", "quantity": 1200, "codes": [item.code_id]}
        move(item, "haixian", "split", "Yangshan port", batch_id=lot_id, children=[child])
        lot_id = f"{GTIN}.{child['lot']}"

    found = resolver.get(item.path, headers=JSON_ACCEPT).json()

    assert len(found["lineage"]) == MAX_SPLIT_DEPTH + 1
    assert (found["lineage"][0]["batch_id"], found["lineage"][-1]["batch_id"]) == (lot_id, item.batch_id)
    certificates = [c["cert_type"] for c in found["certificates"]]
    assert certificates == ["quarantine", "nucleic_acid_test", "disinfection"]
    assert [h["action"] for h in found["hops"][:2]] == ["admit", "commission"]


def split_child(item: Item) -> str:
    """A child lot split off the item's batch by the wholesaler, as a row and a batch.split record."""
    child_id = f"{GTIN}.{CHILD_LOT}"
    item.api.mined()  # the chain worker is idle: this writes behind the API's back
    with Session(item.api.services.engine) as session:
        parent = session.get(Batch, item.batch_id)
        assert parent is not None
        data = parent.model_dump(exclude={"id", "lot", "parent_id", "quantity"})
        session.add(Batch(**data, id=child_id, lot=CHILD_LOT, parent_id=parent.id, quantity=100))
        session.commit()
    payload = {"action": "split", "batch_id": item.batch_id, "children": [child_id], "location": "Jiangqiao"}
    record = Record(kind="batch.split", record_id=f"test:split:{child_id}", time=utc_now(),
                    actor=Actor(org=item.usccs["pifa"], key_id="test-key"),
                    subjects=[Subject(type="batch", id=item.batch_id), Subject(type="batch", id=child_id)],
                    payload=payload)  # fmt: skip
    item.api.services.ledger.append(record)
    return child_id


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (BROWSER_ACCEPT, False),
        ("*/*", False),
        ("", False),
        ("application/json", True),
        ("application/ld+json", True),
        ("text/html;q=0.5, application/json", True),
        ("application/json;q=0.2, text/html", False),
    ],
)
def test_wants_json_follows_accept_quality(accept: str, expected: bool) -> None:
    assert wants_json(accept) is expected


def test_mount_resolver_twice_mounts_once(api: Api) -> None:
    app = create_app(api.services)
    mount_resolver(app)
    routes = len(app.routes)

    mount_resolver(app)

    assert len(app.routes) == routes


def test_format_json_overrides_a_browser_accept(api: Api, resolver: TestClient) -> None:
    item = admit_item(api)

    response = resolver.get(item.path, params={"format": "json"}, headers={"Accept": BROWSER_ACCEPT})

    assert response.headers["content-type"] == "application/json"
    assert json.loads(response.text)["product"]["product_name"] == PRODUCT
