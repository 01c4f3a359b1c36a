"""``suyuan bench ingest --readings market``: a farmers' market at scale for the ingest benchmark.

One market of 500 stalls (``--stalls``), let to 20 vendors; one recheck scale per ten stalls and one
rapid-test terminal per fifty. Its readings are nine weighings to one rapid test, spread over every
stall; about one weighing in fifty is short and one test in a hundred fails, so the alert paths
(a disposal, ``short_weight`` once per stall) are part of what is measured.
"""

from __future__ import annotations

import datetime as dt
import json
import random

from sqlmodel import Session

from trace_api.devices import TOPIC_ROOT, DeviceIn, ReadingKind, register_device
from trace_api.markets.registry import (
    MarketIn,
    RentalIn,
    StallIn,
    VendorIn,
    add_stall,
    register_market,
    register_vendor,
    rent_stall,
)
from trace_api.markets.service import market_day
from trace_api.orgs import Member, Organisation, with_check_character
from trace_api.services import Services, writing

from ._network import admit_organisation

MARKET = "bench-market"
VENDORS = 20
STALLS_PER_SCALE, STALLS_PER_TERMINAL = 10, 50
PRODUCTS = ("青菜", "菠菜", "番茄", "猪肉", "鲫鱼", "鸡蛋", "苹果", "大米")
Backlog = dict[str, list[tuple[str, bytes]]]


def register_market_devices(services: Services, stalls: int) -> tuple[dict[str, str], list[str]]:
    """The market with its stalls let to vendors, and its scales and terminals: their MQTT passwords
    by username, and the stalls' codes."""
    operator = _admit(services, "bench-market-ops", "market", 90)
    vendors = [_admit(services, f"bench-vendor-{i:02d}", "vendor", 100 + i) for i in range(VENDORS)]
    codes = [f"S-{i:03d}" for i in range(stalls)]
    today = market_day(dt.datetime.now(dt.UTC))
    with writing(services) as session:
        market = register_market(
            session, services.ledger, operator, MarketIn(handle=MARKET, name="Bench market", address="bench")
        )
        let = [add_stall(session, services.ledger, operator, market, StallIn(code=c, category="vegetables"))
               for c in codes]  # fmt: skip
        for vendor in vendors:
            licence = VendorIn.model_validate(
                {"vendor": vendor.org.handle, "business_licence": {"number": vendor.org.uscc}}
            )
            register_vendor(session, services.ledger, operator, market, licence, today)
        for i, stall in enumerate(let):
            rental = RentalIn(vendor=vendors[i % VENDORS].org.handle, starts_on=today - dt.timedelta(days=1),
                              ends_on=today + dt.timedelta(days=30))  # fmt: skip
            rent_stall(session, services.ledger, operator, market, stall, rental)
    return _devices(services, operator.org, stalls), codes


def _admit(services: Services, handle: str, kind: str, n: int) -> Member:
    member, _ = admit_organisation(services, handle, handle, kind, with_check_character(f"91310000MA{n:07d}"))
    return member


def _devices(services: Services, org: Organisation, stalls: int) -> dict[str, str]:
    passwords = {}
    with Session(services.engine) as session:
        kinds = [
            ("fc", ReadingKind.weight, STALLS_PER_SCALE),
            ("kj", ReadingKind.rapid_test, STALLS_PER_TERMINAL),
        ]
        for prefix, kind, per in kinds:
            for i in range(max(1, stalls // per)):
                data = DeviceIn(name=f"{prefix}-{i:03d}", kinds=[kind], location=MARKET)
                device, password = register_device(session, org, data)
                passwords[device.username] = password
    return passwords


def market_readings(passwords: dict[str, str], codes: list[str], messages: int, seed: int = 1) -> Backlog:
    """Weighings and rapid tests by device, one second apart, sequence numbers from 0."""
    chance = random.Random(seed)
    scales = sorted(u for u in passwords if u.rsplit("/", 1)[1].startswith("fc-"))
    terminals = sorted(u for u in passwords if u.rsplit("/", 1)[1].startswith("kj-"))
    start = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=messages)
    backlog: Backlog = {u: [] for u in passwords}
    for i in range(messages):
        stall, product = codes[i % len(codes)], PRODUCTS[i % len(PRODUCTS)]
        time = (start + dt.timedelta(seconds=i)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        if i % 10 == 9:
            user, kind = terminals[i % len(terminals)], "rapid_test"
            value = round(chance.uniform(55, 70) if chance.random() < 0.01 else chance.uniform(5, 40), 1)
            body = {"sample": f"S{i}", "stall": stall, "product": product, "method": "enzyme_inhibition",
                    "value": value, "unit": "%", "threshold": 50, "passed": value < 50}  # fmt: skip
        else:
            user, kind = scales[(i // STALLS_PER_SCALE) % len(scales)], "weight"
            declared = round(chance.uniform(0.2, 3.0), 2)
            short = 0.06 if chance.random() < 0.02 else chance.uniform(-0.005, 0.005)
            body = {
                "kg": round(declared - short, 3), "declared_kg": declared, "stall": stall, "product": product,
                "unit_price": round(chance.uniform(2, 40), 1),
            }  # fmt: skip
        payload = {"seq": len(backlog[user]), "time": time, **body}
        backlog[user].append(
            (f"{TOPIC_ROOT}/{user}/{kind}", json.dumps(payload, ensure_ascii=False).encode())
        )
    return {u: r for u, r in backlog.items() if r}
