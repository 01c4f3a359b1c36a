"""What a scan names: GS1 Digital Links and GS1 element strings read into an item or a lot."""

from __future__ import annotations

import pytest

from scanners import GS1_RESOLVER, NotACode, parse_element_string, read_scanned

GTIN = "09506000134352"
ITEM = f"https://trace.example.cn/01/{GTIN}/10/L2026-001/21/ABC123"


def test_digital_link_of_an_item_is_its_code() -> None:
    assert read_scanned(ITEM).code == ITEM
    assert read_scanned(ITEM).batch_id is None


def test_digital_link_drops_the_resolver_path_and_query_and_pads_the_gtin() -> None:
    scanned = read_scanned("HTTPS://id.example.com/dl/01/9506000134352/10/L1/21/S%2F1?linkType=all#x\n")

    assert scanned.code == f"https://id.example.com/01/{GTIN}/10/L1/21/S%2F1"


def test_digital_link_of_a_lot_is_its_batch() -> None:
    scanned = read_scanned(f"https://trace.example.cn/01/{GTIN}/10/L2026-001")

    assert (scanned.code, scanned.batch_id) == (None, f"{GTIN}.L2026-001")


@pytest.mark.parametrize(
    "text",
    [
        f"]d201{GTIN}10L2026-001\x1d21ABC123",
        f"01{GTIN}10L2026-001\x1d21ABC123",
        f"(01){GTIN}(10)L2026-001(21)ABC123",
        f"]Q3(01){GTIN}(17)271231(10)L2026-001(21)ABC123",
        f"01{GTIN}1727123110L2026-001\x1d21ABC123",
        f"01{GTIN}21ABC123\x1d10L2026-001",
        f"01{GTIN}3103001250" + "10L2026-001\x1d21ABC123",
    ],
)
def test_element_strings_become_a_digital_link(text: str) -> None:
    assert read_scanned(text).code == f"{GS1_RESOLVER}/01/{GTIN}/10/L2026-001/21/ABC123"


def test_element_string_with_a_lot_and_no_serial_is_the_lot() -> None:
    assert read_scanned(f"]C101{GTIN}10L2026-001").batch_id == f"{GTIN}.L2026-001"


def test_element_string_reads_every_known_field() -> None:
    fields = parse_element_string(f"01{GTIN}17271231310300125010L2026-001\x1d21ABC\x1d400PO-7")

    assert fields == {
        "01": GTIN,
        "17": "271231",
        "3103": "001250",
        "10": "L2026-001",
        "21": "ABC",
        "400": "PO-7",
    }


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "empty code"),
        ("hello", "not a GS1 Digital Link nor a GS1 element string: hello"),
        ("6901234567892", "not a GS1 Digital Link nor a GS1 element string"),
        (f"https://trace.example.cn/01/{GTIN[:-1]}3/10/L1/21/A", "the check digit should be 2, not 3"),
        ("https://trace.example.cn/products/42", "no /01/<GTIN>/… path"),
        (f"https://trace.example.cn/01/{GTIN}", f"names product {GTIN}, not a lot (10) or an item (21)"),
        (f"https://trace.example.cn/01/{GTIN}/21/A/10/L1", "in the order 22, 10, 21"),
        (f"https://trace.example.cn/01/{GTIN}/17/271231", "AI (17) is not a qualifier"),
        (f"https://trace.example.cn/01/{GTIN}/10/L1/21/{'A' * 21}", "1 to 20 characters"),
        (f"https://trace.example.cn/01/{GTIN}/10/L1/21/%C3%A9", "GS1 character set 82: é"),
        (f"01{GTIN}10L1\x1d21A\x1d21B", "AI (21) appears twice"),
        (f"01{GTIN}10L1\x1d8888X", "unknown GS1 application identifier at '8888'"),
        (f"]d201{GTIN[:10]}", "AI (01) needs 14 characters"),
        (f"(01){GTIN}(17)2712(10)L1", "AI (17) has 6 characters, not 4"),
        (f"(01){GTIN}(10)", "AI (10) has 1 to 20 characters, not 0"),
        ("(10)L1(21)A", "has no GTIN (01)"),
        (f"x(01){GTIN}", "not a GS1 Digital Link nor a GS1 element string"),
        ("(01)0950600013435X(10)L1(21)A", "AI (01) is digits only"),
        ("ftp://trace.example.cn/01/09506000134352/10/L1/21/A", "not a GS1 Digital Link"),
    ],
)
def test_what_is_not_a_code_says_why(text: str, why: str) -> None:
    with pytest.raises(NotACode) as refused:
        read_scanned(text)

    assert why in str(refused.value)
