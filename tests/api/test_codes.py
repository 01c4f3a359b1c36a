"""Item codes: issuance recorded in the ledger, access by holder only, QR symbols, label sheets, CLI."""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from pypdf import PdfReader
from sqlmodel import Session, select
from typer.testing import CliRunner

from evidence import write_transaction
from tests.api.conftest import Api, batch_payload
from trace_api.app import create_app
from trace_api.batches.models import Batch
from trace_api.codes import cli as codes_cli
from trace_api.codes.labels import LABELS_PER_PAGE, Label, LabelFontMissing, label_text, render_label_sheet
from trace_api.codes.routes import router as codes_router
from trace_api.codes.service import codes_of_batch, issue_codes
from trace_api.gs1 import SERIAL_ALPHABET, SERIAL_LENGTH, parse_item_code
from trace_api.orgs.models import Organisation
from trace_api.orgs.service import Member
from trace_api.services import Services

BATCH = "09506000134352.L2026-001"
CODES = f"/v1/batches/{BATCH}/codes"
URI = re.compile(rf"^http://127\.0\.0\.1:8000/01/09506000134352/10/L2026-001/21/[{SERIAL_ALPHABET}]{{16}}$")


def with_codes_routes(app: FastAPI) -> FastAPI:
    # Until create_app registers the codes router itself.
    if not any(getattr(route, "path", None) == "/v1/batches/{batch_id}/codes" for route in app.routes):
        app.include_router(codes_router)
    return app


@pytest.fixture
def codes_api(api: Api) -> Iterator[Api]:
    """The ``api`` fixture's services and keys, served by an app with the codes routes."""
    with TestClient(with_codes_routes(create_app(api.services))) as client:
        yield replace(api, client=client)
    # Close the pooled connections now rather than at garbage collection: a shared PostgreSQL
    # server otherwise runs out of connection slots over a module of tests.
    api.services.engine.dispose()


@pytest.fixture
def batch_id(codes_api: Api) -> str:
    codes_api.add_org("haixian", "importer")
    response = codes_api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(codes_api, "haixian"))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def issue(api: Api, count: int, handle: str = "haixian") -> Any:
    return api.as_org(handle, "POST", CODES, json={"count": count})


def ledger_record(api: Api, record_id: str) -> dict[str, Any]:
    stored = api.services.ledger.get(record_id)
    assert stored.kind == "codes.issued"
    return dict(json.loads(stored.body))


def serials_of(uris: list[str]) -> list[str]:
    return [parse_item_code(uri).serial for uri in uris]


def test_issue_codes_answers_digital_link_uris_recorded_in_ledger(codes_api: Api, batch_id: str) -> None:
    response = issue(codes_api, 5)

    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["batch_id"], body["count"], body["next"]) == (batch_id, 5, None)
    uris = body["codes"]
    assert all(URI.match(uri) for uri in uris), uris
    serials = serials_of(uris)
    assert len(set(serials)) == 5
    assert all(len(s) == SERIAL_LENGTH and set(s) <= set(SERIAL_ALPHABET) for s in serials)
    assert {(c.gtin, c.lot) for c in map(parse_item_code, uris)} == {("09506000134352", "L2026-001")}
    record = ledger_record(codes_api, body["record_id"])
    assert body["record_id"] == f"codes:{batch_id}:{serials[0]}"
    assert record["payload"] == {
        "batch_id": batch_id,
        "count": 5,
        "first_serial": serials[0],
        "last_serial": serials[-1],
        "serials_sha256": hashlib.sha256("\n".join(serials).encode()).hexdigest(),
    }
    assert [s["type"] for s in record["subjects"]] == ["batch", "org"]
    assert record["subjects"][0]["id"] == batch_id


def test_issued_codes_listed_in_issue_order(codes_api: Api, batch_id: str) -> None:
    first = issue(codes_api, 3).json()["codes"]
    second = issue(codes_api, 2).json()["codes"]

    listed = codes_api.as_org("samr", "GET", CODES, params={"offset": 1, "limit": 3})

    assert listed.status_code == 200, listed.text
    page = listed.json()
    assert page["total"] == 5
    assert [c["uri"] for c in page["codes"]] == (first + second)[1:4]
    assert {c["status"] for c in page["codes"]} == {"issued"}
    assert page["next"] == f"/v1/batches/{batch_id}/codes?offset=4&limit=3"


def test_issuance_beyond_first_page_continues_at_next_link(codes_api: Api, batch_id: str) -> None:
    body = issue(codes_api, 2000).json()

    rest = codes_api.as_org("haixian", "GET", body["next"]).json()

    uris = body["codes"] + [c["uri"] for c in rest["codes"]]
    assert (len(body["codes"]), rest["total"], rest["next"]) == (1000, 2000, None)
    assert len(set(uris)) == 2000
    payload = ledger_record(codes_api, body["record_id"])["payload"]
    assert payload["serials_sha256"] == hashlib.sha256("\n".join(serials_of(uris)).encode()).hexdigest()
    assert payload["last_serial"] == serials_of(uris)[-1]


