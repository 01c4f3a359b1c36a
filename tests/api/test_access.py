"""Every endpoint against anonymous callers and against a second organisation: no cross-tenant
reads or writes, and consumer answers carry public fields only."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from tests.api.conftest import Api, batch_payload

BATCH = "09506000134352.L2026-001"


@pytest.fixture
def tenants(api: Api) -> dict[str, Any]:
    """An importer with an admitted batch and its codes; an unrelated retailer; a recall."""
    api.add_org("haixian", "importer")
    api.add_org("stranger", "retailer")
    payload = batch_payload(api, "haixian")
    assert api.as_org("haixian", "POST", "/v1/batches", json=payload).status_code == 201
    codes = api.as_org("haixian", "POST", f"/v1/batches/{BATCH}/codes", json={"count": 2}).json()["codes"]
    document = payload["certificates"][0]["document_sha256"]
    recall = api.as_org(
        "samr",
        "POST",
        "/v1/recalls",
        json={"batch_id": BATCH, "reason": "test recall", "recall_class": "III"},
    )
    assert recall.status_code == 201, recall.text
    return {"codes": codes, "document": document, "recall": recall.json()["id"]}


def _endpoints(t: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    serial = t["codes"][0].rsplit("/", 1)[1]
    return [
        ("GET", f"/v1/batches/{BATCH}", {}),
        ("GET", f"/v1/batches/{BATCH}/codes", {}),
        ("GET", f"/v1/batches/{BATCH}/codes/{serial}/qr.png", {}),
        ("GET", f"/v1/batches/{BATCH}/labels.pdf", {}),
        ("POST", f"/v1/batches/{BATCH}/codes", {"json": {"count": 1}}),
        ("GET", f"/v1/documents/{t['document']}", {}),
        ("GET", f"/v1/trace/{BATCH}", {}),
        ("GET", f"/v1/recalls/{t['recall']}", {}),
        ("POST", f"/v1/recalls/{t['recall']}/acknowledgements", {"json": {"quantity_quarantined": 1}}),
        ("POST", "/v1/recalls", {"json": {"batch_id": BATCH, "reason": "not mine", "recall_class": "I"}}),
        (
            "POST",
            "/v1/organisations",
            {
                "json": {
                    "handle": "x",
                    "name": "x",
                    "org_type": "retailer",
                    "uscc": "91350100M000100Y43",
                    "jurisdiction": "x",
                }
            },
        ),
        ("GET", "/v1/signals", {}),
        (
            "POST",
            "/v1/scans",
            {"json": {"action": "ship", "batch_id": BATCH, "counterparty": "haixian", "location": "x"}},
        ),
        ("POST", "/v1/batches", {"json": {}}),
    ]


def test_every_endpoint_refuses_anonymous_callers(api: Api, tenants: dict[str, Any]) -> None:
    own_org_only = [
        ("GET", "/v1/organisations/me", {}),
        ("GET", "/v1/organisations", {}),
        ("GET", "/v1/batches", {}),
        ("GET", "/v1/recalls", {}),
        ("POST", "/v1/webhooks", {"json": {"url": "http://x"}}),
        ("POST", "/v1/documents", {"files": {"file": ("a", b"a")}}),
    ]
    for method, url, kwargs in [*_endpoints(tenants), *own_org_only]:
        response = api.client.request(method, url, **kwargs)
        assert response.status_code == 401, f"{method} {url} answered {response.status_code}"
        assert response.headers["content-type"] == "application/problem+json"


def test_no_endpoint_serves_or_changes_another_organisations_data(api: Api, tenants: dict[str, Any]) -> None:
    for method, url, kwargs in _endpoints(tenants):
        response = api.as_org("stranger", method, url, **kwargs)
        assert response.status_code in (403, 404, 422), (
            f"{method} {url} answered {response.status_code}: {response.text}"
        )
        if response.status_code == 422:  # refused by validation before any access: must not have acted
            assert method == "POST"
    assert api.as_org("stranger", "GET", "/v1/webhooks").json() == []
    assert api.as_org("stranger", "GET", "/v1/batches").json()["batches"] == []
    assert api.as_org("stranger", "GET", f"/v1/batches?lot={BATCH.split('.')[1]}").json()["batches"] == []
    assert api.as_org("stranger", "GET", "/v1/batches?org=haixian").status_code == 403
    assert api.as_org("stranger", "GET", "/v1/recalls").json()["recalls"] == []


def test_consumer_answer_has_public_fields_only(api: Api, tenants: dict[str, Any]) -> None:
    path = "/01/" + tenants["codes"][0].split("/01/", 1)[1]

    text = api.client.get(path, headers={"Accept": "application/json"}).text

    assert api.keys["haixian"] not in text
    for private in ("api_key", "secret_hash", "chain_address", "keystore", "holder_org_id"):
        assert private not in text
    digest = hashlib.sha256(api.keys["haixian"].encode()).hexdigest()
    assert digest not in text


def test_batch_citing_another_importers_document_is_not_admitted(api: Api, tenants: dict[str, Any]) -> None:
    api.add_org("rival", "importer")
    payload = batch_payload(api, "rival", lot="L2026-RIVAL", certificates=[])
    payload["certificates"] = [
        {**batch_payload(api, "haixian")["certificates"][0], "document_sha256": tenants["document"]}
    ]

    response = api.as_org("rival", "POST", "/v1/batches", json=payload)

    assert response.status_code == 422, response.text
    assert "certificates.0.document_sha256" in [e["field"] for e in response.json()["errors"]]
    assert api.as_org("rival", "GET", f"/v1/documents/{tenants['document']}").status_code == 404


def test_document_uploaded_by_two_organisations_is_held_by_both(api: Api, tenants: dict[str, Any]) -> None:
    api.add_org("rival", "importer")
    content = b"quarantine L2026-001"  # the bytes haixian uploaded for its batch
    again = api.as_org(
        "rival", "POST", "/v1/documents", files={"file": ("mine.pdf", content, "application/pdf")}
    )

    assert again.status_code == 200, again.text
    assert again.json()["sha256"] == tenants["document"]
    assert api.as_org("rival", "GET", f"/v1/documents/{tenants['document']}").status_code == 200
    assert api.as_org("haixian", "GET", f"/v1/documents/{tenants['document']}").status_code == 200


def test_document_shared_by_its_uploader_may_be_cited(api: Api, tenants: dict[str, Any]) -> None:
    api.add_org("rival", "importer")
    url = f"/v1/documents/{tenants['document']}/shares"
    by_stranger = api.as_org("stranger", "POST", url, json={"organisation": "rival"})
    shared = api.as_org("haixian", "POST", url, json={"organisation": "rival"})
    again = api.as_org("haixian", "POST", url, json={"organisation": "rival"})

    assert by_stranger.status_code == 404
    assert (shared.status_code, again.status_code) == (201, 200), shared.text
    records = api.services.ledger.about("document", tenants["document"])
    assert [r.kind for r in records] == ["document.shared"]
    payload = batch_payload(api, "rival", lot="L2026-RIVAL")
    payload["certificates"][0]["document_sha256"] = tenants["document"]
    assert api.as_org("rival", "POST", "/v1/batches", json=payload).status_code == 201
    by_sharee = api.as_org("rival", "POST", url, json={"organisation": "stranger"})
    assert by_sharee.status_code == 403


@pytest.mark.parametrize(
    ("content", "served_as", "disposition"),
    [
        (b"<html><script>alert(1)</script></html>", "application/octet-stream", "attachment"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "application/pdf", "inline"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png", "inline"),
    ],
)
def test_document_is_served_with_the_type_of_its_bytes(
    api: Api, content: bytes, served_as: str, disposition: str
) -> None:
    api.add_org("haixian", "importer")
    uploaded = api.as_org(
        "haixian", "POST", "/v1/documents", files={"file": ("x.html", content, "text/html")}
    )
    assert uploaded.status_code == 201, uploaded.text

    served = api.as_org("haixian", "GET", f"/v1/documents/{uploaded.json()['sha256']}")

    assert served.status_code == 200
    assert served.headers["content-type"] == served_as
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-disposition"].startswith(disposition)
    assert served.content == content


SPLIT_A, SPLIT_B = f"{BATCH}A", f"{BATCH}B"


@pytest.fixture
def split_lot(api: Api) -> dict[str, dict[str, Any]]:
    """haixian's lot goes to a wholesaler, who splits it into A (to shop) and B (to rivalmart),
    then ships the rest of the lot to thirdco."""
    orgs = {
        handle: api.add_org(handle, kind)
        for handle, kind in (
            ("haixian", "importer"),
            ("wholesale", "wholesaler"),
            ("shop", "retailer"),
            ("rivalmart", "retailer"),
            ("thirdco", "retailer"),
        )
    }
    assert api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian")).status_code == 201
    children = [{"lot": "L2026-001A", "quantity": 600}, {"lot": "L2026-001B", "quantity": 500}]
    for handle, body in (
        ("haixian", {"action": "ship", "batch_id": BATCH, "counterparty": "wholesale"}),
        ("wholesale", {"action": "receive", "batch_id": BATCH, "location": "Wholesale hall 1"}),
        ("wholesale", {"action": "split", "batch_id": BATCH, "children": children}),
        ("wholesale", {"action": "ship", "batch_id": SPLIT_A, "counterparty": "shop"}),
        ("shop", {"action": "receive", "batch_id": SPLIT_A, "location": "Shop floor 2"}),
        ("wholesale", {"action": "ship", "batch_id": SPLIT_B, "counterparty": "rivalmart"}),
        ("rivalmart", {"action": "receive", "batch_id": SPLIT_B, "location": "Rival floor 9"}),
        ("wholesale", {"action": "ship", "batch_id": BATCH, "counterparty": "thirdco"}),
        ("thirdco", {"action": "receive", "batch_id": BATCH, "location": "Third dock 3"}),
    ):
        scanned = api.as_org(handle, "POST", "/v1/scans", json={"location": "Wholesale hall 1", **body})
        assert scanned.status_code == 201, scanned.text
    return orgs


def _lineage_views(api: Api, handle: str) -> dict[str, str]:
    """The parent lot's forward trace, EPCIS export and FSMA 204 sheet, as ``handle`` sees them."""
    views = {
        "trace": api.as_org(handle, "GET", f"/v1/trace/{BATCH}", params={"direction": "forward"}),
        "epcis": api.as_org(handle, "GET", f"/v1/exports/epcis/{BATCH}"),
        "fsma204": api.as_org(handle, "GET", "/v1/exports/fsma204", params={"batch_id": BATCH}),
    }
    for name, response in views.items():
        assert response.status_code == 200, f"{name}: {response.text}"
    return {name: response.text for name, response in views.items()}


