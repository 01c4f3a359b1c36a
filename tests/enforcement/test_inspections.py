"""On-site inspections: an inspector's key records one from a template, the party filled in from
the registry, findings with photos and video stored by SHA-256, one ledger record, exactly once."""

from __future__ import annotations

import hashlib

from evidence import leaf_hash
from tests.enforcement.conftest import MP4, Enforcement, findings, png
from tests.permits.conftest import Permits
from trace_api.enforcement import InspectionRecorded


def test_inspection_recorded_with_party_from_registry_and_evidence(enforcement: Enforcement) -> None:
    api = enforcement.api
    restaurant = api.add_org("laozhengxing", "restaurant")
    number = Permits(api).approved("laozhengxing", uscc=restaurant["uscc"])
    enforcement.inspector("wang")
    photo, video = png("red"), MP4
    body = enforcement.recorded(
        "wang",
        "laozhengxing",
        files=[photo, video],
        findings=findings({"C4": "消毒柜未通电，餐具未消毒"}, evidence={"C4": [photo, video]}),
        summary="后厨整体整洁，消毒设施未正常使用。",
    )

    assert body["id"].startswith("JC-")
    assert (body["party"], body["regulator"], body["failed_items"], body["evidence_count"]) == (
        "laozhengxing", "samr", 1, 2,
    )  # fmt: skip
    record = body["record"]
    assert record["party"]["name"] == "laozhengxing Co."
    assert record["party"]["uscc"] == restaurant["uscc"]
    permit = Permits(api).get(number)
    assert record["party"]["permits"] == [
        {"certificate_no": permit["certificate"]["number"], "state": "active"}
    ]
    assert record["inspector_name"] == "王建国"
    assert record["template_name"] == "餐饮服务食品安全监督检查"
    failed = [f for f in record["findings"] if f["result"] == "fail"]
    assert [f["item"] for f in failed] == ["C4"]
    assert failed[0]["legal_basis"].startswith("《中华人民共和国食品安全法》")
    assert [(e["sha256"], e["content_type"]) for e in failed[0]["evidence"]] == [
        (hashlib.sha256(photo).hexdigest(), "image/png"),
        (hashlib.sha256(video).hexdigest(), "video/mp4"),
    ]
    for each, data in zip(failed[0]["evidence"], (photo, video), strict=True):
        got = api.as_org("samr", "GET", each["url"])
        assert got.status_code == 200
        assert got.content == data
        assert got.headers["content-type"] == each["content_type"]

    stored = api.services.ledger.get(body["record_id"])
    assert stored.index == body["ledger_index"]
    fact = InspectionRecorded.of(stored)
    assert fact.failed_items == 1
    assert fact.party.handle == "laozhengxing"
    about_firm = [s.record().kind for s in api.services.ledger.about("org", restaurant["uscc"])]
    assert "inspection.recorded" in about_firm
    assert len(leaf_hash(stored.body)) == 32


def test_inspection_sent_twice_is_recorded_once(enforcement: Enforcement) -> None:
    api = enforcement.api
    api.add_org("noodles", "restaurant")
    enforcement.inspector("wang")
    first = enforcement.recorded("wang", "noodles", client_id="phone-draft-0001")
    again = enforcement.record("wang", "noodles", client_id="phone-draft-0001")

    assert again.status_code == 200, again.text
    assert again.json()["id"] == first["id"]
    assert again.json()["record_id"] == first["record_id"]
    listed = api.as_org("samr", "GET", "/v1/enforcement/inspections").json()["inspections"]
    assert [i["id"] for i in listed] == [first["id"]]
    kinds = [s.record().kind for s in api.services.ledger.about("inspection", first["id"])]
    assert kinds == ["inspection.recorded"]


def test_party_sees_its_own_inspections_only(enforcement: Enforcement) -> None:
    api = enforcement.api
    api.add_org("noodles", "restaurant")
    api.add_org("dumplings", "restaurant")
    enforcement.inspector("wang")
    mine = enforcement.recorded("wang", "noodles")

    own = api.as_org("noodles", "GET", "/v1/enforcement/inspections").json()["inspections"]
    assert [i["id"] for i in own] == [mine["id"]]
    assert api.as_org("noodles", "GET", f"/v1/enforcement/inspections/{mine['id']}").status_code == 200
    other = api.as_org("dumplings", "GET", f"/v1/enforcement/inspections/{mine['id']}")
    assert other.status_code == 404, other.text
    assert api.as_org("dumplings", "GET", "/v1/enforcement/inspections").json()["inspections"] == []


def test_templates_name_items_with_legal_basis(enforcement: Enforcement) -> None:
    body = enforcement.api.client.get("/v1/enforcement/templates").json()
    codes = [t["code"] for t in body["templates"]]
    assert codes == ["catering", "food_production", "farmers_market", "special_equipment"]
    for each in body["templates"]:
        assert each["items"]
        assert all(item["legal_basis"] for item in each["items"])
    assert enforcement.api.client.get("/v1/enforcement/templates/bakery").status_code == 404