@pytest.mark.parametrize(("handle", "org_type"), [("other", "importer"), ("shop", "retailer")])
def test_issue_refused_when_caller_does_not_hold_batch(
    codes_api: Api, batch_id: str, handle: str, org_type: str
) -> None:
    codes_api.add_org(handle, org_type)

    response = issue(codes_api, 5, handle)

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    with Session(codes_api.services.engine) as session:
        assert codes_of_batch(session, batch_id) == []


def test_issue_refused_for_anonymous_caller(codes_api: Api, batch_id: str) -> None:
    response = codes_api.client.post(CODES, json={"count": 5})

    assert response.status_code == 401


@pytest.mark.parametrize("count", [0, 100_001])
def test_issue_rejects_count_out_of_range_naming_field(codes_api: Api, batch_id: str, count: int) -> None:
    before = codes_api.services.ledger.size()

    response = issue(codes_api, count)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "count"
    assert codes_api.services.ledger.size() == before  # nothing recorded


def test_issue_for_unknown_batch_is_not_found(codes_api: Api) -> None:
    codes_api.add_org("haixian", "importer")

    response = codes_api.as_org("haixian", "POST", "/v1/batches/09506000134352.NOPE/codes", json={"count": 1})

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "no batch '09506000134352.NOPE'"


def test_issue_refused_for_recalled_batch(codes_api: Api, batch_id: str) -> None:
    codes_api.mined()  # the chain worker is idle: this test writes behind the API's back
    with Session(codes_api.services.engine) as session:
        batch = session.get(Batch, batch_id)
        assert batch is not None
        batch.recalled = True
        session.add(batch)
        session.commit()

    response = issue(codes_api, 1)

    assert response.status_code == 409
    assert "recalled" in response.json()["detail"]


def test_qr_png_decodes_to_code_uri(codes_api: Api, batch_id: str) -> None:
    uri = issue(codes_api, 1).json()["codes"][0]
    serial = parse_item_code(uri).serial

    response = codes_api.as_org("haixian", "GET", f"{CODES}/{serial}/qr.png")

    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    [decoded] = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)))
    assert decoded.format == zxingcpp.BarcodeFormat.QRCode
    assert decoded.text == uri
    assert decoded.ec_level == "M"


def test_qr_svg_is_svg_titled_with_uri(codes_api: Api, batch_id: str) -> None:
    uri = issue(codes_api, 1).json()["codes"][0]

    response = codes_api.as_org("samr", "GET", f"{CODES}/{parse_item_code(uri).serial}/qr.svg")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(response.content)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.find("{http://www.w3.org/2000/svg}title").text == uri  # type: ignore[union-attr]


def test_qr_refused_to_outsiders_and_missing_for_unknown_serial(codes_api: Api, batch_id: str) -> None:
    serial = parse_item_code(issue(codes_api, 1).json()["codes"][0]).serial
    codes_api.add_org("shop", "retailer")

    outsider = codes_api.as_org("shop", "GET", f"{CODES}/{serial}/qr.png")
    unknown = codes_api.as_org("haixian", "GET", f"{CODES}/0000000000000000/qr.svg")

    assert outsider.status_code == 403
    assert unknown.status_code == 404


def test_label_sheet_has_a_page_per_24_labels(codes_api: Api, batch_id: str) -> None:
    uris = issue(codes_api, 30).json()["codes"]

    response = codes_api.as_org("haixian", "GET", f"/v1/batches/{batch_id}/labels.pdf")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    pages = PdfReader(io.BytesIO(response.content)).pages
    assert len(pages) == math.ceil(30 / LABELS_PER_PAGE) == 2
    first_page = pages[0].extract_text()
    serial = parse_item_code(uris[0]).serial
    for text in (
        "Frozen white shrimp 冻南美白对虾",
        "(01) 09506000134352",
        "(10) L2026-001",
        f"(21) {serial}",
    ):
        assert text in first_page
    assert "EXP 2027-09-01" in first_page


@pytest.mark.parametrize("path", ["codes", "labels.pdf"])
def test_codes_and_labels_only_for_holder_importer_and_regulator(
    codes_api: Api, batch_id: str, path: str
) -> None:
    issue(codes_api, 1)
    codes_api.add_org("shop", "retailer")
    url = f"/v1/batches/{batch_id}/{path}"

    assert codes_api.as_org("shop", "GET", url).status_code == 403
    assert codes_api.client.get(url).status_code == 401
    assert codes_api.as_org("samr", "GET", url).status_code == 200
    assert codes_api.as_org("haixian", "GET", url).status_code == 200


def test_label_text_is_normalised_and_keeps_chinese() -> None:
    assert label_text("冻南美白对虾 Frozen  shrimp（１ kg）") == "冻南美白对虾 Frozen shrimp(1 kg)"
    assert label_text("Crevettes congelées,\tØ 2 cm") == "Crevettes congelées, Ø 2 cm"


