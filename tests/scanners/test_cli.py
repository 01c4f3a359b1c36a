"""``suyuan scan`` end to end: a retailer's handheld receives, sells, scans photos and keyboard-wedge
input, works offline, and shows what the trace API refused and why."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import segno
import zxingcpp
from PIL import Image

from tests.scanners.conftest import BATCH, Handheld, Served

TILL = "Pudong store, till 1"


@pytest.fixture
def codes(served: Served) -> list[str]:
    """Three codes of the batch, issued while the importer holds it."""
    return served.issue(3)


@pytest.fixture
def shop(served: Served, handheld: Handheld, codes: list[str]) -> Handheld:
    """The retailer's handheld, logged in, with the batch (and its codes) shipped to the retailer,
    not yet received."""
    served.ship("shop")
    login = handheld.run("login", "--api", served.url, "--key", served.key("shop"), "--location", TILL)
    assert login.exit_code == 0, login.output
    return handheld


def _recorded(served: Served) -> dict[str, dict[str, object]]:
    """The ledger's scan records, by record id."""
    return {scan["record_id"]: scan for scan in served.every("/v1/scans", "scans")}


def _status(handheld: Handheld) -> dict[str, object]:
    result = handheld.run("status", "--json")
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


def test_login_stores_the_api_the_key_and_the_location(served: Served, handheld: Handheld) -> None:
    result = handheld.run("login", "--api", served.url + "/", "--key", served.key("shop"), "--location", TILL)

    assert result.exit_code == 0, result.output
    assert f"logged in to {served.url} as shop (shop Co.); location: {TILL}" in result.stdout
    status = _status(handheld)
    assert (status["api_url"], status["location"]) == (served.url, TILL)
    assert stat.S_IMODE(handheld.queue.with_suffix(".key").stat().st_mode) == 0o600


def test_login_with_a_wrong_key_is_refused_and_stores_nothing(served: Served, handheld: Handheld) -> None:
    result = handheld.run("login", "--api", served.url, "--key", "sk-wrong", "--location", TILL)

    assert result.exit_code == 1
    assert f"error: the trace API at {served.url} refused the key (401" in result.stderr
    assert _status(handheld)["api_url"] is None
    assert not handheld.queue.with_suffix(".key").exists()


def test_receive_and_sell_record_each_scan_in_the_ledger(
    served: Served, shop: Handheld, codes: list[str]
) -> None:

    received = shop.run("receive", codes[0])
    sold = shop.run("sell", codes[1], codes[2])

    assert received.exit_code == 0, received.output
    assert "1 scans: 1 recorded, 0 refused, 0 pending" in received.stdout
    assert sold.exit_code == 0, sold.output
    assert f"1  sell  {codes[1]}\n2  sell  {codes[2]}\n" in sold.stdout
    assert "2 scans: 2 recorded, 0 refused, 0 pending" in sold.stdout
    status = _status(shop)
    assert (status["pending"], status["synced"], status["refused"]) == (0, 3, 0)
    recorded = _recorded(served)
    assert [(s["action"], s["code"], s["location"]) for s in recorded.values()][:2] == [
        ("sell", codes[2], TILL),
        ("sell", codes[1], TILL),
    ]
    assert recorded[next(iter(recorded))]["org"] == "shop"


def test_item_sold_at_another_till_is_refused_as_sold_twice(
    served: Served, shop: Handheld, codes: list[str]
) -> None:
    assert shop.run("receive", "--batch", BATCH).exit_code == 0

    first = shop.run("sell", codes[0])
    again = shop.run("sell", codes[0], codes[1], "--location", "Pudong store, till 2")

    assert first.exit_code == 0, first.output
    assert again.exit_code == 1
    assert f"refused  sell  {codes[0]}  sold_twice: {codes[0]} was sold before" in again.stdout
    assert "2 scans: 1 recorded, 1 refused, 0 pending" in again.stdout
    assert again.stderr.strip() == "error: 1 refused (see above)"
    status = _status(shop)
    (refused,) = status["refused_scans"]  # type: ignore[misc]
    assert (refused["subject"], refused["reason"]) == (codes[0], "sold_twice")
    assert refused["problem"]["signal_record_id"].startswith("signal:")
    text = shop.run("status")
    assert "refused   1" in text.stdout
    assert f"refused  sell  {codes[0]}  sold_twice: {codes[0]} was sold before" in text.stdout
    signals = served.every("/v1/signals", "signals", reason="sold_twice")
    assert [(s["code"], s["organisation"]) for s in signals] == [(codes[0], "shop")]


