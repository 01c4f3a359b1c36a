"""The paperless enforcement documents as A4 PDFs in Chinese: the inspection record (现场检查笔录)
and the order to rectify (责令改正通知书), each a pure function of its ``inspection.document_issued``
record, the inspection's ``inspection.recorded`` record and the issued record's id and leaf hash,
set on the paper of :mod:`trace_api.paperwork.papers`.

The same records give the same bytes every time (the PDF's dates are the record's, not the
clock's): the inspector signs those bytes on their own device, and the server, rendering them
again, checks the signature before it records it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fpdf import FPDF

from ..codes.labels import CJK_FONT_FILE
from ..paperwork.applicants import CHINA
from ..paperwork.papers import (
    LedgerMark,
    chinese_date,
    fields,
    ledger_foot,
    new_paper,
    numbered,
    paragraph,
    signed_off,
    title,
)
from .facts import DocumentIssued, InspectionRecorded
from .models import DocumentKind

RESULTS = {"pass": "符合", "fail": "不符合", "not_applicable": "不适用"}
PERMIT_STATES = {"active": "有效", "suspended": "暂停", "revoked": "撤销"}
#: Where a document is checked by anyone (its number appended).
VERIFY_PATH = "/enforcement-documents/"


def local_time(moment: dt.datetime) -> str:
    at = moment.astimezone(CHINA)
    return f"{chinese_date(at.date())} {at:%H:%M}"


def _paper(name: str, issued: DocumentIssued, font_file: Path) -> FPDF:
    pdf = new_paper(f"{name} {issued.document_id}", font_file)
    moment = dt.datetime.combine(issued.issued_on, dt.time(), tzinfo=CHINA)
    pdf.set_creation_date(moment)
    pdf.set_author(issued.badge_no)
    pdf.set_subject(issued.document_id)
    return pdf


def render_inspection_record(
    issued: DocumentIssued, inspection: InspectionRecorded, mark: LedgerMark, font_file: Path = CJK_FONT_FILE
) -> bytes:
    """现场检查笔录: the party, the inspection, every finding with its legal basis and evidence."""
    pdf = _paper("现场检查笔录", issued, font_file)
    title(pdf, "现场检查笔录", 22)
    numbered(pdf, f"编号：{issued.document_id}")
    party = inspection.party
    licences = "、".join(
        f"{p.get('certificate_no')}（{PERMIT_STATES.get(str(p.get('state')), p.get('state'))}）"
        for p in party.permits
    )
    fields(
        pdf,
        [
            ("被检查单位", party.name),
            ("统一社会信用代码", party.uscc),
            ("检查地点", inspection.place or party.address or ""),
            ("食品经营许可证", licences or "无"),
            ("检查时间", local_time(inspection.inspected_at)),
            ("检查类型", f"{inspection.template_name}（第{inspection.template_version}版）"),
            ("执法机关", inspection.regulator_name),
            ("执法人员", f"{inspection.inspector_name}（执法证号 {inspection.badge_no}）"),
        ],
        size=11.5,
        label_width=38.0,
    )
    paragraph(pdf, "执法人员已出示执法证件，告知当事人依法享有陈述、申辩的权利。现场检查情况如下：", 11.5)
    for finding in inspection.findings:
        line = f"{finding.item} {finding.text}：{RESULTS.get(finding.result, finding.result)}"
        if finding.note:
            line += f"。{finding.note}"
        if finding.evidence:
            line += (
                f"（证据 {len(finding.evidence)} 项："
                + "、".join(e.sha256[:12] for e in finding.evidence)
                + "）"
            )
        paragraph(pdf, f"{line}。依据：{finding.legal_basis}", 10.5, indent=False)
    if inspection.summary:
        paragraph(pdf, f"检查情况：{inspection.summary}", 11.5)
    paragraph(pdf, f"不符合项共 {inspection.failed_items} 项。", 11.5)
    paragraph(
        pdf,
        f"执法人员：{inspection.inspector_name}（电子签名 Ed25519）　当事人：见签收记录",
        11.5,
        indent=False,
    )
    paragraph(pdf, f"核验：{VERIFY_PATH}{issued.document_id}", 9.5, indent=False)
    return ledger_foot(pdf, mark)


def render_rectification_order(
    issued: DocumentIssued, inspection: InspectionRecorded, mark: LedgerMark, font_file: Path = CJK_FONT_FILE
) -> bytes:
    """责令改正通知书: the failed items with their legal basis, what to do and by when."""
    pdf = _paper("责令改正通知书", issued, font_file)
    title(pdf, "责令改正通知书", 22)
    numbered(pdf, f"编号：{issued.document_id}")
    pdf.ln(4)
    paragraph(
        pdf, f"{inspection.party.name}（统一社会信用代码 {inspection.party.uscc}）：", 12.5, indent=False
    )
    paragraph(
        pdf,
        f"经{local_time(inspection.inspected_at)}现场检查（检查编号 {inspection.inspection_id}），"
        "发现你单位存在下列问题：",
        12.5,
    )
    failed = [f for f in inspection.findings if f.result == "fail"]
    for i, finding in enumerate(failed, 1):
        paragraph(pdf, f"{i}. {finding.text}：{finding.note}（违反{finding.legal_basis}）", 11.5)
    deadline = chinese_date(issued.deadline) if issued.deadline else ""
    paragraph(pdf, f"现责令你单位于{deadline}前改正上述问题，改正要求：{issued.requirements or ''}", 12.5)
    paragraph(pdf, "逾期不改正的，将依法予以处理。如不服本通知，可依法申请行政复议或者提起行政诉讼。", 12.5)
    paragraph(
        pdf,
        f"执法人员：{inspection.inspector_name}（执法证号 {inspection.badge_no}，电子签名 Ed25519）",
        11.5,
    )
    signed_off(pdf, inspection.regulator_name, issued.issued_on)
    paragraph(pdf, f"核验：{VERIFY_PATH}{issued.document_id}", 9.5, indent=False)
    return ledger_foot(pdf, mark)


def render_document(issued: DocumentIssued, inspection: InspectionRecorded, mark: LedgerMark) -> bytes:
    if issued.document_kind == DocumentKind.rectification_order.value:
        return render_rectification_order(issued, inspection, mark)
    return render_inspection_record(issued, inspection, mark)
