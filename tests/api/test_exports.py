"""Exports: a lot's trace as a valid EPCIS 2.0 document; the FSMA 204 sortable sheet (CSV, XLSX, CLI)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from typer.testing import CliRunner

from tests.api.conftest import Api, batch_payload
from trace_api.app import create_app
from trace_api.epcis import event_hash_id, validate_document
from trace_api.exports import COLUMNS, to_csv, to_xlsx
from trace_api.exports import cli as exports_cli
from trace_api.exports.routes import router as exports_router
from trace_api.services import Services

BATCH = "09506000134352.L2026-001"
CHILD_A, CHILD_B = "09506000134352.L2026-001A", "09506000134352.L2026-001B"
SGLN = "urn:epc:id:sgln:9506000.13435.0"
DAY = dt.date.today() + dt.timedelta(days=1)  # scans come after the admission, which is now


def day(offset: int) -> str:
    return (DAY + dt.timedelta(days=offset)).isoformat()


def with_exports_routes(app: FastAPI) -> FastAPI:
    # Until create_app registers the exports router itself.
    if not any(getattr(route, "path", "").startswith("/v1/exports") for route in app.routes):
        app.include_router(exports_router)
    return app


@dataclass
class Story:
    api: Api
    ship: str  # record ids of the scans
    receive: str
    split: str
    ship_child: str
    receive_child: str


@pytest.fixture
def story(api: Api) -> Iterator[Story]:
    """Importer admits a lot, ships it to a wholesaler, who splits it and ships one child to a shop."""
    with TestClient(with_exports_routes(create_app(api.services))) as client:
        api = replace(api, client=client)
        for handle, kind in (("haixian", "importer"), ("wholesale", "wholesaler"), ("shop", "retailer")):
            api.add_org(handle, kind)
        api.add_org("other", "retailer")
        admitted = api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian"))
        assert admitted.status_code == 201, admitted.text
        children = [{"lot": "L2026-001A", "quantity": 600}, {"lot": "L2026-001B", "quantity": 500}]
        yield Story(
            api,
            ship=scan(
                api, "haixian", f"{day(0)}T08:00:00Z", action="ship", batch_id=BATCH, counterparty="wholesale"
            ),
            receive=scan(api, "wholesale", f"{day(1)}T09:00:00Z", action="receive", batch_id=BATCH),
            split=scan(
                api, "wholesale", f"{day(2)}T10:00:00Z", action="split", batch_id=BATCH, children=children
            ),
            ship_child=scan(
                api, "wholesale", f"{day(3)}T11:00:00Z", action="ship", batch_id=CHILD_A, counterparty="shop"
            ),
            receive_child=scan(
                api,
                "shop",
                f"{day(4)}T12:00:00+08:00",
                action="receive",
                batch_id=CHILD_A,
                location="Shop floor 2",
            ),
        )
    api.services.engine.dispose()  # PostgreSQL has a limited number of connections


def scan(api: Api, handle: str, time: str, **body: Any) -> str:
    response = api.as_org(handle, "POST", "/v1/scans", json={"location": SGLN, "time": time, **body})
    assert response.status_code == 201, response.text
    return str(response.json()["record_id"])


def sheet(api: Api, handle: str, **params: str) -> Any:
    return api.as_org(handle, "GET", "/v1/exports/fsma204", params=params)


def csv_rows(body: bytes) -> list[dict[str, str]]:
    assert body.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_epcis_export_is_valid_and_holds_the_lineage_in_log_order(story: Story) -> None:
    response = story.api.as_org("samr", "GET", f"/v1/exports/epcis/{BATCH}")
    assert response.status_code == 200, response.text
    document = response.json()
    events = document["epcisBody"]["eventList"]

    assert response.headers["content-type"] == "application/ld+json"
    validate_document(document)
    assert [(e["type"], e["bizStep"]) for e in events] == [
        ("ObjectEvent", "commissioning"),
        ("ObjectEvent", "shipping"),
        ("ObjectEvent", "receiving"),
        ("TransformationEvent", "repackaging"),
        ("ObjectEvent", "shipping"),
        ("ObjectEvent", "receiving"),
    ]
    assert events[0]["quantityList"][0]["quantity"] == 1200
    assert events[0]["ilmd"]["cbvmda:lotNumber"] == "L2026-001"
    assert events[-1]["readPoint"] == {"id": "urn:suyuan:place:Shop%20floor%202"}
    for event in events:  # a partner capturing the document keys the events as Suyuan does
        assert event["eventID"] == event_hash_id(event, document["@context"])


def test_epcis_export_of_a_split_naming_its_items_is_valid(story: Story) -> None:
    api = story.api
    issued = api.as_org("wholesale", "POST", f"/v1/batches/{BATCH}/codes", json={"count": 2})
    assert issued.status_code == 201, issued.text
    codes = issued.json()["codes"]
    children = [{"lot": "L2026-001C", "quantity": 50, "codes": codes}]
    scan(api, "wholesale", f"{day(5)}T10:00:00Z", action="split", batch_id=BATCH, children=children)

    response = api.as_org("samr", "GET", f"/v1/exports/epcis/{BATCH}")

    assert response.status_code == 200, response.text
    document = response.json()
    validate_document(document)
    split = document["epcisBody"]["eventList"][-1]
    assert split["type"] == "TransformationEvent"
    assert split["inputEPCList"] == split["outputEPCList"] == codes
    assert split["eventID"] == event_hash_id(split, document["@context"])


def test_epcis_export_of_a_child_lot_for_its_custodian(story: Story) -> None:
    response = story.api.as_org("shop", "GET", f"/v1/exports/epcis/{CHILD_A}")

    assert response.status_code == 200, response.text
    assert len(response.json()["epcisBody"]["eventList"]) == 6  # the parent's events and its own


def test_epcis_export_refused_to_strangers_and_the_anonymous(story: Story) -> None:
    api = story.api

    assert api.as_org("other", "GET", f"/v1/exports/epcis/{BATCH}").status_code == 403
    assert api.client.get(f"/v1/exports/epcis/{BATCH}").status_code == 401
    assert api.as_org("samr", "GET", "/v1/exports/epcis/09506000134352.NOPE").status_code == 404


def test_fsma_csv_has_one_row_per_critical_tracking_event(story: Story) -> None:
    response = sheet(story.api, "samr", lot="L2026-001")
    rows = csv_rows(response.content)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="fsma204_L2026-001.csv"'
    assert [
        (r["Critical Tracking Event"], r["Traceability Lot Code"], r["New Traceability Lot Code"])
        for r in rows
    ] == [
        ("Receiving (first receiver)", "L2026-001", ""),
        ("Shipping", "L2026-001", ""),
        ("Receiving", "L2026-001", ""),
        ("Transformation", "L2026-001", "L2026-001A"),
        ("Transformation", "L2026-001", "L2026-001B"),
        ("Shipping", "L2026-001A", ""),
        ("Receiving", "L2026-001A", ""),
    ]
    assert [(r["Quantity"], r["Unit of Measure"]) for r in rows] == [("1200", "KGM")] * 3 + [
        ("600", "KGM"),
        ("500", "KGM"),
        ("600", "KGM"),
        ("600", "KGM"),
    ]
    assert [(r["Event Date"], r["Event Time (UTC)"]) for r in rows] == sorted(
        (r["Event Date"], r["Event Time (UTC)"]) for r in rows
    )


def test_fsma_rows_carry_the_key_data_elements(story: Story) -> None:
    admission, ship, receive, split_a, _, ship_child, receive_child = csv_rows(
        sheet(story.api, "samr", batch_id=BATCH).content
    )

    assert admission["Traceability Lot Code Source"] == "haixian Co., USCC " + uscc(story, "haixian")
    assert admission["Ship-From Location"] == "Camaronera del Pacifico S.A., establishment EC-1234, EC"
    assert (admission["Reference Document Type"], admission["Reference Document Number"]) == (
        "Customs declaration",
        "223320261000123456",
    )
    assert admission["Product Description"] == "Frozen white shrimp 冻南美白对虾"
    assert (ship["Ship-From Location"], ship["Ship-To Location"]) == (
        "haixian Co., USCC " + uscc(story, "haixian"),
        "wholesale Co., USCC " + uscc(story, "wholesale"),
    )
    assert (ship["Event Date"], ship["Event Time (UTC)"], ship["Event Location"]) == (
        day(0),
        "08:00:00",
        SGLN,
    )
    assert (ship["Reference Document Number"], ship["Suyuan Ledger Record ID"]) == (story.ship, story.ship)
    assert receive["Receiving Location"] == "wholesale Co., USCC " + uscc(story, "wholesale")
    assert (receive["Reference Document Number"], receive["Suyuan Ledger Record ID"]) == (
        story.ship,
        story.receive,
    )
    assert split_a["New Traceability Lot Code Source"] == "wholesale Co., USCC " + uscc(story, "wholesale")
    assert split_a["Reference Document Type"] == "Suyuan transformation record"
    assert ship_child["Traceability Lot Code Source"] == "wholesale Co., USCC " + uscc(story, "wholesale")
    assert ship_child["Ship-To Location"] == "shop Co., USCC " + uscc(story, "shop")
    assert (receive_child["Event Date"], receive_child["Event Time (UTC)"]) == (day(4), "04:00:00")
    assert receive_child["Event Location"] == "Shop floor 2"


def uscc(story: Story, handle: str) -> str:
    return str(story.api.as_org(handle, "GET", "/v1/organisations/me").json()["uscc"])


def test_fsma_xlsx_is_a_sortable_sheet_matching_the_csv(story: Story) -> None:
    response = sheet(story.api, "samr", lot="L2026-001", format="xlsx")
    book = load_workbook(io.BytesIO(response.content))
    ws = book.active
    assert isinstance(ws, Worksheet)
    header = [c.value for c in ws[1]]
    csv_header = next(
        csv.reader(io.StringIO(sheet(story.api, "samr", lot="L2026-001").content.decode("utf-8-sig")))
    )

    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == 'attachment; filename="fsma204_L2026-001.xlsx"'
    assert header == csv_header == list(COLUMNS)
    assert all(c.font.b for c in ws[1])
    assert ws.auto_filter.ref == ws.dimensions == f"A1:R{1 + 7}"
    assert ws.freeze_panes == "A2"
    assert isinstance(ws.cell(2, COLUMNS.index("Event Date") + 1).value, dt.datetime)
    assert ws.cell(3, COLUMNS.index("Quantity") + 1).value == 1200


def test_fsma_date_range_filters_on_event_time(story: Story) -> None:
    window = csv_rows(sheet(story.api, "samr", since=day(2), until=day(3)).content)
    instant = csv_rows(
        sheet(story.api, "samr", since=f"{day(2)}T10:00:00Z", until=f"{day(2)}T10:00:01Z").content
    )

    assert [(r["Critical Tracking Event"], r["Suyuan Ledger Record ID"]) for r in window] == [
        ("Transformation", story.split),
        ("Transformation", story.split),
        ("Shipping", story.ship_child),
    ]
    assert [r["New Traceability Lot Code"] for r in instant] == ["L2026-001A", "L2026-001B"]


def test_fsma_sheet_of_a_child_lot_leaves_out_its_siblings(story: Story) -> None:
    rows = csv_rows(sheet(story.api, "samr", batch_id=CHILD_B).content)

    assert [(r["Critical Tracking Event"], r["New Traceability Lot Code"]) for r in rows] == [
        ("Receiving (first receiver)", ""),
        ("Shipping", ""),
        ("Receiving", ""),
        ("Transformation", "L2026-001B"),
    ]


def test_fsma_date_range_shows_members_only_their_own_lots(story: Story) -> None:
    shop = csv_rows(sheet(story.api, "shop", since=day(-1)).content)
    other = csv_rows(sheet(story.api, "other", since=day(-1)).content)

    assert {r["Traceability Lot Code"] for r in shop} == {"L2026-001A"}
    assert [r["Critical Tracking Event"] for r in shop] == ["Shipping", "Receiving"]
    assert other == []


def test_fsma_lot_refused_to_strangers_and_the_anonymous(story: Story) -> None:
    assert sheet(story.api, "other", lot="L2026-001").status_code == 403
    assert story.api.client.get("/v1/exports/fsma204", params={"lot": "L2026-001"}).status_code == 401
    assert sheet(story.api, "samr", lot="NO-SUCH-LOT").status_code == 404


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "2026-13-01"}, "since"),
        ({"lot": "L2026-001", "until": "yesterday"}, "until"),
        ({"since": "2026-10-02", "until": "2026-10-01"}, "until"),
        ({"lot": "L2026-001", "until": "9999-12-31"}, "until"),
        ({"lot": "L2026-001", "since": "0001-01-01T00:00:00+23:59"}, "since"),
        ({}, "lot"),
        ({"format": "pdf", "lot": "L2026-001"}, "query.format"),
    ],
)
def test_fsma_bad_parameters_are_named(story: Story, params: dict[str, str], field: str) -> None:
    response = sheet(story.api, "samr", **params)

    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]
    if not params:
        assert response.json()["detail"].startswith("give a lot")


def test_sheets_keep_formula_like_text_as_text() -> None:
    row: dict[str, str | float] = dict.fromkeys(COLUMNS, "")
    row |= {"Product Description": '=HYPERLINK("http://evil")', "Event Date": "2026-10-01", "Quantity": 5}

    (written,) = csv_rows(to_csv([row]))
    ws = load_workbook(io.BytesIO(to_xlsx([row]))).active
    assert isinstance(ws, Worksheet)
    cell = ws.cell(2, COLUMNS.index("Product Description") + 1)

    assert written["Product Description"] == '\'=HYPERLINK("http://evil")'
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://evil")', "s")


@pytest.fixture
def cli(story: Story, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A runner for ``suyuan export`` over the test's services (no chain session of its own)."""

    @contextmanager
    def open_services(_config: object) -> Iterator[Services]:
        yield story.api.services

    monkeypatch.setattr(exports_cli, "open_services", open_services)
    monkeypatch.setattr(exports_cli, "settings", lambda: story.api.services.settings)
    return CliRunner()