def test_wedge_input_records_each_line_and_names_the_bad_ones(
    served: Served, shop: Handheld, codes: list[str]
) -> None:
    assert shop.run("receive", "--batch", BATCH).exit_code == 0
    lines = [codes[0], "", "hello", codes[1] + "\r", _raw_element_string(codes[2])]

    result = shop.run("sell", input="\n".join(lines) + "\n")

    assert result.exit_code == 1
    assert f"1  sell  {codes[0]}\n" in result.stdout
    assert f"2  sell  {codes[1]}\n" in result.stdout
    assert "3  sell  https://id.gs1.org/01/" in result.stdout
    assert "not recorded: not a GS1 Digital Link nor a GS1 element string: hello" in result.stderr
    assert "3 scans: 3 recorded, 0 refused, 0 pending" in result.stdout
    assert result.stderr.strip().endswith("error: 1 lines were not codes (see above)")
    sold = {s["code"] for s in _recorded(served).values() if s["action"] == "sell"}
    assert sold == set(codes)  # the element string's item, under the trace API's own resolver


def test_wedge_scanner_lines_are_recorded_and_answered_as_they_come(
    served: Served, shop: Handheld, codes: list[str]
) -> None:
    assert shop.run("receive", "--batch", BATCH).exit_code == 0
    assert shop.run("sell", codes[1], "--location", "Xuhui store").exit_code == 0
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUYUAN_")} | shop.env
    command = [sys.executable, "-m", "suyuan", "scan", "--queue", str(shop.queue), "sell"]
    with subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    ) as wedge:
        assert wedge.stdin is not None
        assert wedge.stdout is not None
        # Each line is answered before the next is typed: the session records and syncs as it goes.
        wedge.stdin.write(codes[0] + "\n")
        wedge.stdin.flush()
        assert wedge.stdout.readline() == f"1  sell  {codes[0]}\n"
        assert wedge.stdout.readline().startswith(f"recorded  sell  {codes[0]}  scan:")
        wedge.stdin.write(codes[1] + "\n")
        wedge.stdin.flush()
        assert wedge.stdout.readline() == f"2  sell  {codes[1]}\n"
        assert wedge.stdout.readline().startswith(
            f"refused  sell  {codes[1]}  sold_twice: {codes[1]} was sold"
        )
        wedge.stdin.close()
        rest, errors = wedge.stdout.read(), wedge.stderr.read()

    assert wedge.returncode == 1
    assert rest == "2 scans: 1 recorded, 1 refused, 0 pending\n"
    assert errors.strip() == "error: 1 refused (see above)"


def _element_string(code: str) -> str:
    """The bracketed GS1 element string of an item's Digital Link (as decoders show a DataMatrix)."""
    gtin, lot, serial = _fields(code)
    return f"(01){gtin}(10){lot}(21){serial}"


def _raw_element_string(code: str) -> str:
    """The GS1 DataMatrix data of an item's Digital Link as a scanner types it: the symbology
    identifier, then the AIs with a group separator after the variable-length lot."""
    gtin, lot, serial = _fields(code)
    return f"]d201{gtin}10{lot}\x1d21{serial}"


def _fields(code: str) -> tuple[str, str, str]:
    gtin, _, lot, _, serial = code.split("/01/")[1].split("/")
    return gtin, lot, serial


def test_photos_of_labels_are_scanned_and_a_photo_without_code_is_named(
    served: Served, shop: Handheld, codes: list[str], tmp_path: Path
) -> None:
    assert shop.run("receive", "--batch", BATCH).exit_code == 0
    photos = tmp_path / "photos"
    photos.mkdir()
    segno.make(codes[0], error="m").save(str(photos / "label-1.png"), kind="png", scale=6)
    symbol = zxingcpp.create_barcode(_element_string(codes[1]), zxingcpp.BarcodeFormat.DataMatrix, gs1=True)
    Image.fromarray(zxingcpp.write_barcode_to_image(symbol, scale=6)).save(photos / "carton-2.png")
    Image.new("RGB", (320, 240), (90, 90, 90)).save(photos / "blurred.jpg")

    result = shop.run("sell", "--images", str(photos))

    assert result.exit_code == 1
    assert "skipped: blurred.jpg: no code could be read in this picture" in result.stderr
    assert "2 scans: 2 recorded, 0 refused, 0 pending" in result.stdout
    assert "error: 1 of the pictures gave no scan: blurred.jpg" in result.stderr
    sold = {s["code"] for s in _recorded(served).values() if s["action"] == "sell"}
    assert sold == set(codes[:2])


