"""Source admission: certificates required, recorded in the ledger, registered on chain."""

from __future__ import annotations

from chain import id_hash
from tests.api.conftest import Api, batch_payload


def test_importer_admits_batch_recorded_in_ledger_and_on_chain(api: Api) -> None:
    api.add_org("haixian", "importer")

    response = api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian"))

    assert response.status_code == 201, response.text
    batch = response.json()
    assert batch["id"] == "09506000134352.L2026-001"
    assert len(batch["certificates"]) == 3
    record = api.services.ledger.get("batch:09506000134352.L2026-001:admitted")
    assert batch["chain"]["status"] == "pending"  # the chain worker sends it after commit
    api.mined()
    on_chain = api.services.chain.batch(id_hash("batch:09506000134352.L2026-001"))
    from evidence import leaf_hash

    assert on_chain.admission_hash == leaf_hash(record.body)


def test_admission_refused_without_cold_chain_certificates(api: Api) -> None:
    api.add_org("haixian", "importer")
    payload = batch_payload(api, "haixian", certificates=["quarantine"])
    before = api.services.ledger.size()  # the admissions of samr and haixian

    response = api.as_org("haixian", "POST", "/v1/batches", json=payload)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert [e["reason"] for e in problem["errors"]] == [
        "missing nucleic_acid_test certificate",
        "missing disinfection certificate",
    ]
    assert api.services.ledger.size() == before


def test_admission_refused_for_non_importers_and_anonymous(api: Api) -> None:
    api.add_org("shop", "retailer")
    payload = batch_payload(api, "shop")

    forbidden = api.as_org("shop", "POST", "/v1/batches", json=payload)
    anonymous = api.client.post("/v1/batches", json=payload)

    assert forbidden.status_code == 403
    assert anonymous.status_code == 401
    assert anonymous.json()["detail"] == "send the API key as 'Authorization: Bearer <key>'"


def test_bad_gtin_names_the_field(api: Api) -> None:
    api.add_org("haixian", "importer")
    payload = {**batch_payload(api, "haixian"), "gtin": "09506000134353"}

    response = api.as_org("haixian", "POST", "/v1/batches", json=payload)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "gtin"
    assert "check digit should be 2" in response.json()["errors"][0]["reason"]


def test_admission_takes_each_certificate_kinds_own_wording(api: Api) -> None:
    api.add_org("haixian", "importer")
    payload = batch_payload(api, "haixian")
    wording = {"quarantine": "检疫合格", "nucleic_acid_test": "阴性", "disinfection": "已消毒"}
    for cert in payload["certificates"]:
        cert["result"] = wording[cert["cert_type"]]

    response = api.as_org("haixian", "POST", "/v1/batches", json=payload)

    assert response.status_code == 201, response.text
    assert sorted(c["result"] for c in response.json()["certificates"]) == sorted(wording.values())


def test_admission_refusal_lists_the_accepted_results(api: Api) -> None:
    api.add_org("haixian", "importer")
    payload = batch_payload(api, "haixian")
    payload["certificates"][1]["result"] = "positive"

    response = api.as_org("haixian", "POST", "/v1/batches", json=payload)

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "certificates.1.result",
            "reason": "'positive' is not a passing nucleic_acid_test result "
            "(accepted: 阴性, 未检出, negative, not detected, 合格, qualified, pass, passed)",
        }
    ]


def test_role_refusal_names_the_callers_type_with_its_article(api: Api) -> None:
    api.add_org("haixian", "importer")
    api.add_org("shop", "retailer")
    recall = {"batch_id": "09506000134352.L2026-001", "reason": "test", "recall_class": "III"}

    by_importer = api.as_org("haixian", "POST", "/v1/recalls", json=recall)
    by_retailer = api.as_org("shop", "POST", "/v1/batches", json=batch_payload(api, "shop"))

    assert by_importer.status_code == 403
    assert by_importer.json()["detail"] == "only regulator organisations may do this; haixian is an importer"
    assert by_retailer.json()["detail"] == "only importer organisations may do this; shop is a retailer"
