"""Printable A4 papers in Chinese, as the paperless procedures issue them: a framed certificate
with a QR code that opens its public verification page, a decision in paragraphs, and at the foot
of each the ledger record it states (its id and leaf hash).

Set in WenQuanYi Micro Hei, embedded as a subset (Debian's ``fonts-wqy-microhei``, as label sheets
are); without it a paper is refused with :class:`~trace_api.codes.labels.LabelFontMissing`, never
printed without its Chinese.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import Align, WrapMode, XPos, YPos
from sqlmodel import Session

from evidence import Ledger, leaf_hash

from ..codes.labels import CJK_FONT, CJK_FONT_PACKAGE, FAUX_BOLD_STROKE, LabelFontMissing, qr_png

PAGE_WIDTH, PAGE_HEIGHT, MARGIN = 210.0, 297.0, 22.0
QR_SIZE = 38.0  # millimetres, quiet zone included: a phone reads it from an arm's length


@dataclass(frozen=True)
class LedgerMark:
    """Where a paper's fact sits in the ledger, printed at its foot."""

    record_id: str
    leaf_hash: str  # hex


def ledger_mark(ledger: Ledger, session: Session, record_id: str) -> LedgerMark:
    stored = ledger.get(record_id, conn=session.connection())
    return LedgerMark(record_id=record_id, leaf_hash=leaf_hash(stored.body).hex())


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month:02d}月{day.day:02d}日"


class _Paper(FPDF):
    """A4 in millimetres; a framed paper draws its double frame on every page it adds."""

    framed = False

    def header(self) -> None:
        if not self.framed:
            return
        self.set_draw_color(150, 40, 30)
        self.set_line_width(1.2)
        self.rect(10, 10, PAGE_WIDTH - 20, PAGE_HEIGHT - 20)
        self.set_line_width(0.3)
        self.rect(13, 13, PAGE_WIDTH - 26, PAGE_HEIGHT - 26)
        self.set_draw_color(0)


def new_paper(title: str, font_file: Path, framed: bool = False) -> FPDF:
    """An A4 paper with its first page added, or LabelFontMissing without the Chinese font."""
    if not font_file.is_file():
        raise LabelFontMissing(
            f"these papers are Chinese and need the font {font_file}: install Debian's "
            f"{CJK_FONT_PACKAGE} (apt-get install {CJK_FONT_PACKAGE})"
        )
    pdf = _Paper(orientation="P", unit="mm", format="A4")
    pdf.framed = framed
    pdf.set_auto_page_break(True, margin=MARGIN)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_creator("Suyuan")
    pdf.set_title(title)
    pdf.set_lang("zh-CN")
    pdf.add_font(CJK_FONT, "", font_file, collection_font_number=0)
    pdf.add_page()
    return pdf


def title(pdf: FPDF, text: str, size: float = 26.0) -> None:
    pdf.set_font(CJK_FONT, "", size)
    with pdf.local_context(text_mode="FILL_STROKE", line_width=FAUX_BOLD_STROKE * 2, draw_color=0):
        pdf.cell(0, size * 0.55, text, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)


def numbered(pdf: FPDF, text: str, size: float = 12.0) -> None:
    """The paper's number, flush right under its title."""
    pdf.set_font(CJK_FONT, "", size)
    pdf.cell(0, 7, text, align=Align.R, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def paragraph(pdf: FPDF, text: str, size: float = 12.5, indent: bool = True) -> None:
    pdf.set_font(CJK_FONT, "", size)
    body = ("\u3000\u3000" if indent else "") + text
    pdf.multi_cell(0, size * 0.62, body, align=Align.L, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN)
    pdf.ln(2)


def fields(pdf: FPDF, rows: Sequence[tuple[str, str]], size: float = 13.0, label_width: float = 34.0) -> None:
    """Label and value rows, the value wrapping under itself."""
    for label, value in rows:
        pdf.set_font(CJK_FONT, "", size)
        top = pdf.get_y()
        pdf.set_text_color(80)
        pdf.cell(label_width, size * 0.62, label)
        pdf.set_text_color(0)
        pdf.multi_cell(0, size * 0.62, value, align=Align.L, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN)
        pdf.set_y(max(pdf.get_y(), top + size * 0.62) + 2.5)


def issuer_and_code(pdf: FPDF, verification_url: str, issuer: str, issued_on: dt.date) -> None:
    """A certificate's foot: its QR code (``verification_url``) on the left, the issuing
    authority and the date on the right; on a page of its own if the fields reached it."""
    qr_top = PAGE_HEIGHT - MARGIN - 16 - QR_SIZE - 12
    if pdf.get_y() > qr_top - 4:
        pdf.add_page()
    pdf.image(io.BytesIO(qr_png(verification_url, scale=1)), x=MARGIN, y=qr_top, w=QR_SIZE, h=QR_SIZE)
    pdf.set_font(CJK_FONT, "", 9)
    pdf.set_xy(MARGIN, qr_top + QR_SIZE + 1)
    pdf.multi_cell(QR_SIZE + 40, 4, f"扫码核验 · {verification_url}", wrapmode=WrapMode.CHAR)
    pdf.set_font(CJK_FONT, "", 13)
    pdf.set_xy(PAGE_WIDTH / 2, qr_top + 8)
    pdf.multi_cell(PAGE_WIDTH / 2 - MARGIN, 8, f"发证机关：{issuer}", align=Align.R, wrapmode=WrapMode.CHAR)
    pdf.set_x(PAGE_WIDTH / 2)
    pdf.cell(PAGE_WIDTH / 2 - MARGIN, 8, f"发证日期：{chinese_date(issued_on)}", align=Align.R)


def signed_off(pdf: FPDF, authority: str, day: dt.date) -> None:
    """A decision's close: the authority and the date, flush right."""
    pdf.ln(14)
    pdf.set_font(CJK_FONT, "", 13)
    pdf.cell(0, 8, authority, align=Align.R, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.cell(0, 8, chinese_date(day), align=Align.R, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def ledger_foot(pdf: FPDF, mark: LedgerMark) -> bytes:
    """Prints the mark at the foot of the last page (a page of its own if the text reached it);
    the finished paper's bytes."""
    if pdf.get_y() > PAGE_HEIGHT - MARGIN - 10:
        pdf.add_page()
    pdf.set_auto_page_break(False)
    pdf.set_font(CJK_FONT, "", 7.5)
    pdf.set_text_color(90)
    pdf.set_y(PAGE_HEIGHT - MARGIN - 6)
    pdf.multi_cell(
        0,
        3.2,
        f"本文书所载事项已记入溯源证据账本 · 记录 {mark.record_id} · 叶哈希 {mark.leaf_hash}",
        align=Align.L,
        wrapmode=WrapMode.CHAR,
    )
    pdf.set_text_color(0)
    return bytes(pdf.output())
