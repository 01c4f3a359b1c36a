"""``GET /v1/overview``: a regulator's dashboard counts what the network recorded, and only a
regulator reads it."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlmodel import Session

from evidence import Anchorer, LoopHealth
from ingest import Message
from ingest._process import DOOR, SILENT, TEMPERATURE, rfc3339
from tests.api.conftest import Api, batch_payload
from tests.conftest import Network
from tests.ingest.conftest import Clock, make_ingestor
from trace_api.coldchain.models import ALERT_RULES
from trace_api.gs1 import ItemCode, new_serial
from trace_api.overview import day_start, regulator_overview
from trace_api.recalls.notify import NoticeWorker

GTIN = "09506000134352"
SOLD_LOT, RECALLED_LOT = f"{GTIN}.L2026-001", f"{GTIN}.L2026-002"
STORE = "urn:epc:id:sgln:9506000.00001.0"


def _scan(api: Api, handle: str, expected: int = 201, **body: Any) -> dict[str, Any]:
    response = api.as_org(handle, "POST", "/v1/scans", json={"location": "Shanghai store", **body})
    assert response.status_code == expected, response.text
    return dict(response.json())


def _admit(api: Api, lot: str) -> None:
    response = api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian", lot=lot))
    assert response.status_code == 201, response.text


def _excursion(api: Api) -> None:
    """haixian's frozen store at −5 °C for ten minutes (the limit is −18 °C): one open alert."""
    device = {"name": "cs-01", "kinds": ["temperature"], "location": STORE, "storage_class": "frozen"}
    assert api.as_org("haixian", "POST", "/v1/devices", json=device).status_code == 201
    clock = Clock()
    ingestor = make_ingestor(api, clock)
    for seq, seconds_ago in enumerate((700, 100)):
        body = {"seq": seq, "time": rfc3339(clock.now - dt.timedelta(seconds=seconds_ago)), "celsius": -5.0}
        message = Message("suyuan/v1/haixian/cs-01/temperature", json.dumps(body).encode())
        assert ingestor.ingest([message]).dead_reasons == []


@pytest.fixture
def network_day(api: Api, network: Network) -> tuple[Api, str]:
    """Two lots admitted today: one shipped to a shop that sells an item of it (and is then offered
    that item again, and a code never issued), one shipped to a wholesaler who splits it and ships
    a part to the shop, then recalled; both holders reached, the shop acknowledges. A cold store in
    excursion. The log anchored on chain, then grown by the acknowledgement and checkpointed again.
    Returns the API and the recall's id."""
    for handle, kind in (("haixian", "importer"), ("wholesale", "wholesaler"), ("shop", "retailer")):
        api.add_org(handle, kind)
    _admit(api, "L2026-001")
    _admit(api, "L2026-002")
    codes = api.as_org("haixian", "POST", f"/v1/batches/{SOLD_LOT}/codes", json={"count": 2}).json()["codes"]
    _scan(api, "haixian", action="ship", batch_id=SOLD_LOT, counterparty="shop")
    _scan(api, "shop", action="receive", batch_id=SOLD_LOT)
    _scan(api, "shop", action="sell", code=codes[0])
    assert (
        _scan(api, "shop", 409, action="sell", code=codes[0], location="Pudong store")["reason"]
        == "sold_twice"
    )
    made_up = ItemCode(GTIN, "L2026-001", new_serial()).uri(api.services.settings.public_url)
    assert _scan(api, "shop", 409, action="sell", code=made_up)["reason"] == "code_never_issued"
    _scan(api, "haixian", action="ship", batch_id=RECALLED_LOT, counterparty="wholesale")
    _scan(api, "wholesale", action="receive", batch_id=RECALLED_LOT)
    children = [{"lot": "L2026-002A", "quantity": 600}, {"lot": "L2026-002B", "quantity": 500}]
    _scan(api, "wholesale", action="split", batch_id=RECALLED_LOT, children=children)
    _scan(api, "wholesale", action="ship", batch_id=f"{RECALLED_LOT}A", counterparty="shop")
    _scan(api, "shop", action="receive", batch_id=f"{RECALLED_LOT}A")
    recall = api.as_org(
        "samr",
        "POST",
        "/v1/recalls",
        json={"batch_id": RECALLED_LOT, "reason": "Vibrio found", "recall_class": "I"},
    )
    assert recall.status_code == 201, recall.text
    assert NoticeWorker(api.services).run_once() == 2  # one MQTT notice to each holder
    api.mined()  # the ingest and the anchorer write behind the API's back
    _excursion(api)
    api.services.ledger.checkpoint()
    Anchorer(api.services.ledger, lambda: api.services.chain, network.anchorer).step()
    ack = api.as_org(
        "shop",
        "POST",
        f"/v1/recalls/{recall.json()['id']}/acknowledgements",
        json={"quantity_quarantined": 600},
    )
    assert ack.status_code == 201, ack.text
    api.services.ledger.checkpoint()
    return api, str(recall.json()["id"])