def test_label_sheet_prints_chinese_only_and_mixed_product_names() -> None:
    uri = "https://example.org/01/09506000134352/10/L1/21/ABCDEFGHJKLMNPQR"
    chinese = Label(uri, ["冻南美白对虾", "(01) 09506000134352"])
    mixed = Label(uri, ["冷冻鸡爪 Frozen chicken feet", "原产国 巴西 Brazil"])
    labels = [chinese] * LABELS_PER_PAGE + [mixed]

    pdf = render_label_sheet(labels)

    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) == 2
    first, second = pages[0].extract_text(), pages[1].extract_text()
    assert first.count("冻南美白对虾") == LABELS_PER_PAGE
    assert "(01) 09506000134352" in first
    assert "冷冻鸡爪 Frozen chicken feet" in second
    assert "原产国 巴西 Brazil" in second


def test_label_sheet_in_chinese_without_the_font_names_the_package(tmp_path: Path) -> None:
    uri = "https://example.org/01/09506000134352/10/L1/21/ABCDEFGHJKLMNPQR"
    missing = tmp_path / "wqy-microhei.ttc"

    with pytest.raises(LabelFontMissing) as raised:
        render_label_sheet([Label(uri, ["冻南美白对虾"])], cjk_font_file=missing)
    latin = render_label_sheet([Label(uri, ["Frozen white shrimp"])], cjk_font_file=missing)

    assert raised.value.detail == (
        f"label text beyond Latin-1 needs the font {missing}: install Debian's fonts-wqy-microhei"
        " (apt-get install fonts-wqy-microhei)"
    )
    assert "Frozen white shrimp" in PdfReader(io.BytesIO(latin)).pages[0].extract_text()


def member(api: Api, handle: str) -> Member:
    with Session(api.services.engine) as session:
        org = session.exec(select(Organisation).where(Organisation.handle == handle)).one()
    return Member(org=org, key_id="test", kind="member")


def test_issue_codes_reports_progress_per_chunk(codes_api: Api, batch_id: str) -> None:
    services, issuer = codes_api.services, member(codes_api, "haixian")
    calls: list[tuple[int, int]] = []
    with (
        write_transaction(services.engine, services.ledger.lock_name) as conn,
        Session(bind=conn) as session,
    ):
        codes = issue_codes(services, session, issuer, batch_id, 12_000, lambda *a: calls.append(a))

    assert calls == [(5000, 12_000), (10_000, 12_000), (12_000, 12_000)]
    assert len({c.serial for c in codes}) == 12_000


def test_issue_codes_draws_again_on_serial_collision(codes_api: Api, batch_id: str) -> None:
    services, issuer = codes_api.services, member(codes_api, "haixian")
    taken = parse_item_code(issue(codes_api, 1).json()["codes"][0]).serial
    draws = iter([taken, "A" * 16, "A" * 16, "B" * 16, "C" * 16, "D" * 16, "E" * 16])
    with (
        write_transaction(services.engine, services.ledger.lock_name) as conn,
        Session(bind=conn) as session,
    ):
        codes = issue_codes(services, session, issuer, batch_id, 3, new_serial=lambda: next(draws))

    # The first draw (taken, A, B) collides on insertion and is drawn again as a whole.
    assert [c.serial for c in codes] == ["C" * 16, "D" * 16, "E" * 16]
    payload = ledger_record(codes_api, f"codes:{batch_id}:{'C' * 16}")["payload"]
    assert (payload["first_serial"], payload["count"]) == ("C" * 16, 3)
    with Session(services.engine) as session:
        assert len(codes_of_batch(session, batch_id)) == 4


@pytest.fixture
def cli(codes_api: Api, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A runner for ``suyuan codes`` over the test's services (no chain session of its own)."""

    @contextmanager
    def open_services(_config: object) -> Iterator[Services]:
        yield codes_api.services

    monkeypatch.setattr(codes_cli, "open_services", open_services)
    monkeypatch.setattr(codes_cli, "settings", lambda: codes_api.services.settings)
    return CliRunner()


def test_cli_issues_codes_and_writes_labels(cli: CliRunner, batch_id: str, tmp_path: Path) -> None:
    issued = cli.invoke(codes_cli.codes_app, ["issue", batch_id, "--count", "50", "--org", "haixian"])
    labels = cli.invoke(codes_cli.codes_app, ["labels", batch_id, "--out", str(tmp_path / "l.pdf")])

    assert issued.exit_code == 0, issued.output
    assert f"issued 50 codes for batch {batch_id}" in issued.output
    assert URI.match(issued.output.split("first")[1].split()[0])
    assert labels.exit_code == 0, labels.output
    assert len(PdfReader(tmp_path / "l.pdf").pages) == math.ceil(50 / LABELS_PER_PAGE)


def test_cli_issue_names_unknown_organisation(cli: CliRunner, batch_id: str) -> None:
    result = cli.invoke(codes_cli.codes_app, ["issue", batch_id, "-n", "5", "--org", "nobody"])

    assert result.exit_code == 1
    assert "no organisation with handle 'nobody'" in result.output
