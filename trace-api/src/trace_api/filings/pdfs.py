"""The papers a filing's decision issues, as printable A4 PDFs in Chinese: the registration
certificate (登记证) with a QR code that opens its public verification page, and the refusal
decision (不予许可决定书) with its reasons and the applicant's rights.

Pure functions of what the ledger records (the ``filing.approved`` or ``filing.refused`` record,
its id and leaf hash): no database, no settings. Set in WenQuanYi Micro Hei, embedded as a
subset (Debian's ``fonts-wqy-microhei``, as label sheets are); without it the papers are refused
with :class:`~trace_api.codes.labels.LabelFontMissing`, never printed without their Chinese.

The refusal states its legal basis as the Administrative Licensing Law of the PRC (《中华人民共和国
行政许可法》) article 38(2) requires: a written decision with the reasons, and the applicant's right
to administrative reconsideration (60 days, 《行政复议法》) or litigation (6 months, 《行政诉讼法》
article 46).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import Align, WrapMode, XPos, YPos

from ..codes.labels import (
    CJK_FONT,
    CJK_FONT_FILE,
    CJK_FONT_PACKAGE,
    FAUX_BOLD_STROKE,
    LabelFontMissing,
    qr_png,
)
from .facts import FilingApproved, FilingRefused

#: What each business type's certificate is called, and the type as a decision names it.
CERTIFICATE_TITLES = {
    "workshop": "食品小作坊登记证",
    "small_restaurant": "小餐饮经营登记证",
    "small_shop": "小食杂店登记证",
    "stall": "食品摊贩登记卡",
}
TYPE_NAMES = {
    "workshop": "食品小作坊",
    "small_restaurant": "小餐饮",
    "small_shop": "小食杂店",
    "stall": "食品摊贩",
}
PAGE_WIDTH, PAGE_HEIGHT, MARGIN = 210.0, 297.0, 22.0
QR_SIZE = 38.0  # millimetres, quiet zone included: a phone reads it from an arm's length
RIGHTS = (
    "如不服本决定，可以自收到本决定书之日起六十日内依法申请行政复议，"
    "或者自收到本决定书之日起六个月内依法向人民法院提起行政诉讼。"
)


@dataclass(frozen=True)
class LedgerMark:
    """Where a paper's fact sits in the ledger, printed at its foot."""

    record_id: str
    leaf_hash: str  # hex


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


