"""A farmers' market over the real trace API (real anvil, SQLite or PostgreSQL, the real ledger):
its operator ``caoyang``, two vegetable vendors renting a stall each, a butcher's stall not let,
and an outsider."""

from __future__ import annotations

import datetime as dt
import io
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from PIL import Image, ImageDraw

from evidence import Ledger
from ingest import AlertRules, Ingestor, IngestWorker, WorkerOptions
from tests._facts import assert_facts_round_trip
from tests.api.conftest import Api, api
from trace_api.markets import VENDOR_TYPE, market_day

__all__ = ["Api", "api"]

MARKET = "caoyang"
#: A grower's identity card number (GB 11643: the check character is right).
GROWER_ID = "11010519491231002X"


def photo(text: str) -> bytes:
    """A small PNG with ``text`` on it: a ticket, a certificate, a disposal's evidence."""
    image = Image.new("RGB", (160, 80), (240, 240, 230))
    ImageDraw.Draw(image).text((8, 30), text, fill=(0, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@dataclass
class Market:
    """The market ``caoyang`` and the helpers its tests act through."""

    api: Api
    today: dt.date
    suppliers: dict[str, str]

    def call(self, handle: str, method: str, path: str, status: int | None = None, **kwargs: Any) -> Any:
        """``path`` below ``/v1/markets/caoyang``; with ``status``, asserts it and answers the JSON."""
        response = self.api.as_org(handle, method, f"/v1/markets/{MARKET}{path}", **kwargs)
        if status is None:
            return response
        assert response.status_code == status, response.text
        return response.json()

    def upload(self, handle: str, text: str) -> str:
        files = {"file": (f"{text}.png", photo(text), "image/png")}
        response = self.api.as_org(handle, "POST", "/v1/documents", files=files)
        assert response.status_code in (200, 201), response.text
        return str(response.json()["sha256"])

    def bought(
        self, handle: str, stall: str, product: str, quantity: float = 20, **more: Any
    ) -> dict[str, Any]:
        """An entry in the stall's purchase ledger, from the vendor's grower, with its ticket."""
        body = {
            "supplier_id": self.suppliers[handle],
            "product": product,
            "quantity": quantity,
            "unit": "KGM",
            "ticket_sha256": self.upload(handle, f"ticket {product} {quantity}"),
            **more,
        }
        return dict(self.call(handle, "POST", f"/stalls/{stall}/purchases", 201, json=body))

    def rapid_test(self, stall: str, product: str, passed: bool, **more: Any) -> dict[str, Any]:
        body = {
            "sample": more.pop("sample", f"S-{stall}-{product}"),
            "stall": stall,
            "product": product,
            "method": "enzyme_inhibition",
            "value": 62.5 if not passed else 12.0,
            "unit": "%",
            "threshold": 50,
            "passed": passed,
            **more,
        }
        return dict(self.call(MARKET, "POST", "/rapid-tests", 201, json=body))

    def ledger_entry(self, handle: str, stall: str, purchase_id: str) -> dict[str, Any]:
        entries = self.call(handle, "GET", f"/stalls/{stall}/purchases", 200)["purchases"]
        return next(e for e in entries if e["id"] == purchase_id)


def vendor_body(handle: str, uscc: str, expires_on: dt.date) -> dict[str, Any]:
    return {
        "vendor": handle,
        "business_licence": {"number": uscc},
        "food_licence": {"number": "JY13101050000001", "expires_on": expires_on.isoformat()},
    }


@pytest.fixture
def market(api: Api) -> Market:
    today = market_day(dt.datetime.now(dt.UTC))
    api.add_org(MARKET, "market")
    usccs = {vendor: api.add_org(vendor, VENDOR_TYPE.value)["uscc"] for vendor in ("veg-wang", "veg-li")}
    api.add_org("wholesale", "wholesaler")
    body = {
        "handle": MARKET,
        "name": "曹杨农贸市场 Caoyang Farmers' Market",
        "address": "普陀区兰溪路 Lanxi Road, Putuo",
        "position": {"latitude": 31.2395, "longitude": 121.4117},
    }
    created = api.as_org(MARKET, "POST", "/v1/markets", json=body)
    assert created.status_code == 201, created.text
    found = Market(api, today, {})
    for code, category in (("A-01", "vegetables"), ("A-02", "vegetables"), ("B-01", "meat")):
        found.call(MARKET, "POST", "/stalls", 201, json={"code": code, "category": category})
    year = today + dt.timedelta(days=365)
    for vendor, stall in (("veg-wang", "A-01"), ("veg-li", "A-02")):
        found.call(MARKET, "POST", "/vendors", 201, json=vendor_body(vendor, usccs[vendor], year))
        rental = {"vendor": vendor, "starts_on": str(today - dt.timedelta(days=10)), "ends_on": str(year)}
        found.call(MARKET, "POST", f"/stalls/{stall}/rentals", 201, json=rental)
        grower = {"name": f"{vendor} grower", "id_number": GROWER_ID, "contact": "13800000000"}
        supplier = found.call(vendor, "POST", f"/vendors/{vendor}/suppliers", 201, json=grower)
        found.suppliers[vendor] = supplier["id"]
    return found


def market_kinds(ledger: Ledger) -> set[str]:
    """Reads every record through its fact model back to identical bytes (``fact_of`` finds the
    markets' models through ``every_fact``); the ``market.*`` kinds seen."""
    return {kind for kind in assert_facts_round_trip(ledger) if kind.startswith("market.")}


def ingestor_of(api: Api) -> Ingestor:
    services = api.services
    settings = services.settings
    return Ingestor(
        services.engine, services.ledger, AlertRules(), settings.public_url, mqtt_url=settings.mqtt_url
    )


@contextmanager
def ingest_worker(ingestor: Ingestor, mqtt_url: str) -> Iterator[IngestWorker]:
    """An ingest worker subscribed on the broker in a thread of its own, stopped on leaving."""
    options = WorkerOptions(
        url=mqtt_url, client_id=f"test-{uuid.uuid4().hex[:12]}", share_group=f"g{uuid.uuid4().hex[:12]}",
        session_expiry_s=30, batch_size=50, sweep_every_s=3600,
    )  # fmt: skip
    worker = IngestWorker(ingestor, options)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    try:
        assert worker.subscribed.wait(10), "the worker did not subscribe"
        yield worker
    finally:
        stop.set()
        thread.join(10)
