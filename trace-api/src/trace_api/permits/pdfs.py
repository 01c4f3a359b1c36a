"""The food business permit (食品经营许可证) as a printable A4 PDF in Chinese, with a QR code that
opens its public verification page: a pure function of its ``permit.approved`` record (and the
record's id and leaf hash), set on the paper of :mod:`trace_api.paperwork.papers`."""

from __future__ import annotations

from pathlib import Path

from ..codes.labels import CJK_FONT_FILE
from ..paperwork.papers import (
    LedgerMark,
    chinese_date,
    fields,
    issuer_and_code,
    ledger_foot,
    new_paper,
    numbered,
    title,
)
from .facts import PermitApproved

FORMAT_NAMES = {"food_sales": "食品销售经营者", "catering": "餐饮服务经营者", "canteen": "单位食堂"}
#: Where the public files complaints (the national market regulation hotline).
HOTLINE = "12315"


def render_certificate(
    approved: PermitApproved, mark: LedgerMark, verification_url: str, font_file: Path = CJK_FONT_FILE
) -> bytes:
    """The permit of an approved application; its QR code encodes ``verification_url``."""
    pdf = new_paper(f"食品经营许可证 {approved.certificate_no}", font_file, framed=True)
    pdf.set_y(30)
    title(pdf, "食品经营许可证", 28)
    numbered(pdf, f"许可证编号：{approved.certificate_no}")
    pdf.ln(8)
    fields(
        pdf,
        [
            ("经营者名称", approved.business_name),
            ("统一社会信用代码", approved.uscc),
            ("法定代表人（负责人）", approved.legal_representative),
            ("经营场所", approved.premises),
            ("主体业态", FORMAT_NAMES.get(approved.business_format, approved.business_format)),
            ("经营项目", "、".join(approved.items)),
            ("有效期", f"{chinese_date(approved.valid_from)} 至 {chinese_date(approved.valid_until)}"),
            ("日常监督管理机构", approved.regulator_name),
            ("投诉举报电话", HOTLINE),
        ],
        size=12.0,
        label_width=50.0,
    )
    issuer_and_code(pdf, verification_url, approved.regulator_name, approved.valid_from)
    return ledger_foot(pdf, mark)