def test_cli_writes_the_sheet_as_a_regulator_or_a_member(cli: CliRunner, tmp_path: Path) -> None:
    as_regulator = cli.invoke(
        exports_cli.export_app, ["fsma204", "--lot", "L2026-001", "-o", str(tmp_path / "s.xlsx")]
    )
    as_shop = cli.invoke(
        exports_cli.export_app,
        ["fsma204", "--since", day(-1), "--as", "shop", "--out", str(tmp_path / "s.csv")],
    )
    ws = load_workbook(tmp_path / "s.xlsx").active
    assert isinstance(ws, Worksheet)

    assert as_regulator.exit_code == 0, as_regulator.output
    assert "wrote 7 rows" in as_regulator.output
    assert ws.max_row == 1 + 7
    assert as_shop.exit_code == 0, as_shop.output
    assert "wrote 2 rows" in as_shop.output
    assert len(csv_rows((tmp_path / "s.csv").read_bytes())) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give a lot"),
        (["--since", "soon"], "since: 'soon' is neither"),
        (["--lot", "L2026-001", "--as", "nobody"], "no organisation with handle 'nobody'"),
        (["--lot", "L2026-001", "--as", "other"], "took no part in the custody"),
    ],
)
def test_cli_bad_input_is_one_line_error(
    cli: CliRunner, tmp_path: Path, args: list[str], message: str
) -> None:
    result = cli.invoke(exports_cli.export_app, ["fsma204", "--out", str(tmp_path / "s.csv"), *args])

    assert result.exit_code == 1
    assert message in result.output
    assert not (tmp_path / "s.csv").exists()