def _document(title: str, font_file: Path, framed: bool = False) -> FPDF:
    if not font_file.is_file():
        raise LabelFontMissing(
            f"a filing's papers are Chinese and need the font {font_file}: install Debian's "
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


def _title(pdf: FPDF, text: str, size: float = 26.0) -> None:
    pdf.set_font(CJK_FONT, "", size)
    with pdf.local_context(text_mode="FILL_STROKE", line_width=FAUX_BOLD_STROKE * 2, draw_color=0):
        pdf.cell(0, size * 0.55, text, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)


def _paragraph(pdf: FPDF, text: str, size: float = 12.5, indent: bool = True) -> None:
    pdf.set_font(CJK_FONT, "", size)
    body = ("\u3000\u3000" if indent else "") + text
    pdf.multi_cell(0, size * 0.62, body, align=Align.L, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN)
    pdf.ln(2)


def _fields(pdf: FPDF, rows: Sequence[tuple[str, str]], size: float = 13.0) -> None:
    """Label and value rows, the value wrapping under itself."""
    label_width = 34.0
    for label, value in rows:
        pdf.set_font(CJK_FONT, "", size)
        top = pdf.get_y()
        pdf.set_text_color(80)
        pdf.cell(label_width, size * 0.62, label)
        pdf.set_text_color(0)
        pdf.multi_cell(0, size * 0.62, value, align=Align.L, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN)
        pdf.set_y(max(pdf.get_y(), top + size * 0.62) + 2.5)


def _ledger_foot(pdf: FPDF, mark: LedgerMark) -> None:
    """At the foot of the last page (a page of its own if the text reached it)."""
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


def render_certificate(
    approved: FilingApproved, mark: LedgerMark, verification_url: str, font_file: Path = CJK_FONT_FILE
) -> bytes:
    """The registration certificate of an approved filing; its QR code encodes ``verification_url``."""
    title = CERTIFICATE_TITLES.get(approved.business_type, "食品经营登记证")
    pdf = _document(f"{title} {approved.certificate_no}", font_file, framed=True)
    pdf.set_y(30)
    _title(pdf, title, 28)
    pdf.set_font(CJK_FONT, "", 12)
    pdf.cell(0, 7, f"编号：{approved.certificate_no}", align=Align.R, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(8)
    _fields(
        pdf,
        [
            ("名　　称", approved.business_name),
            ("经 营 者", approved.operator_name),
            ("经营地址", approved.address),
            ("登记类别", TYPE_NAMES.get(approved.business_type, approved.business_type)),
            ("经营项目", "、".join(approved.categories)),
            ("有 效 期", f"{chinese_date(approved.valid_from)} 至 {chinese_date(approved.valid_until)}"),
            ("办件流水号", approved.filing_id),
        ],
    )
    qr_top = PAGE_HEIGHT - MARGIN - 16 - QR_SIZE - 12
    if pdf.get_y() > qr_top - 4:  # fields long enough to reach the code: it goes on a page of its own
        pdf.add_page()
    pdf.image(io.BytesIO(qr_png(verification_url, scale=1)), x=MARGIN, y=qr_top, w=QR_SIZE, h=QR_SIZE)
    pdf.set_font(CJK_FONT, "", 9)
    pdf.set_xy(MARGIN, qr_top + QR_SIZE + 1)
    pdf.multi_cell(QR_SIZE + 40, 4, f"扫码核验 · {verification_url}", wrapmode=WrapMode.CHAR)
    pdf.set_font(CJK_FONT, "", 13)
    pdf.set_xy(PAGE_WIDTH / 2, qr_top + 8)
    pdf.multi_cell(
        PAGE_WIDTH / 2 - MARGIN,
        8,
        f"发证机关：{approved.regulator_name}",
        align=Align.R,
        wrapmode=WrapMode.CHAR,
    )
    pdf.set_x(PAGE_WIDTH / 2)
    pdf.cell(PAGE_WIDTH / 2 - MARGIN, 8, f"发证日期：{chinese_date(approved.valid_from)}", align=Align.R)
    _ledger_foot(pdf, mark)
    return bytes(pdf.output())


@dataclass(frozen=True)
class RefusedApplication:
    """What the refusal decision says of the application (from its ``filing.submitted`` record)."""

    business_type: str
    business_name: str
    operator_name: str
    submitted_on: dt.date
    decided_on: dt.date


def render_refusal(
    refused: FilingRefused, application: RefusedApplication, mark: LedgerMark, font_file: Path = CJK_FONT_FILE
) -> bytes:
    """The decision not to grant registration (不予许可决定书), with its reasons and the rights."""
    pdf = _document(f"不予许可决定书 {refused.filing_id}", font_file)
    pdf.set_y(32)
    _title(pdf, "不予许可决定书", 24)
    pdf.set_font(CJK_FONT, "", 11)
    pdf.cell(0, 7, f"编号：BY-{refused.filing_id}", align=Align.R, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)
    _paragraph(pdf, f"{application.operator_name}（{application.business_name}）：", indent=False)
    kind = TYPE_NAMES.get(application.business_type, application.business_type)
    _paragraph(
        pdf,
        f"你于{chinese_date(application.submitted_on)}提出的{kind}登记申请（办件流水号：{refused.filing_id}），"
        "本机关已依法审查。经审查，该申请不符合法定条件、标准，根据《中华人民共和国行政许可法》"
        "第三十八条第二款的规定，本机关决定不予许可。理由如下：",
    )
    _paragraph(pdf, refused.opinion)
    _paragraph(pdf, RIGHTS)
    pdf.ln(14)
    pdf.set_font(CJK_FONT, "", 13)
    pdf.cell(0, 8, refused.regulator_name, align=Align.R, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.cell(0, 8, chinese_date(application.decided_on), align=Align.R, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _ledger_foot(pdf, mark)
    return bytes(pdf.output())
