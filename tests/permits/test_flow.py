"""An application's steps through the API, each a ledger record: application (materials and the
declaration) → accepted → examined → approved with a permit; a refusal; the certificate suspended,
reinstated and revoked; and the steps out of order."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from tests._facts import assert_facts_round_trip
from tests.api.conftest import Api
from tests.permits.conftest import LICENCE_USCC, Permits
from trace_api.orgs.models import Organisation
from trace_api.permits import DECLARATION
from trace_api.permits.reviews import luhn_digit

sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _kinds(permit: dict[str, object]) -> list[str]:
    return [step["kind"] for step in permit["history"]]  # type: ignore[attr-defined, index]


def test_member_applies_and_is_permitted_with_every_step_in_the_ledger(api: Api, permits: Permits) -> None:
    """Runs on SQLite and on PostgreSQL."""
    api.add_org("laozhengxing", "restaurant")
    response = permits.submit("laozhengxing")
    assert response.status_code == 201, response.text
    body = response.json()
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y%m%d")
    assert re.fullmatch(rf"XK-310101-{today}-0001", body["id"])
    assert "query_code" not in body
    assert (body["status"], body["applicant"]) == ("submitted", {"type": "org", "handle": "laozhengxing"})
    number = body["id"]

    assert permits.reviewed(number, "accept", "材料齐全，予以受理。")["status"] == "accepted"
    examined = permits.reviewed(number, "examine", "经现场核查，符合要求。")
    assert (examined["status"], examined["record_id"]) == ("examined", f"permit:{number}:examined")
    approved = permits.reviewed(number, "approve", "准予许可。", valid_years=5)
    certificate = approved["certificate"]
    assert (approved["status"], approved["decided_by"], certificate["state"]) == (
        "approved",
        "samr",
        "active",
    )
    assert re.fullmatch(r"JY2310101000001\d", certificate["number"])
    assert certificate["number"][-1] == luhn_digit(certificate["number"][2:-1])
    valid_from = dt.date.fromisoformat(certificate["valid_from"])
    assert dt.date.fromisoformat(certificate["valid_until"]) == valid_from.replace(
        year=valid_from.year + 5
    ) - dt.timedelta(days=1)

    seen = permits.get(number, "laozhengxing")
    assert _kinds(seen) == ["permit.submitted", "permit.accepted", "permit.examined", "permit.approved"]
    submitted = seen["history"][0]["payload"]
    assert submitted["declaration"] == DECLARATION
    assert submitted["declaration_sha256"] == hashlib.sha256(DECLARATION.encode()).hexdigest()
    assert (submitted["uscc"], submitted["phone_masked"]) == (LICENCE_USCC, "021****2624")
    assert {m["sha256"] for m in submitted["materials"]} == {m["sha256"] for m in seen["materials"]}
    assert [s["payload"]["opinion"] for s in seen["history"][1:]] == [
        "材料齐全，予以受理。",
        "经现场核查，符合要求。",
        "准予许可。",
    ]
    for step in seen["history"]:
        stored = api.services.ledger.get(step["record_id"])
        assert step["leaf_hash"] == hashlib.sha256(b"\0" + stored.body).hexdigest()
    download = api.as_org("laozhengxing", "GET", seen["materials"][0]["url"])
    assert hashlib.sha256(download.content).hexdigest() == seen["materials"][0]["sha256"]
    kinds = {k for k in assert_facts_round_trip(api.services.ledger) if k.startswith("permit.")}
    assert kinds == {"permit.submitted", "permit.accepted", "permit.examined", "permit.approved"}


@sqlite_only
def test_certificate_is_suspended_reinstated_and_revoked_each_a_ledger_record(
    api: Api, permits: Permits
) -> None:
    number = permits.approved()
    certificate_no = permits.get(number)["certificate"]["number"]

    suspended = permits.acted(number, "suspend", "后厨卫生严重不达标，责令停业整改。")
    assert (suspended["certificate"]["state"], suspended["record_id"]) == (
        "suspended",
        f"permit:{number}:suspended:1",
    )
    assert permits.acted(number, "reinstate", "整改到位，恢复经营。")["certificate"]["state"] == "active"
    assert permits.acted(number, "revoke", "以欺骗手段取得许可。")["certificate"]["state"] == "revoked"
    again = permits.act(number, "reinstate", "再恢复")
    assert again.status_code == 409
    assert again.json()["detail"] == f"certificate {certificate_no} is revoked: it cannot be reinstated"

    about = api.services.ledger.about("permit_certificate", certificate_no)
    assert [s.kind for s in about] == [
        "permit.approved",
        "permit.suspended",
        "permit.reinstated",
        "permit.revoked",
    ]
    reasons = [s.record().payload.get("reason") for s in about[1:]]
    assert reasons == ["后厨卫生严重不达标，责令停业整改。", "整改到位，恢复经营。", "以欺骗手段取得许可。"]
    with Session(api.services.engine) as session:
        samr = session.exec(select(Organisation).where(Organisation.handle == "samr")).one()
    assert {s.record().actor.org for s in about[1:]} == {samr.uscc}


@sqlite_only
def test_person_applies_and_reads_with_the_query_code_and_a_refusal_states_reasons(permits: Permits) -> None:
    number = permits.submitted(business_format="food_sales", items=["预包装食品销售"])
    seen = permits.as_applicant(number, "GET")
    assert seen.status_code == 200, seen.text
    assert seen.json()["applicant"] == {"type": "person"}
    permits.reviewed(number, "accept", "受理。")
    refused = permits.reviewed(number, "refuse", "经营场所与有毒有害场所距离不足 25 米。")
    assert (refused["status"], refused["certificate"]) == ("refused", None)
    assert _kinds(permits.as_applicant(number, "GET").json())[-1] == "permit.refused"
    assert permits.as_applicant(number, "GET", "/certificate.pdf").status_code == 404


@sqlite_only
@pytest.mark.parametrize(
    ("steps", "decision", "detail"),
    [
        ([], "examine", "is submitted: cannot examine (accept it first)"),
        ([], "approve", "is submitted: cannot approve (accept it first)"),
        (["accept"], "approve", "is accepted: cannot approve (examine it first)"),
        (["accept"], "accept", "is accepted: cannot accept (examine it first)"),
        (["accept", "examine"], "examine", "is examined: cannot examine (it awaits the decision)"),
        (["accept", "examine", "approve"], "refuse", "was approved: it takes no further step"),
        (["refuse"], "accept", "was refused: it takes no further step"),
    ],
)
def test_steps_out_of_order_are_conflicts(
    permits: Permits, steps: list[str], decision: str, detail: str
) -> None:
    number = permits.submitted()
    for step in steps:
        permits.reviewed(number, step)
    size = permits.api.services.ledger.size()
    answer = permits.review(number, decision)
    assert answer.status_code == 409
    assert answer.json()["detail"] == f"permit application {number} {detail}"
    assert permits.api.services.ledger.size() == size


@sqlite_only
def test_certificate_changes_need_an_issued_certificate_and_the_right_state(permits: Permits) -> None:
    pending = permits.submitted()
    early = permits.act(pending, "suspend")
    assert early.status_code == 409
    assert (
        early.json()["detail"]
        == f"permit application {pending} is submitted: it has no certificate to suspend"
    )
    number = permits.approved()
    certificate_no = permits.get(number)["certificate"]["number"]
    assert permits.act(number, "reinstate").json()["detail"] == (
        f"certificate {certificate_no} is active: it cannot be reinstated"
    )
    permits.acted(number, "suspend")
    assert permits.act(number, "suspend").status_code == 409