def test_offline_scans_wait_in_the_queue_until_sync_and_a_double_beep_is_one_sale(
    served: Served, shop: Handheld, codes: list[str]
) -> None:
    assert shop.run("receive", "--batch", BATCH).exit_code == 0
    offline = dict(shop.env, SUYUAN_API_URL=f"http://127.0.0.1:{_closed_port()}")
    down = Handheld(shop.queue, offline)

    queued = down.run("sell", codes[0], codes[1])
    failed = down.run("sync")
    only_queued = shop.run("sell", "--no-sync", codes[1])
    synced = shop.run("sync")

    assert queued.exit_code == 0, queued.output
    assert "2 scans: 0 recorded, 0 refused, 2 pending" in queued.stdout
    assert "offline: cannot reach the trace API at http://127.0.0.1:" in queued.stderr
    assert failed.exit_code == 1
    assert "ConnectError" in failed.stderr
    assert "(6 tries); 2 scans stay pending" in failed.stderr
    assert only_queued.exit_code == 0
    assert "1 scans: 0 recorded, 0 refused, 1 pending" in only_queued.stdout
    assert synced.exit_code == 0, synced.output
    assert "synced: 4 recorded, 0 refused, 0 pending" in synced.stdout  # the receipt, 3 sales scanned
    sells = [s for s in _recorded(served).values() if s["action"] == "sell"]
    assert sorted(s["code"] for s in sells) == sorted(codes[:2])


def test_a_refused_key_stops_the_sync_and_leaves_the_scans_pending(
    served: Served, shop: Handheld, codes: list[str]
) -> None:
    assert shop.run("sell", "--no-sync", codes[0]).exit_code == 0
    wrong = Handheld(shop.queue, dict(shop.env, SUYUAN_API_KEY="sk-revoked"))

    result = wrong.run("sync")

    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: the trace API at {served.url} refused the key (401")
    assert result.stderr.rstrip().endswith("1 scans stay pending")
    assert _status(shop)["pending"] == 1


def test_bad_input_gets_one_line_and_queues_nothing(shop: Handheld, tmp_path: Path) -> None:
    nowhere = Handheld(tmp_path / "other" / "queue.db", shop.env)
    cases = [
        (shop.run("buy", "x"), 2, "No such command 'buy'"),
        (
            shop.run("sell", "hello"),
            1,
            "error: hello: not a GS1 Digital Link nor a GS1 element string: hello",
        ),
        (
            shop.run("sell", "--batch", BATCH),
            2,
            "No such option: --batch",
        ),
        (
            shop.run("sell", "https://x.cn/01/09506000134352/10/L1"),
            1,
            "names lot 09506000134352.L1, and a sale is of one item",
        ),
        (shop.run("sell", "--images", str(tmp_path / "none")), 1, "none: no such file or folder"),
        (shop.run("split", "--batch", BATCH, "--child", "A:x"), 1, "--child A:x: give LOT:QUANTITY"),
        (shop.run("ship", "--batch", BATCH), 2, "Missing option '--to'"),
        (nowhere.run("sell", "hello"), 1, "error: no location configured: give --location"),
        (nowhere.run("sync"), 0, "nothing to sync"),
    ]

    for result, code, message in cases:
        assert result.exit_code == code, result.output
        assert message in result.output
    assert _status(shop)["pending"] == _status(shop)["synced"] == 0


def test_split_and_ship_by_lot_and_a_shipment_to_nobody_is_refused(
    served: Served, handheld: Handheld, codes: list[str]
) -> None:
    importer = handheld
    login = importer.run(
        "login", "--api", served.url, "--key", served.key("haixian"), "--location", "Cold store 3"
    )
    assert login.exit_code == 0, login.output

    split = importer.run(
        "split", "--batch", BATCH, "--child", "L2026-001A:600:3", "--child", "L2026-001B:100"
    )
    shipped = importer.run("ship", "--to", "shop", "--batch", f"{BATCH}A", "--vehicle", "沪A12345")
    astray = importer.run("ship", "--to", "nobody", "--batch", f"{BATCH}B")

    assert astray.exit_code == 1
    assert (
        f"refused  ship  {BATCH}B  unknown_partner: counterparty: no organisation 'nobody'" in astray.stdout
    )
    assert split.exit_code == 0, split.output
    assert f"1  split  {BATCH} into L2026-001A, L2026-001B" in split.stdout
    assert shipped.exit_code == 0, shipped.output
    recorded = {s["action"]: s for s in _recorded(served).values()}
    assert recorded["split"]["children"] == [f"{BATCH}A", f"{BATCH}B"]
    assert (recorded["ship"]["batch_id"], recorded["ship"]["to"]) == (f"{BATCH}A", "shop")


def _closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
