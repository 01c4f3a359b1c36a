"""``suyuan up --demo``'s farmers' market, seeded once through the running API, and its devices'
feed.

The market ``demo-caoyang`` (曹杨农贸市场) run by its operator, six stalls, four vendors with their
licences renting four of them, their growers and wholesalers, and the day's purchase ledger. A rapid
test of spinach at stall A-01 failed, so that lot is off sale until the operator disposes of it;
the others passed. The market has a rapid-test terminal ``kj-01`` and a recheck scale ``fc-01``;
when a broker is configured they publish while ``suyuan up --demo`` runs (:func:`start_market_feed`):
a weighing every few seconds, now and then short, and a rapid test now and then, now and then
failing. The organisations' API keys and the devices' MQTT credentials go to ``market-demo.json``
in the data directory.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import random
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import paho.mqtt.client as mqtt
from PIL import Image, ImageDraw

from chain.cli import cli_settings, out
from evidence import start_thread
from trace_api.devices import BrokerAddress, device_topic, publish_on
from trace_api.markets import VENDOR_TYPE, market_day
from trace_api.orgs import with_check_character
from trace_api.settings import ServiceSettings

if TYPE_CHECKING:
    from ..up import Up

DEMO_FILE = "market-demo.json"
MARKET = "demo-caoyang"
OPERATOR = ("demo-caoyang-ops", "Caoyang Market Management 曹杨市场经营管理有限公司")
VENDORS = [
    ("demo-veg-wang", "Wang's Vegetables 王记蔬菜", "A-01"),
    ("demo-veg-li", "Li's Greens 李家青菜", "A-02"),
    ("demo-meat-zhao", "Zhao's Fresh Pork 赵氏鲜肉", "B-01"),
    ("demo-fish-chen", "Chen's Fish 陈记水产", "C-01"),
]
STALLS = [
    ("A-01", "vegetables"),
    ("A-02", "vegetables"),
    ("A-03", "fruit"),
    ("B-01", "meat"),
    ("B-02", "poultry_eggs"),
    ("C-01", "aquatic"),
]
#: What each vendor bought today: (product, kg, supplier name, supplier's USCC body or None for a grower).
GOODS: dict[str, list[tuple[str, float, str | None, str | None]]] = {
    "demo-veg-wang": [
        ("菠菜 Spinach", 30, "嘉定马陆种植合作社", "93310114MA1G0000"),
        ("青菜 Bok choy", 40, None, None),
    ],
    "demo-veg-li": [
        ("韭菜 Chinese chives", 20, None, None),
        ("番茄 Tomato", 50, "江桥批发市场某商行", "92310114MA1H0000"),
    ],
    "demo-meat-zhao": [("猪肉 Pork", 80, "上海某肉类食品有限公司", "91310114MA1J0000")],
    "demo-fish-chen": [("鲫鱼 Crucian carp", 25, "青浦淀山湖水产养殖场", "91310118MA1K0000")],
}
GROWER_ID = "11010519491231002X"
YEAR = dt.timedelta(days=365)
#: The market's devices: its rapid-test terminal and its recheck scale.
DEVICES = (("kj-01", "rapid_test"), ("fc-01", "weight"))


def _uscc(n: int) -> str:
    return with_check_character(f"91310000MA1M{n:05d}")


def seed_market_demo(data_dir: Path, api_url: str, regulator_key: str) -> dict[str, Any]:
    """Seeds the demo market once; later calls return what the first one wrote."""
    path = data_dir / DEMO_FILE
    if path.exists():
        return dict(json.loads(path.read_text()))
    today = market_day(dt.datetime.now(dt.UTC))
    with httpx.Client(base_url=api_url, timeout=60) as http:
        demo = _MarketDemo(http, regulator_key)
        organisations = [demo.admit(*OPERATOR, "market", 1)]
        organisations += [
            demo.admit(h, name, VENDOR_TYPE.value, i) for i, (h, name, _) in enumerate(VENDORS, 2)
        ]
        demo.run(today)
        devices = [demo.device(name, kind) for name, kind in DEVICES]
    info = {
        "api_url": api_url,
        "market": MARKET,
        "board_url": f"{api_url}/markets/{MARKET}",
        "organisations": organisations,
        "devices": devices,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n")
    path.chmod(0o600)
    return info


def _photo(text: str) -> bytes:
    image = Image.new("RGB", (240, 120), (250, 248, 240))
    ImageDraw.Draw(image).text((10, 50), text, fill=(0, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


class _MarketDemo:
    def __init__(self, http: httpx.Client, regulator_key: str) -> None:
        self.http = http
        self.keys = {"regulator": regulator_key}
        self.usccs: dict[str, str] = {}

    def call(self, who: str, method: str, url: str, **kwargs: Any) -> Any:
        response = self.http.request(
            method, url, headers={"Authorization": f"Bearer {self.keys[who]}"}, **kwargs
        )
        if response.status_code >= 300:
            raise RuntimeError(f"demo step {method} {url} failed: {response.status_code} {response.text}")
        return response.json()

    def admit(self, handle: str, name: str, kind: str, n: int) -> dict[str, str]:
        body = {
            "handle": handle,
            "name": name,
            "org_type": kind,
            "uscc": _uscc(n),
            "jurisdiction": "Shanghai",
        }
        answer = self.call("regulator", "POST", "/v1/organisations", json=body)
        self.keys[handle], self.usccs[handle] = answer["api_key"], answer["organisation"]["uscc"]
        return {"handle": handle, "type": kind, "api_key": answer["api_key"]}

    def market(self, who: str, method: str, path: str, **kwargs: Any) -> Any:
        return self.call(who, method, f"/v1/markets/{MARKET}{path}", **kwargs)

    def run(self, today: dt.date) -> None:
        operator = OPERATOR[0]
        body = {
            "handle": MARKET,
            "name": "曹杨农贸市场 Caoyang Farmers' Market",
            "address": "上海市普陀区兰溪路 Lanxi Road, Putuo, Shanghai",
            "position": {"latitude": 31.2395, "longitude": 121.4117},
        }
        self.call(operator, "POST", "/v1/markets", json=body)
        for code, category in STALLS:
            self.market(operator, "POST", "/stalls", json={"code": code, "category": category})
        for handle, _, stall in VENDORS:
            self._let(handle, stall, today)
            for product, kg, supplier, uscc in GOODS[handle]:
                self._buy(handle, stall, product, kg, supplier, uscc)
        for sample, (stall, product, passed, value) in enumerate(
            (
                ("A-01", "菠菜 Spinach", False, 63.2),
                ("A-02", "韭菜 Chinese chives", True, 18.4),
                ("A-01", "青菜 Bok choy", True, 9.7),
            ),
            start=1,
        ):
            result = {
                "sample": f"S-{today:%Y%m%d}-{sample:03d}",
                "stall": stall,
                "product": product,
                "method": "enzyme_inhibition",
                "value": value,
                "unit": "%",
                "threshold": 50,
                "passed": passed,
            }
            self.market(operator, "POST", "/rapid-tests", json=result)

    def device(self, name: str, kind: str) -> dict[str, str]:
        body = {"name": name, "kinds": [kind], "location": MARKET}
        answer = self.call(OPERATOR[0], "POST", "/v1/devices", json=body)
        return {"name": name, "kind": kind, **answer["mqtt"]}

    def _let(self, handle: str, stall: str, today: dt.date) -> None:
        operator = OPERATOR[0]
        licence = {
            "vendor": handle,
            "business_licence": {"number": self.usccs[handle]},
            "food_licence": {"number": f"JY1310107{len(handle):07d}", "expires_on": str(today + 3 * YEAR)},
        }
        self.market(operator, "POST", "/vendors", json=licence)
        rental = {"vendor": handle, "starts_on": str(today.replace(day=1)), "ends_on": str(today + YEAR)}
        self.market(operator, "POST", f"/stalls/{stall}/rentals", json=rental)

    def _buy(
        self, handle: str, stall: str, product: str, kg: float, supplier: str | None, uscc: str | None
    ) -> None:
        identity = {"uscc": with_check_character(uscc + "0")} if uscc else {"id_number": GROWER_ID}
        name = supplier or f"{product.split()[0]}种植户"
        found = self.market(
            handle,
            "POST",
            f"/vendors/{handle}/suppliers",
            json={"name": name, "contact": "021-5555 0100", **identity},
        )
        files = {"file": ("ticket.png", _photo(f"ticket {product} {kg} kg"), "image/png")}
        ticket = self.call(handle, "POST", "/v1/documents", files=files)["sha256"]
        entry = {
            "supplier_id": found["id"],
            "product": product,
            "quantity": kg,
            "unit": "KGM",
            "ticket_sha256": ticket,
        }
        self.market(handle, "POST", f"/stalls/{stall}/purchases", json=entry)


# -- the devices' feed ---------------------------------------------------------------------------

#: Seconds between two weighings on the recheck scale; a rapid test every fourth time.
FEED_EVERY_S = 5.0
#: What the scale weighs and the terminal tests: (stall, product, yuan per kg).
SHELF = (
    ("A-01", "青菜 Bok choy", 4.0),
    ("A-02", "番茄 Tomato", 6.5),
    ("B-01", "猪肉 Pork", 28.0),
    ("C-01", "鲫鱼 Crucian carp", 22.0),
)


class MarketFeed:
    """The demo market's terminal and scale publishing over MQTT, each with its own credentials.

    Sequence numbers are milliseconds since the epoch, so a restarted feed never reuses one."""

    def __init__(
        self,
        mqtt_url: str,
        devices: list[dict[str, str]],
        seed: int | None = None,
        every_s: float = FEED_EVERY_S,
    ) -> None:
        self.address = BrokerAddress.parse(mqtt_url)
        self.every_s = every_s
        self.devices = {d["kind"]: d for d in devices}
        self.random = random.Random(seed)
        self.count = 0

    def readings(self, now: dt.datetime) -> list[tuple[str, dict[str, Any]]]:
        """The next weighing, and every fourth time a rapid test: (device kind, payload)."""
        stall, product, price = self.random.choice(SHELF)
        declared = round(self.random.uniform(0.3, 3.0), 2)
        short = self.random.random() < 0.12  # now and then a vendor's scale reads heavy
        measured = declared - (0.04 if short else self.random.uniform(-0.01, 0.005))
        seq = int(now.timestamp() * 1000) + self.count
        time = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        weighing = {
            "seq": seq, "time": time, "kg": round(measured, 3), "declared_kg": declared, "stall": stall,
            "product": product, "unit_price": price,
        }  # fmt: skip
        found = [("weight", weighing)]
        if self.count % 4 == 0:
            failing = self.random.random() < 0.1
            value = round(self.random.uniform(55, 75) if failing else self.random.uniform(5, 35), 1)
            result = {
                "seq": seq, "time": time, "sample": f"S-{seq}", "stall": stall, "product": product,
                "method": "enzyme_inhibition", "value": value, "unit": "%", "threshold": 50,
                "passed": value < 50,
            }  # fmt: skip
            found.append(("rapid_test", result))
        self.count += 1
        return found

    def run(self, stop: threading.Event) -> None:
        clients = {kind: self._client(device) for kind, device in self.devices.items()}
        try:
            while not stop.is_set():
                for kind, payload in self.readings(dt.datetime.now(dt.UTC)):
                    topic = device_topic(OPERATOR[0], self.devices[kind]["name"], kind)
                    publish_on(clients[kind], topic, payload)
                stop.wait(self.every_s)
        finally:
            for client in clients.values():
                client.loop_stop()
                client.disconnect()

    def _client(self, device: dict[str, str]) -> mqtt.Client:
        """A client of the broker with the device's own credentials, its network loop started."""
        address = dataclasses.replace(self.address, username=device["username"], password=device["password"])
        client = address.client(client_id=f"demo-{device['name']}")
        client.connect_async(self.address.host, self.address.port)
        client.loop_start()
        return client


def start_market_feed(up: Up) -> Callable[[], None]:
    """With ``--demo`` and a broker: the demo market's terminal and scale publish until stopped."""
    config = cli_settings(ServiceSettings)
    path = config.data_dir / DEMO_FILE
    if not up.demo or not path.exists():
        return lambda: None
    if not config.mqtt_url:
        out.print("market feed: off; no MQTT broker configured (set SUYUAN_MQTT_URL=mqtt://host:1883)")
        return lambda: None
    feed = MarketFeed(config.mqtt_url, json.loads(path.read_text())["devices"])
    stop = start_thread("market-demo", feed.run)
    out.print(
        f"market feed: {MARKET}'s rapid-test terminal and recheck scale publish every {FEED_EVERY_S:g} s"
    )
    return stop