def test_child_lot_holder_sees_only_its_own_branch_of_the_parent(
    api: Api, split_lot: dict[str, dict[str, Any]]
) -> None:
    views = _lineage_views(api, "shop")
    trace = api.as_org("shop", "GET", f"/v1/trace/{BATCH}", params={"direction": "forward"}).json()

    hidden = (
        "rivalmart",
        "thirdco",
        "Rival floor 9",
        "Rival%20floor%209",
        "Third dock 3",
        "Third%20dock%203",
    )
    for name, text in views.items():
        for who in ("rivalmart", "thirdco"):
            assert split_lot[who]["uscc"] not in text, f"{name} names {who}"
        for word in hidden:
            assert word not in text, f"{name} shows {word!r}"
        assert split_lot["shop"]["uscc"] in text, f"{name} lacks the shop's own path"
    assert [b["id"] for b in trace["batches"]] == [BATCH, SPLIT_A]
    assert [(s["batch_id"], s["from"], s["to"]) for s in trace["shipments"]] == [
        (BATCH, "haixian", "wholesale"),
        (SPLIT_A, "wholesale", "shop"),
    ]
    assert trace["batches"][0]["holder"] is None  # the rest of the lot went on where shop's goods did not
    assert "Shop%20floor%202" in views["epcis"]  # shop's own receipt, where it took place
    assert "Shop floor 2" in views["fsma204"]
    assert f"shop Co., USCC {split_lot['shop']['uscc']}" in views["fsma204"]


def test_parent_lot_custodians_and_regulator_see_every_branch(
    api: Api, split_lot: dict[str, dict[str, Any]]
) -> None:
    for handle in ("samr", "haixian", "wholesale"):
        views = _lineage_views(api, handle)
        for name, text in views.items():
            for who in ("shop", "rivalmart", "thirdco"):
                assert split_lot[who]["uscc"] in text or f'"{who}"' in text, f"{handle}'s {name} lacks {who}"


def test_holder_of_the_rest_of_a_lot_sees_no_branch_split_before_it_came(
    api: Api, split_lot: dict[str, dict[str, Any]]
) -> None:
    trace = api.as_org("thirdco", "GET", f"/v1/trace/{BATCH}", params={"direction": "forward"})
    sibling = api.as_org("thirdco", "GET", f"/v1/trace/{SPLIT_A}")

    assert trace.status_code == 200, trace.text
    assert [b["id"] for b in trace.json()["batches"]] == [BATCH]
    assert '"shop"' not in trace.text
    assert '"rivalmart"' not in trace.text
    assert sibling.status_code == 403
