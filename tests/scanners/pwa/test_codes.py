"""What the scanner makes of a scanned text (its own script, in Chromium): GS1 Digital Links and GS1
element strings (as a GS1 DataMatrix carries them) become the Digital Link the API takes; other
barcodes are not traceability codes. A real GS1 DataMatrix goes through the app's zxing-wasm reader."""

from __future__ import annotations

import base64
import io
from typing import Any

import pytest
import zxingcpp
from PIL import Image

from tests.scanners.pwa.conftest import Phone

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

GTIN = "09506000134352"
ITEM_PATH = f"/01/{GTIN}/10/L2026-001/21/ABC123"

READ_CODES = """async (texts) => {
  const { readCode } = await import("/scan/assets/codes.js");
  return texts.map((text) => readCode(text));
}"""

DECODE_IMAGE = """async (png) => {
  const bytes = Uint8Array.from(atob(png), (c) => c.charCodeAt(0));
  const bitmap = await createImageBitmap(new Blob([bytes], { type: "image/png" }));
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext("2d");
  context.drawImage(bitmap, 0, 0);
  const pixels = context.getImageData(0, 0, bitmap.width, bitmap.height);
  const { pickDecoder } = await import("/scan/assets/camera.js");
  const { readCode } = await import("/scan/assets/codes.js");
  const texts = await (await pickDecoder())(null, () => pixels);
  return texts.map((text) => ({ text, read: readCode(text) }));
}"""


def _read(phone: Phone, *texts: str) -> list[Any]:
    phone.open("/signin")
    found: list[Any] = phone.page.evaluate(READ_CODES, list(texts))
    return found


def test_digital_links_and_element_strings_name_the_same_item(phone: Phone) -> None:
    links = [
        f"https://id.gs1.example{ITEM_PATH}",
        f"https://id.gs1.example/some/prefix{ITEM_PATH}?linkType=gs1:pip",  # a resolver's own path
        f"https://id.gs1.example/01/{GTIN[1:]}/10/L2026-001/21/ABC123",  # a GTIN-13 in the link
    ]
    element_strings = [
        f"(01){GTIN}(10)L2026-001(21)ABC123",  # as a reader shows a GS1 DataMatrix
        f"]d201{GTIN}10L2026-001\x1d21ABC123",  # raw, with its symbology identifier and FNC1 separator
        f"01{GTIN}17270901310300050010L2026-001\x1d21ABC123",  # with an expiry date and a net weight
    ]
    item = {"kind": "item", "gtin": GTIN, "lot": "L2026-001", "serial": "ABC123"}
    # A link keeps the resolver it names (another network's code stays another network's); element
    # strings name none, so the code is the path alone.
    assert _read(phone, *links) == [{**item, "code": f"https://id.gs1.example{ITEM_PATH}"}] * 3
    assert _read(phone, *element_strings) == [{**item, "code": ITEM_PATH}] * 3


def test_a_lot_code_names_the_lot_and_other_barcodes_are_not_traceability_codes(phone: Phone) -> None:
    lot, *others = _read(
        phone,
        f"(01){GTIN}(10)L2026-001",
        "(01)09506000134353(10)L2026-001(21)ABC123",  # a wrong check digit
        "wxp://f2f0dd7WyNZpFSbTIlg2SGS",  # a payment code
        "https://example.com/menu",
        f"https://id.gs1.example/01/{GTIN}/10/L%E0%A4%A/21/X",  # a malformed Digital Link
        "6901234567892",  # a bare EAN-13 names no lot
        f"(01){GTIN}(21)ABC123",  # no lot
    )
    assert lot == {"kind": "lot", "batch_id": f"{GTIN}.L2026-001", "gtin": GTIN, "lot": "L2026-001"}
    assert others == [None] * 6


def test_a_gs1_datamatrix_is_read_by_the_apps_own_reader(phone: Phone) -> None:
    symbol = zxingcpp.create_barcode(
        f"(01){GTIN}(10)L2026-001(21)ABC123", zxingcpp.BarcodeFormat.DataMatrix, gs1=True
    )
    image = Image.fromarray(zxingcpp.write_barcode_to_image(symbol, scale=6))
    png = io.BytesIO()
    image.save(png, format="PNG")
    phone.open("/signin")
    found = phone.page.evaluate(DECODE_IMAGE, base64.b64encode(png.getvalue()).decode())
    assert found == [
        {
            "text": f"(01){GTIN}(10)L2026-001(21)ABC123",
            "read": {
                "kind": "item",
                "code": ITEM_PATH,
                "gtin": GTIN,
                "lot": "L2026-001",
                "serial": "ABC123",
            },
        }
    ]
