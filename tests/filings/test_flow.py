"""A filing's steps through the API, each a ledger record: application → acceptance number →
accepted → approved with a certificate; a request for more materials answered by a supplement;
a refusal; and the steps a filing may not take."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from zoneinfo import ZoneInfo

import pytest

from tests._facts import assert_facts_round_trip
from tests.api.conftest import Api
from tests.filings.conftest import PDF, Filings, id_number, png

sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _kinds(filing: dict[str, object]) -> list[str]:
    return [step["kind"] for step in filing["history"]]  # type: ignore[attr-defined, index]


def filing_kinds_round_trip(api: Api) -> set[str]:
    """Every record of the ledger read through its model (filings' included, through the shared
    catalogue) gives back the bytes it was written with; the filing kinds seen."""
    return {kind for kind in assert_facts_round_trip(api.services.ledger) if kind.startswith("filing.")}


def test_member_applies_and_is_registered_with_every_step_in_the_ledger(api: Api, filings: Filings) -> None:
    """Runs on SQLite and on PostgreSQL."""
    api.add_org("laowang", "restaurant")
    response = filings.submit("laowang")
    assert response.status_code == 201, response.text
    body = response.json()
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y%m%d")
    assert re.fullmatch(rf"SX-310115-{today}-\d{{4}}", body["id"])
    assert "query_code" not in body  # a member reads its filing with its key
    assert (body["status"], body["applicant"]) == ("submitted", {"type": "org", "handle": "laowang"})
    assert sorted(m["kind"] for m in body["materials"]) == [
        "health_certificate", "health_certificate", "id_document", "layout", "premises_proof",
    ]  # fmt: skip
    number = body["id"]

    accepted = filings.reviewed(number, "accept", "材料齐全，予以受理。")
    assert accepted["status"] == "accepted"
    assert accepted["record_id"] == f"filing:{number}:accepted"
    approved = filings.reviewed(number, "approve", "经审查符合要求，准予登记。", valid_years=3)
    certificate = approved["certificate"]
    assert approved["status"] == "approved"
    assert approved["decided_by"] == "samr"
    assert re.fullmatch(r"SXDJ-310115-\d{4}-00001", certificate["number"])
    valid_from = dt.date.fromisoformat(certificate["valid_from"])
    assert dt.date.fromisoformat(certificate["valid_until"]) == valid_from.replace(
        year=valid_from.year + 3
    ) - dt.timedelta(days=1)

    seen = filings.get(number, "laowang")
    assert _kinds(seen) == ["filing.submitted", "filing.accepted", "filing.approved"]
    submitted = seen["history"][0]["payload"]
    assert submitted["operator_id_masked"] == id_number()[:3] + "*" * 11 + id_number()[-4:]
    assert "operator_id_number" not in submitted
    assert submitted["phone_masked"] == "138****8000"
    assert {m["sha256"] for m in submitted["materials"]} == {m["sha256"] for m in seen["materials"]}
    assert seen["history"][2]["payload"]["certificate_no"] == certificate["number"]
    for step in seen["history"]:
        stored = api.services.ledger.get(step["record_id"])
        assert step["leaf_hash"] == hashlib.sha256(b"\0" + stored.body).hexdigest()
    material = seen["materials"][0]
    download = api.as_org("laowang", "GET", material["url"])
    assert download.status_code == 200
    assert hashlib.sha256(download.content).hexdigest() == material["sha256"]
    assert filing_kinds_round_trip(api) == {"filing.submitted", "filing.accepted", "filing.approved"}


@sqlite_only
def test_person_applies_without_membership_and_follows_it_with_the_query_code(filings: Filings) -> None:
    response = filings.submit(business_type="stall", files=None)
    assert response.status_code == 201, response.text
    body = response.json()
    number, code = body["id"], body["query_code"]
    assert re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}", code)
    assert body["applicant"] == {"type": "person"}

    mine = filings.api.client.get(
        f"/v1/filings/{number}", headers={"X-Query-Code": code.lower().replace("-", "")}
    )
    assert mine.status_code == 200, mine.text  # however it is typed
    assert mine.json()["history"][0]["payload"]["applicant"] == "person"
    record = filings.api.services.ledger.get(f"filing:{number}:submitted").record()
    assert (record.actor.org, record.actor.key_id) == ("person", "query-code")
    assert code not in record.model_dump_json()


@sqlite_only
def test_request_for_more_materials_is_answered_by_a_supplement_and_then_approved(filings: Filings) -> None:
    number = filings.submitted()
    filings.reviewed(number, "accept", "受理。")
    asked = filings.reviewed(
        number, "request_more", "健康证明已过期，请补交有效的健康证明。", requested=["health_certificate"]
    )
    assert (asked["status"], asked["requests"]) == ("more_requested", 1)
    approve_now = filings.review(number, "approve", "准予。")
    assert approve_now.status_code == 409
    assert "awaits the applicant's supplement" in approve_now.json()["detail"]

    answer = filings.as_applicant(
        number, "POST", "/supplements", data={"note": "已补交新的健康证明。"},
        files=[("health_certificates", ("新健康证.png", png("green"), "image/png"))],
    )  # fmt: skip
    assert answer.status_code == 201, answer.text
    assert answer.json()["status"] == "accepted"  # back to review where it was
    assert [m["supplement"] for m in answer.json()["materials"]] == [1]
    again = filings.as_applicant(
        number,
        "POST",
        "/supplements",
        data={"note": "再补一份"},
        files=[("other", ("x.pdf", PDF, "application/pdf"))],
    )
    assert again.status_code == 409  # nothing awaits an answer

    filings.reviewed(number, "approve", "补正后符合要求，准予登记。")
    seen = filings.as_applicant(number, "GET").json()
    assert _kinds(seen) == [
        "filing.submitted", "filing.accepted", "filing.more_requested",
        "filing.supplemented", "filing.approved",
    ]  # fmt: skip
    request = seen["history"][2]["payload"]
    assert (request["opinion"], request["requested"], request["request"]) == (
        "健康证明已过期，请补交有效的健康证明。", ["health_certificate"], 1,
    )  # fmt: skip
    assert seen["history"][3]["payload"]["note"] == "已补交新的健康证明。"
    assert len(seen["materials"]) == 6


@sqlite_only
def test_request_before_acceptance_returns_the_supplemented_filing_to_acceptance(filings: Filings) -> None:
    number = filings.submitted()
    filings.reviewed(number, "request_more", "请补交经营场所证明。", requested=["premises_proof"])
    answer = filings.as_applicant(
        number, "POST", "/supplements", data={"note": "补交房产证明"},
        files=[("premises_proof", ("房产证.pdf", PDF + b"2", "application/pdf"))],
    )  # fmt: skip
    assert answer.json()["status"] == "submitted"
    assert filings.review(number, "approve", "准予。").status_code == 409  # accept it first
    assert filings.reviewed(number, "accept", "受理。")["status"] == "accepted"


@sqlite_only
def test_refusal_is_final_and_states_its_reasons(filings: Filings) -> None:
    number = filings.submitted()
    filings.reviewed(number, "accept", "受理。")
    refused = filings.reviewed(number, "refuse", "经营场所位于居民楼内，不符合食品安全要求。")
    assert (refused["status"], refused["certificate"]) == ("refused", None)
    assert refused["decision_url"] == f"/v1/filings/{number}/decision.pdf"

    for decision in ("approve", "accept", "refuse", "request_more"):
        late = filings.review(number, decision, "再审。")
        assert late.status_code == 409, decision
        assert "a decided filing takes no further step" in late.json()["detail"]
    record = filings.api.services.ledger.get(f"filing:{number}:refused").record()
    assert record.payload["opinion"] == "经营场所位于居民楼内，不符合食品安全要求。"
    assert _kinds(filings.get(number)) == ["filing.submitted", "filing.accepted", "filing.refused"]


@sqlite_only
def test_steps_out_of_order_are_conflicts_naming_where_the_filing_stands(filings: Filings) -> None:
    number = filings.submitted()
    early = filings.review(number, "approve", "准予。")
    assert early.status_code == 409
    assert early.json()["detail"] == f"filing {number} is submitted: cannot approve (accept it first)"
    filings.reviewed(number, "accept", "受理。")
    twice = filings.review(number, "accept", "受理。")
    assert twice.status_code == 409
    assert "it was accepted already" in twice.json()["detail"]
    supplement = filings.as_applicant(
        number,
        "POST",
        "/supplements",
        data={"note": "主动补充"},
        files=[("other", ("x.pdf", PDF, "application/pdf"))],
    )
    assert supplement.status_code == 409
    approved = filings.approved()
    assert filings.review(approved, "refuse", "撤销。").status_code == 409
    assert _kinds(filings.get(number)) == ["filing.submitted", "filing.accepted"]


@sqlite_only
def test_numbers_count_per_division_and_certificates_per_division_and_year(filings: Filings) -> None:
    first, second = filings.approved(), filings.approved()
    other = filings.approved(division_code="310104")
    numbers = [filings.get(n)["certificate"]["number"] for n in (first, second, other)]
    assert [n.rsplit("-", 1)[1] for n in numbers] == ["00001", "00002", "00001"]
    assert [n.rsplit("-", 1)[1] for n in (first, second, other)] == ["0001", "0002", "0001"]
    assert other.startswith("SX-310104-")


@sqlite_only
def test_review_queue_lists_pending_filings_a_page_at_a_time(filings: Filings) -> None:
    filings.api.add_org("laowang", "restaurant")
    numbers = [filings.submitted("laowang", business_name=f"面馆{i}") for i in range(3)]
    decided = filings.approved()
    filings.reviewed(numbers[0], "accept", "受理。")

    def listed(handle: str = "samr", **params: object) -> list[str]:
        found, cursor = [], None
        while True:
            query = {**params, "limit": 2, **({"cursor": cursor} if cursor else {})}
            page = filings.api.as_org(handle, "GET", "/v1/filings", params=query).json()
            found += [f["id"] for f in page["filings"]]
            cursor = page["next_cursor"]
            if cursor is None:
                return found

    assert listed(status="pending") == numbers[::-1]
    assert listed(status="approved") == [decided]
    assert listed(q="面馆1") == [numbers[1]]
    assert listed(q=numbers[2]) == [numbers[2]]
    assert listed("laowang") == numbers[::-1]  # a member sees its own only
    assert listed(business_type="stall") == []
    assert filings.api.client.get("/v1/filings/jurisdictions").json() == {"jurisdictions": ["Shanghai"]}
