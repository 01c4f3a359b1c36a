"""The papers a filing's decision issues, as printable A4 PDFs in Chinese: the registration
certificate (登记证) with a QR code that opens its public verification page, and the refusal
decision (不予许可决定书) with its reasons and the applicant's rights.

Pure functions of what the ledger records (the ``filing.approved`` or ``filing.refused`` record,
its id and leaf hash): no database, no settings. The paper itself is :mod:`trace_api.paperwork.papers`.

The refusal states its legal basis as the Administrative Licensing Law of the PRC (《中华人民共和国
行政许可法》) article 38(2) requires: a written decision with the reasons, and the applicant's right
to administrative reconsideration (60 days, 《行政复议法》) or litigation (6 months, 《行政诉讼法》
article 46).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
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
    paragraph,
    signed_off,
    title,
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
RIGHTS = (
    "如不服本决定，可以自收到本决定书之日起六十日内依法申请行政复议，"
    "或者自收到本决定书之日起六个月内依法向人民法院提起行政诉讼。"
)


def render_certificate(
    approved: FilingApproved, mark: LedgerMark, verification_url: str, font_file: Path = CJK_FONT_FILE
) -> bytes:
    """The registration certificate of an approved filing; its QR code encodes ``verification_url``."""
    name = CERTIFICATE_TITLES.get(approved.business_type, "食品经营登记证")
    pdf = new_paper(f"{name} {approved.certificate_no}", font_file, framed=True)
    pdf.set_y(30)
    title(pdf, name, 28)
    numbered(pdf, f"编号：{approved.certificate_no}")
    pdf.ln(8)
    fields(
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
    issuer_and_code(pdf, verification_url, approved.regulator_name, approved.valid_from)
    return ledger_foot(pdf, mark)


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
    pdf = new_paper(f"不予许可决定书 {refused.filing_id}", font_file)
    pdf.set_y(32)
    title(pdf, "不予许可决定书", 24)
    numbered(pdf, f"编号：BY-{refused.filing_id}", 11)
    pdf.ln(6)
    paragraph(pdf, f"{application.operator_name}（{application.business_name}）：", indent=False)
    kind = TYPE_NAMES.get(application.business_type, application.business_type)
    paragraph(
        pdf,
        f"你于{chinese_date(application.submitted_on)}提出的{kind}登记申请（办件流水号：{refused.filing_id}），"
        "本机关已依法审查。经审查，该申请不符合法定条件、标准，根据《中华人民共和国行政许可法》"
        "第三十八条第二款的规定，本机关决定不予许可。理由如下：",
    )
    paragraph(pdf, refused.opinion)
    paragraph(pdf, RIGHTS)
    signed_off(pdf, refused.regulator_name, application.decided_on)
    return ledger_foot(pdf, mark)
