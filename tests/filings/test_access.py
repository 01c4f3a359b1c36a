"""Who may see and act on a filing: its applicant (by key or query code) and the regulators; only
those of its jurisdiction review or inspect it; anyone else finds no such filing."""

from __future__ import annotations

import pytest

from tests.filings.conftest import PDF, Filings

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

INSPECTION = {"result": "pass", "items": [{"name": "健康证明在有效期内", "passed": True}]}


def test_another_applicant_can_neither_see_nor_act_on_a_filing(filings: Filings) -> None:
    api = filings.api
    api.add_org("laowang", "restaurant")
    api.add_org("xiaoli", "restaurant")
    number = filings.submitted("laowang")
    filings.reviewed(number, "request_more", "请补交材料。")
    paths = ["", "/materials/" + filings.get(number)["materials"][0]["id"], "/inspections"]

    for path in paths:
        assert api.as_org("xiaoli", "GET", f"/v1/filings/{number}{path}").status_code == 404, path
        assert api.as_org("laowang", "GET", f"/v1/filings/{number}{path}").status_code == 200, path
    foreign = api.as_org(
        "xiaoli", "POST", f"/v1/filings/{number}/supplements", data={"note": "冒充"},
        files=[("other", ("x.pdf", PDF, "application/pdf"))],
    )  # fmt: skip
    assert foreign.status_code == 404
    assert api.as_org("xiaoli", "GET", "/v1/filings").json()["filings"] == []
    assert filings.get(number)["status"] == "more_requested"


def test_query_code_opens_its_own_filing_only(filings: Filings) -> None:
    client = filings.api.client
    mine, theirs = filings.submitted(), filings.submitted()

    assert client.get(f"/v1/filings/{mine}", headers={"X-Query-Code": filings.codes[mine]}).status_code == 200
    wrong = client.get(f"/v1/filings/{mine}", headers={"X-Query-Code": filings.codes[theirs]})
    assert wrong.status_code == 404
    assert wrong.headers["content-type"] == "application/problem+json"
    assert client.get(f"/v1/filings/{mine}", headers={"X-Query-Code": "2222-2222-2222"}).status_code == 404
    anonymous = client.get(f"/v1/filings/{mine}")
    assert anonymous.status_code == 401
    assert "query code" in anonymous.json()["detail"]
    assert client.get("/v1/filings").status_code == 401  # lists need a member key
    assert client.get("/v1/filings/SX-310115-20260101-9999", headers={"X-Query-Code": "x"}).status_code == 404


def test_member_key_cannot_review_and_query_code_cannot_review(filings: Filings) -> None:
    api = filings.api
    api.add_org("laowang", "restaurant")
    number = filings.submitted("laowang")

    own = filings.review(number, "accept", "自己受理", handle="laowang")
    assert own.status_code == 403
    assert "only regulator organisations may do this" in own.json()["detail"]
    anonymous = api.client.post(
        f"/v1/filings/{number}/reviews",
        json={"decision": "accept", "opinion": "受理"},
        headers={"X-Query-Code": "2222-2222-2222"},
    )
    assert anonymous.status_code == 401
    assert filings.get(number)["status"] == "submitted"


def test_only_regulators_of_the_filings_jurisdiction_review_and_inspect_it(filings: Filings) -> None:
    filings.add_regulator("hangzhou", "Hangzhou")
    number = filings.submitted()

    assert filings.get(number, "hangzhou")["status"] == "submitted"  # every regulator reads
    refused = filings.review(number, "accept", "受理。", handle="hangzhou")
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        f"hangzhou supervises 'Hangzhou'; filing {number} is filed with 'Shanghai'"
    )
    filings.reviewed(number, "accept", "受理。")
    filings.reviewed(number, "approve", "准予。")
    inspection = filings.api.as_org("hangzhou", "POST", f"/v1/filings/{number}/inspections", json=INSPECTION)
    assert inspection.status_code == 403
    assert filings.get(number, "hangzhou")["status"] == "approved"


def test_regulator_neither_applies_nor_supplements(filings: Filings) -> None:
    applied = filings.submit("samr")
    assert applied.status_code == 403
    assert "does not apply" in applied.json()["detail"]
    number = filings.submitted()
    filings.reviewed(number, "request_more", "请补交。")
    supplement = filings.api.as_org(
        "samr", "POST", f"/v1/filings/{number}/supplements", data={"note": "代补"},
        files=[("other", ("x.pdf", PDF, "application/pdf"))],
    )  # fmt: skip
    assert supplement.status_code == 403


def test_device_key_neither_applies_nor_reviews(filings: Filings) -> None:
    api = filings.api
    api.add_org("laowang", "restaurant")
    made = api.as_org("laowang", "POST", "/v1/organisations/me/keys", params={"kind": "device"})
    assert made.status_code == 201, made.text
    api.keys["laowang-device"] = made.json()["api_key"]
    number = filings.submitted("laowang")
    filings.reviewed(number, "request_more", "请补交。")

    applied = filings.submit("laowang-device")
    supplement = api.as_org(
        "laowang-device", "POST", f"/v1/filings/{number}/supplements", data={"note": "设备补正"},
        files=[("other", ("x.pdf", PDF, "application/pdf"))],
    )  # fmt: skip
    assert (applied.status_code, supplement.status_code) == (403, 403)
    assert "device key" in applied.json()["detail"]
    assert filings.as_applicant(number, "GET", handle="laowang-device").status_code == 200  # it reads
