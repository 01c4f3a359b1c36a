"""Members' standing: the USCC check, finding members, suspending and restoring them (their keys
refused at once, their chain role revoked and granted again after commit, in commit order)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, col, func, select
from web3 import Web3

from chain import Role
from tests.api.conftest import Api, batch_payload, make_uscc
from tests.api.test_chain_outbox import _expire_lease, _ops
from tests.api.test_scans import BATCH, _scan
from trace_api.chainops import ChainStatus, ChainWorker, Orgs, send_fact
from trace_api.orgs import org_chain_id, with_check_character
from trace_api.orgs.models import Organisation
from trace_api.reconcile.service import reconcile

ORGS = "/v1/organisations"
CHECK = f"{ORGS}/uscc-check"
VALID = with_check_character("91310000MA1FL4HB2")


def _org_count(api: Api) -> int:
    with Session(api.services.engine) as session:
        return int(session.exec(select(func.count()).select_from(Organisation)).one())


def _suspend(api: Api, handle: str, reason: str = "Sold goods without certificates", by: str = "samr") -> Any:
    return api.as_org(by, "POST", f"{ORGS}/{handle}/suspend", json={"reason": reason})


def _restore(api: Api, handle: str, reason: str = "Certificates shown", by: str = "samr") -> Any:
    return api.as_org(by, "POST", f"{ORGS}/{handle}/restore", json={"reason": reason})


def _key_answer(api: Api, key: str, method: str = "GET", url: str = f"{ORGS}/me", **kw: Any) -> Any:
    return api.client.request(method, url, headers={"Authorization": f"Bearer {key}"}, **kw)


# -- the USCC check -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        (VALID[:17], {"problem": "length", "length": 17}),
        (VALID + "1", {"problem": "length", "length": 19}),
        (VALID[:4] + "O" + VALID[5:16] + "I" + VALID[17], {"problem": "character", "characters": "OI"}),
        ("91ABCDEF" + VALID[8:], {"problem": "region"}),
    ],
)
def test_uscc_check_names_the_rule_a_code_breaks(api: Api, typed: str, answer: dict[str, Any]) -> None:
    response = api.as_org("samr", "GET", CHECK, params={"uscc": typed})

    assert response.status_code == 200, response.text
    assert response.json()["valid"] is False
    assert response.json().items() >= answer.items()


def test_uscc_check_says_which_check_character_a_code_should_have(api: Api) -> None:
    wrong = VALID[:17] + ("1" if VALID[17] != "1" else "2")
    taken = api.add_org("haixian", "importer")["uscc"]
    before = (_org_count(api), api.services.ledger.size())

    checked = api.as_org("samr", "GET", CHECK, params={"uscc": wrong.lower()}).json()
    right = api.as_org("samr", "GET", CHECK, params={"uscc": f" {VALID} "}).json()
    held = api.as_org("samr", "GET", CHECK, params={"uscc": taken}).json()

    assert checked == {
        "uscc": wrong,
        "valid": False,
        "problem": "check_character",
        "reason": f"check character should be {VALID[17]!r}, not {wrong[17]!r}",
        "expected": VALID[17],
        "found": wrong[17],
    }
    assert right == {"uscc": VALID, "valid": True, "admitted_as": None}
    assert held["admitted_as"] == "haixian"
    assert (_org_count(api), api.services.ledger.size()) == before  # checking changes nothing


def test_uscc_check_needs_a_key_and_positions_illegal_characters(api: Api) -> None:
    anonymous = api.client.get(CHECK, params={"uscc": VALID})
    bad = api.as_org("samr", "GET", CHECK, params={"uscc": "9131000S" + VALID[8:]}).json()

    assert anonymous.status_code == 401
    assert (bad["positions"], bad["characters"]) == ([8], "S")
    assert bad["reason"].startswith("'S' at position 8: not allowed")


def test_admission_refuses_a_wrong_check_character_by_field_and_creates_nothing(api: Api) -> None:
    wrong = VALID[:17] + ("1" if VALID[17] != "1" else "2")
    body = {"handle": "haixian", "name": "Haixian", "org_type": "importer", "jurisdiction": "Shanghai"}

    refused = api.as_org("samr", "POST", ORGS, json=body | {"uscc": wrong})
    reserved = api.as_org("samr", "POST", ORGS, json=body | {"uscc": VALID, "handle": "uscc-check"})

    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "uscc", "reason": f"check character should be {VALID[17]!r}, not {wrong[17]!r}"}
    ]
    assert reserved.status_code == 422
    assert [e["field"] for e in reserved.json()["errors"]] == ["handle"]
    assert _org_count(api) == 1


# -- finding members ----------------------------------------------------------------------------


def _admit_org(api: Api, handle: str, org_type: str, jurisdiction: str, name: str) -> None:
    body = {
        "handle": handle,
        "name": name,
        "org_type": org_type,
        "uscc": make_uscc(),
        "jurisdiction": jurisdiction,
    }
    response = api.as_org("samr", "POST", ORGS, json=body)
    assert response.status_code == 201, response.text
    api.keys[handle] = response.json()["api_key"]


def test_members_are_found_by_type_jurisdiction_status_and_text_a_page_at_a_time(api: Api) -> None:
    _admit_org(api, "dongfang", "importer", "上海市浦东新区", "东方海鲜进口有限公司")
    _admit_org(api, "haixian", "importer", "上海市徐汇区", "Haixian Import Co.")
    _admit_org(api, "xiaomai", "retailer", "上海市浦东新区", "小麦超市")
    _admit_org(api, "yuchang", "wholesaler", "杭州市", "渔场批发")
    assert _suspend(api, "xiaomai").status_code == 200

    def handles(**params: Any) -> list[str]:
        response = api.as_org("samr", "GET", ORGS, params=params)
        assert response.status_code == 200, response.text
        return [o["handle"] for o in response.json()["organisations"]]

    assert handles(type="importer") == ["dongfang", "haixian"]
    assert handles(jurisdiction="浦东") == ["dongfang", "xiaomai"]
    assert handles(status="suspended") == ["xiaomai"]
    assert handles(status="active", jurisdiction="上海") == ["dongfang", "haixian"]
    assert handles(q="HAIXIAN") == ["haixian"]  # the handle, any case
    assert handles(q="海鲜") == ["dongfang"]  # the name
    first = api.as_org("samr", "GET", ORGS, params={"limit": 2}).json()
    second = api.as_org("samr", "GET", ORGS, params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [o["handle"] for o in first["organisations"] + second["organisations"]] == [
        "dongfang",
        "haixian",
        "samr",
        "xiaomai",
    ]
    assert api.as_org("samr", "GET", ORGS, params={"status": "gone"}).status_code == 422


def test_why_a_member_is_suspended_is_for_regulators_and_itself(api: Api) -> None:
    api.add_org("haixian", "importer")
    api.add_org("partner", "wholesaler")
    _suspend(api, "partner", "Expired licence")

    seen_by_member = api.as_org("haixian", "GET", f"{ORGS}/partner").json()
    seen_by_regulator = api.as_org("samr", "GET", f"{ORGS}/partner").json()
    listed = api.as_org("haixian", "GET", ORGS, params={"q": "partner"}).json()["organisations"]

    assert seen_by_member["status"] == "suspended"
    assert "suspension_reason" not in seen_by_member
    assert "history" not in seen_by_member
    assert "chain" not in seen_by_member
    assert "suspension_reason" not in listed[0]
    assert seen_by_regulator["suspension_reason"] == "Expired licence"
    assert api.as_org("samr", "GET", f"{ORGS}/nobody").status_code == 404


# -- suspending and restoring -------------------------------------------------------------------


def test_a_suspended_members_keys_are_refused_and_its_role_revoked_after_its_earlier_facts(
    api: Api,
) -> None:
    address = Web3.to_checksum_address(api.add_org("haixian", "importer")["chain_address"])
    device = api.as_org("haixian", "POST", f"{ORGS}/me/keys", params={"kind": "device"}).json()["api_key"]
    admitted = api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian"))
    assert admitted.status_code == 201, admitted.text

    suspended = _suspend(api, "haixian")

    assert suspended.status_code == 200, suspended.text
    answer = suspended.json()
    assert answer["organisation"]["status"] == "suspended"
    assert answer["record"]["kind"] == "org.suspended"
    assert answer["record"]["chain"]["status"] == "pending"
    for key in (api.keys["haixian"], device):
        refused = _key_answer(api, key)
        assert refused.status_code == 403
        problem = refused.json()
        assert problem["type"].endswith("/organisation-suspended")
        assert "haixian is suspended" in problem["detail"]
        assert "Sold goods without certificates" in problem["detail"]

    api.mined()

    ops = _ops(api)[1:]  # after samr's own grant
    assert [(op.operation.value, op.status) for op in ops] == [
        ("grant", ChainStatus.mined),  # its admission
        ("register", ChainStatus.mined),  # the member's own fact next, signed while it held its role
        ("revoke", ChainStatus.mined),
    ]
    assert Role.IMPORTER not in api.services.chain.roles_of(address)
    member = api.as_org("samr", "GET", f"{ORGS}/haixian").json()
    assert member["chain"] | {"account": None} == {
        "account": None,
        "role": "importer",
        "holds_role": False,
        "pending_changes": 0,
        "error": None,
    }
    assert member["keys"] == {"member": 1, "device": 1}
    assert [(h["kind"], h["by"], h["chain"]) for h in member["history"]] == [
        ("org.suspended", "samr", "confirmed")
    ]
    records = api.services.ledger.about("membership", member["uscc"])
    assert [r.record().payload for r in records] == [
        {
            "handle": "haixian",
            "reason": "Sold goods without certificates",
            "role": "IMPORTER_ROLE",
            "account": member["chain_address"],
        }
    ]


def test_a_restored_member_acts_again_and_holds_its_role_again(api: Api) -> None:
    address = Web3.to_checksum_address(api.add_org("haixian", "importer")["chain_address"])
    assert _suspend(api, "haixian").status_code == 200
    api.mined()

    restored = _restore(api, "haixian")
    again = _restore(api, "haixian")

    assert restored.status_code == 200, restored.text
    assert restored.json()["organisation"]["status"] == "active"
    assert restored.json()["organisation"]["suspended_at"] is None
    assert again.status_code == 409
    assert _key_answer(api, api.keys["haixian"]).status_code == 200
    api.mined()
    assert Role.IMPORTER in api.services.chain.roles_of(address)
    admitted = api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian"))
    assert admitted.status_code == 201, admitted.text
    api.mined()
    assert [(op.operation.value, op.status) for op in _ops(api)[1:]] == [
        ("grant", ChainStatus.mined),
        ("revoke", ChainStatus.mined),
        ("grant", ChainStatus.mined),
        ("register", ChainStatus.mined),
    ]
    history = api.as_org("samr", "GET", f"{ORGS}/haixian").json()["history"]
    assert [(h["kind"], h["reason"]) for h in history] == [
        ("org.restored", "Certificates shown"),
        ("org.suspended", "Sold goods without certificates"),
    ]


def test_only_a_regulator_suspends_never_itself_nor_twice_and_always_with_a_reason(api: Api) -> None:
    api.add_org("haixian", "importer")
    api.add_org("partner", "wholesaler")

    by_member = _suspend(api, "partner", by="haixian")
    itself = _suspend(api, "samr")
    unknown = _suspend(api, "nobody")
    no_reason = _suspend(api, "partner", reason="")
    first = _suspend(api, "partner")
    twice = _suspend(api, "partner")
    restore_by_member = _restore(api, "partner", by="haixian")
    restore_active = _restore(api, "haixian")

    assert by_member.status_code == 403
    assert "only regulator organisations" in by_member.json()["detail"]
    assert itself.status_code == 403
    assert "may not suspend its own organisation" in itself.json()["detail"]
    assert unknown.status_code == 404
    assert no_reason.status_code == 422
    assert [e["field"] for e in no_reason.json()["errors"]] == ["reason"]
    assert first.status_code == 200
    assert twice.status_code == 409
    assert restore_by_member.status_code == 403
    assert restore_active.status_code == 409
    assert [r.kind for r in api.services.ledger.about("membership", _uscc(api, "partner"))] == [
        "org.suspended"
    ]


def _uscc(api: Api, handle: str) -> str:
    return str(api.as_org("samr", "GET", f"{ORGS}/{handle}").json()["uscc"])


def test_goods_are_not_shipped_to_a_suspended_member(api: Api) -> None:
    api.add_org("haixian", "importer")
    api.add_org("partner", "wholesaler")
    assert api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian")).status_code == 201
    _suspend(api, "partner")

    shipped = _scan(api, "haixian", action="ship", batch_id=BATCH, counterparty="partner")

    assert shipped.status_code == 422
    assert shipped.json()["errors"] == [
        {"field": "counterparty", "reason": "partner is suspended: it may not receive goods until restored"}
    ]


def test_a_role_change_sent_before_a_crash_is_found_on_chain_and_not_sent_again(api: Api) -> None:
    address = Web3.to_checksum_address(api.add_org("haixian", "importer")["chain_address"])
    assert api.chain_worker is not None
    dead = ChainWorker(api.services)
    with api.chain_worker._pass:  # the service's worker stays out while the other one lives and dies
        assert dead.lease.take()  # no worker sent anything yet: there is no lease to wait for
        record_id = _suspend(api, "haixian").json()["record"]["record_id"]
        op = next(o for o in _ops(api) if o.record_id == record_id)
        dead._mark_sending(op)
        with Session(api.services.engine) as session:
            sent = send_fact(api.services, Orgs(session), api.services.ledger.get(record_id), op.batch_id)
        _expire_lease(api)

    api.mined()

    after = next(o for o in _ops(api) if o.id == op.id)
    assert (after.status, after.attempts, after.tx_hash) == (ChainStatus.mined, 1, sent.tx_hash)
    assert Role.IMPORTER not in api.services.chain.roles_of(address)


def test_the_reconciler_keeps_a_suspended_member_without_its_role(api: Api) -> None:
    address = Web3.to_checksum_address(api.add_org("haixian", "importer")["chain_address"])
    _suspend(api, "haixian")
    api.mined()
    # The node lost the revocation (a restart from older state).
    with Session(api.services.engine) as session:
        org = session.exec(select(Organisation).where(col(Organisation.handle) == "haixian")).one()
    api.services.chain.grant_member(api.services.regulator_key, address, Role.IMPORTER, org_chain_id(org))

    found = reconcile(api.services, repair=False)
    repaired = reconcile(api.services, repair=True)

    assert [(d.batch_id, d.kind, d.chain) for d in found.found] == [("org:haixian", "member", "importer")]
    assert [r.kind for r in repaired.repairs] == ["member.revoked"]
    assert Role.IMPORTER not in api.services.chain.roles_of(address)
    assert reconcile(api.services, repair=False).found == []  # and never granted back while suspended