def test_overview_counts_what_the_network_recorded_today(network_day: tuple[Api, str]) -> None:
    api, recall_id = network_day
    size, anchored = api.services.ledger.size(), api.services.ledger.latest_anchored_size()

    response = api.as_org("samr", "GET", "/v1/overview")

    assert response.status_code == 200, response.text
    overview = response.json()
    if overview["today"]["since"] != _utc(day_start(dt.datetime.now(dt.UTC))):
        pytest.skip("midnight in Shanghai passed while the test ran: its day's counts start again")
    assert overview["alerts"] == {
        "open_by_kind": {
            "temperature": 1,
            "door_open": 0,
            "silent": 0,
            "kitchen_incident": 0,
            **{f"risk_{level}": 0 for level in ("red", "orange", "yellow", "blue")},
        },
        "open_total": 1,
    }
    assert overview["recalls"] == {
        "active_total": 1,
        "active": [
            {
                "id": recall_id,
                "batch_id": RECALLED_LOT,
                "lot": "L2026-002",
                "product_name": "Frozen white shrimp 冻南美白对虾",
                "reason": "Vibrio found",
                "recall_class": "I",
                "issued_at": overview["recalls"]["active"][0]["issued_at"],
                "progress": {
                    "holders": 2,
                    "holders_reached": 2,
                    "holders_acknowledged": 1,
                    "quantity": 1200.0,
                    "quantity_quarantined": 600.0,
                    "quantity_outstanding": 600.0,
                    "percent_quarantined": 50.0,
                },
            }
        ],
    }
    today = overview["today"]
    assert (today["timezone"], today["admissions"], today["sales"]) == ("Asia/Shanghai", 2, 1)
    assert today["scans_by_action"] == {"ship": 3, "receive": 3, "split": 1, "sell": 1, "destroy": 0}
    assert today["scans_total"] == 8
    assert dt.date.fromisoformat(today["day"]) == dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    signals = {"code_never_issued": 1, "sold_twice": 1, "destroyed_item": 0, "off_custody_path": 0}
    assert overview["signals"] == {
        "by_kind": {**signals, "code_batch_mismatch": 0},
        "total": 2,
        "today_by_kind": {**signals, "code_batch_mismatch": 0},
        "today": 2,
    }
    ledger = overview["ledger"]
    assert anchored is not None
    assert (ledger["size"], ledger["latest_checkpoint"]["size"]) == (size, size)
    assert ledger["latest_anchor"]["size"] == anchored < size
    assert ledger["unanchored_records"] == size - anchored
    assert ledger["latest_anchor"]["block"] is not None
    assert ledger["latest_anchor"]["tx"].startswith("0x")
    assert ledger["latest_anchor"]["age_s"] >= 0
    assert ledger["last_audit"] is None
    assert overview["generated_at"].endswith("Z")


def _utc(moment: dt.datetime) -> str:
    """As the API writes a UTC time."""
    return moment.isoformat().replace("+00:00", "Z")


def test_overview_of_the_next_day_counts_nothing_today_and_keeps_the_totals(
    network_day: tuple[Api, str],
) -> None:
    api, _ = network_day
    tomorrow = day_start(dt.datetime.now(dt.UTC)) + dt.timedelta(days=1, hours=1)

    with Session(api.services.engine) as session:
        overview = regulator_overview(api.services, session, now=tomorrow)

    assert overview.today.since == day_start(tomorrow)
    assert (overview.today.admissions, overview.today.scans_total, overview.signals.today) == (0, 0, 0)
    assert (overview.signals.total, overview.alerts.open_total, overview.recalls.active_total) == (2, 1, 1)


def test_day_starts_at_midnight_in_shanghai() -> None:
    before = dt.datetime(2026, 12, 4, 15, 59, 59, tzinfo=dt.UTC)  # 23:59:59 in Shanghai
    at = dt.datetime(2026, 12, 4, 16, 0, tzinfo=dt.UTC)  # 00:00 on 5 December in Shanghai

    assert day_start(before) == dt.datetime(2026, 12, 3, 16, 0, tzinfo=dt.UTC)
    assert day_start(at) == at


def test_alert_kinds_are_the_rules_ingest_opens_alerts_by() -> None:
    assert set(ALERT_RULES) == {TEMPERATURE, DOOR, SILENT}


def test_overview_is_for_regulators_only(api: Api) -> None:
    api.add_org("wholesale", "wholesaler")

    refused = api.as_org("wholesale", "GET", "/v1/overview")
    unknown = api.client.get("/v1/overview", headers={"Authorization": "Bearer not-a-key"})
    anonymous = api.client.get("/v1/overview")

    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert "only regulator organisations" in refused.json()["detail"]
    assert (unknown.status_code, anonymous.status_code) == (401, 401)
    assert unknown.headers["content-type"] == "application/problem+json"


def test_overview_tells_the_ledgers_health_as_readyz_does(api: Api) -> None:
    healthy = api.as_org("samr", "GET", "/v1/overview").json()["ledger"]["readiness"]
    api.services.background.append(LoopHealth("anchorer", stall_after_s=60.0))  # an anchorer that stopped

    stalled = api.as_org("samr", "GET", "/v1/overview").json()["ledger"]["readiness"]
    ledger = api.as_org("samr", "GET", "/v1/ledger").json()["readiness"]
    readyz = api.client.get("/readyz")

    assert healthy == {"ready": True, "failing": []}
    assert stalled == {"ready": False, "failing": [{"part": "anchorer", "reason": "anchorer is not running"}]}
    assert ledger == stalled
    assert readyz.status_code == 503
    assert readyz.json()["failing"] == stalled["failing"]
