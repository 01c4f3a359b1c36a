"""A decided filing's papers: the registration certificate (its QR code opens a public page that
checks it against the ledger) and the refusal decision with its reasons and the applicant's rights."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from tests.api.test_resolver import anchor
from tests.conftest import Network
from tests.filings.conftest import Filings

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@contextmanager
def _pil_open_by_keyword() -> Iterator[None]:
    """pypdf opens images with ``Image.open(fp=...)``; Ultralytics, once imported in the process
    (by the vision tests), has replaced ``Image.open`` with a function whose first parameter is
    named ``filename``. Pillow's own is put back while pypdf reads."""
    patched = sys.modules.get("ultralytics.utils.patches")
    opened = Image.open
    Image.open = getattr(patched, "_image_open", opened)
    try:
        yield
    finally:
        Image.open = opened


def _qr_text(pdf: bytes) -> str:
    """The one QR code printed on the first page, read as a phone would (zxing-cpp)."""
    images = PdfReader(io.BytesIO(pdf)).pages[0].images
    assert len(images) == 1
    with _pil_open_by_keyword():
        symbol = images[0].image
    assert symbol is not None
    big = symbol.convert("L").resize((symbol.width * 8, symbol.height * 8), Image.Resampling.NEAREST)
    found = zxingcpp.read_barcodes(big)
    assert [f.format for f in found] == [zxingcpp.BarcodeFormat.QRCode]
    return str(found[0].text)


def test_certificate_prints_its_facts_and_its_qr_code_opens_a_verified_check(
    filings: Filings, network: Network
) -> None:
    api = filings.api
    number = filings.submitted(business_name="张记早餐铺")
    filings.reviewed(number, "accept", "受理。")
    approved = filings.reviewed(number, "approve", "经审查符合要求，准予登记。")
    certificate_no = approved["certificate"]["number"]

    response = filings.as_applicant(number, "GET", "/certificate.pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    pdf = response.content
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)  # A4
    text = _text(pdf)
    for expected in (
        "小餐饮经营登记证",
        certificate_no,
        "张记早餐铺",
        "王建国",
        "上海市浦东新区张杨路",
        "热食类食品制售",
        number,
    ):
        assert expected in text, expected
    record = api.services.ledger.get(f"filing:{number}:approved")
    assert record.record_id in text
    url = _qr_text(pdf)
    assert url == f"{api.services.settings.public_url}/filing-certificates/{certificate_no}"

    waiting = api.client.get(urlsplit(url).path, headers={"Accept": "application/json"}).json()
    assert (waiting["standing"], waiting["verification"]["status"]) == ("pending", "pending")
    anchor(api, network)
    checked = api.client.get(urlsplit(url).path, headers={"Accept": "application/json"})
    assert checked.status_code == 200
    body = checked.json()
    assert (body["standing"], body["verification"]["status"]) == ("valid", "verified")
    assert [s["status"] for s in body["verification"]["steps"]] == ["passed"] * 4
    assert body["verification"]["record_id"] == record.record_id
    assert body["verification"]["leaf_hash"] in text.replace("\n", "")
    assert body["certificate"]["business_name"] == "张记早餐铺"

    page_html = api.client.get(urlsplit(url).path)
    assert page_html.status_code == 200
    assert page_html.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page_html.headers["content-security-policy"]
    for expected in (
        "张记早餐铺",
        "有效 Valid",
        "账本记录已核验",
        body["verification"]["leaf_hash"],
        record.record_id,
    ):
        assert expected in page_html.text, expected


def test_unknown_certificate_is_answered_as_not_in_the_ledger(filings: Filings) -> None:
    page = filings.api.client.get("/filing-certificates/SXDJ-310115-2026-99999")
    assert page.status_code == 404
    assert "未找到该登记证" in page.text
    as_json = filings.api.client.get("/filing-certificates/SXDJ-310115-2026-99999?format=json")
    assert as_json.status_code == 404
    assert as_json.headers["content-type"] == "application/problem+json"


def test_refusal_decision_states_the_reasons_and_the_rights(filings: Filings) -> None:
    filings.api.add_org("laowang", "restaurant")
    number = filings.submitted("laowang", business_name="老王烧烤")
    reasons = "经营场所位于居民住宅楼内，油烟排放不符合《上海市食品安全条例》的要求。"
    filings.reviewed(number, "accept", "受理。")
    filings.reviewed(number, "refuse", reasons)

    response = filings.as_applicant(number, "GET", "/decision.pdf", handle="laowang")
    assert response.status_code == 200, response.text
    text = _text(response.content).replace("\n", "")
    for expected in (
        "不予许可决定书",
        "王建国（老王烧烤）",
        f"办件流水号：{number}",
        reasons,
        "第三十八条第二款",
        "六十日内依法申请行政复议",
        "六个月内依法向人民法院提起行政诉讼",
        "Market Regulator",  # the deciding regulator's name
        f"filing:{number}:refused",
    ):
        assert expected in text, expected
    assert filings.as_applicant(number, "GET", "/certificate.pdf", handle="laowang").status_code == 404


def test_papers_only_for_the_applicant_and_regulators_and_only_once_decided(filings: Filings) -> None:
    api = filings.api
    api.add_org("xiaoli", "restaurant")
    pending = filings.submitted()
    assert filings.as_applicant(pending, "GET", "/certificate.pdf").status_code == 404
    assert filings.as_applicant(pending, "GET", "/decision.pdf").status_code == 404
    number = filings.approved()
    assert api.as_org("samr", "GET", f"/v1/filings/{number}/certificate.pdf").status_code == 200
    assert api.as_org("xiaoli", "GET", f"/v1/filings/{number}/certificate.pdf").status_code == 404
    assert api.client.get(f"/v1/filings/{number}/certificate.pdf").status_code == 401
