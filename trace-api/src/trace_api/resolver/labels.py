"""Bilingual (中文 / English) labels and time display for the consumer page."""

from __future__ import annotations

import datetime as dt
from functools import cache

from babel import Locale

from ..facts import (
    BatchAdmitted,
    BatchSplit,
    CodesIssued,
    CounterfeitSignalled,
    DestroyScanned,
    RecallAcknowledged,
    RecallIssued,
    RecallLifted,
    ReceiveScanned,
    SellScanned,
    ShipScanned,
)

#: The network's consumers are in China: times are shown in China Standard Time.
DISPLAY_TZ = dt.timezone(dt.timedelta(hours=8))
DISPLAY_TZ_LABEL = "北京时间 UTC+8"

ACTIONS = {
    "admit": "入境准入 Admitted at the source",
    "commission": "赋码 Codes issued",
    "ship": "发货 Shipped",
    "receive": "收货 Received",
    "sell": "售出 Sold",
    "destroy": "销毁 Destroyed",
    "split": "分装 Split / repacked",
    "acknowledge": "确认召回 Recall acknowledged by a holder",
}
KINDS = {
    BatchAdmitted.KIND: "入境准入 Admission",
    CodesIssued.KIND: "赋码 Code issue",
    ShipScanned.KIND: "发货 Shipment",
    ReceiveScanned.KIND: "收货 Receipt",
    SellScanned.KIND: "售出 Sale",
    DestroyScanned.KIND: "销毁 Destruction",
    BatchSplit.KIND: "分装 Split",
    RecallIssued.KIND: "召回 Recall",
    RecallLifted.KIND: "解除召回 Recall lifted",
    RecallAcknowledged.KIND: "确认召回 Recall acknowledged",
    CounterfeitSignalled.KIND: "假冒警告 Counterfeit warning",
}
#: What a consumer reads for a record whose kind has no label of its own.
OTHER_RECORD = "其他记录 Other record"
#: Confirmed counterfeit signals (see ``PUBLIC_SIGNAL_REASONS``), in a consumer's words.
SIGNALS = {
    "sold_twice": "这个码在首次售出之后又被扫码销售：可能有人复制了这个码。"
    " This code was scanned for sale again after it had been sold: it may have been copied.",
}
CERTIFICATES = {
    "quarantine": "检疫证明 Quarantine",
    "nucleic_acid_test": "核酸检测 Nucleic-acid test",
    "disinfection": "消毒证明 Disinfection",
    "origin": "原产地证 Certificate of origin",
    "health": "卫生证书 Health certificate",
    "other": "其他 Other",
}
RECALL_CLASSES = {"I": "一级召回 Class I", "II": "二级召回 Class II", "III": "三级召回 Class III"}
STORAGE = {"frozen": "冷冻 Frozen", "chilled": "冷藏 Chilled", "ambient": "常温 Ambient"}
CODE_STATUS = {"issued": "在流通 In circulation", "sold": "已售出 Sold", "destroyed": "已销毁 Destroyed"}
ORG_TYPES = {
    "importer": "进口商 Importer",
    "wholesaler": "批发商 Wholesaler",
    "retailer": "零售商 Retailer",
    "restaurant": "餐饮 Restaurant",
    "market": "市场 Market",
    "regulator": "监管部门 Regulator",
}
#: One record's check, as a small mark beside it: about the record, never the food.
CHECKS = {
    "verified": "记录真实 Genuine record",
    "pending": "待核验 Not yet anchored",
    "failed": "✗ 记录不符 Record does not match",
}
#: The page's one-line answer about all its records.
VERIFICATION = {
    "verified": "记录真实 Records are genuine",
    "pending": "记录待核验 Records not yet anchored",
    "failed": "记录核验失败 Records failed the check",
}
VERIFICATION_DETAIL = {
    "verified": "{n} 条记录与公开日志一致，未被篡改；不代表食品安全。"
    " {n} records match the public log: not altered. Not a safety mark.",
    "pending": "部分记录尚未锚定上链，稍后再查；不代表食品安全。"
    " Some records are not anchored yet; look again later. Not a safety mark.",
    "failed": "有记录与公开日志不符：请勿相信本页，并拨打 12315 举报。"
    " Some records do not match the public log: do not trust this page; report it to 12315.",
}
#: The item's status in one word, as the answer at the top of the page.
ANSWER_STATUS = {
    "recalled": "已召回 Recalled",
    "warning": "警告 Warning",
    "issued": "在流通 In circulation",
    "sold": "已售出 Sold",
    "destroyed": "已销毁 Destroyed",
}


def label(table: dict[str, str], key: str | None) -> str:
    """The bilingual label of ``key``, or the key itself when it has none."""
    if key is None:
        return "—"
    return table.get(key, key)


def record_label(kind: str) -> str:
    return KINDS.get(kind, OTHER_RECORD)


def action_label(action: str) -> str:
    return ACTIONS.get(action, OTHER_RECORD)


@cache
def country_name(code: str) -> str:
    """An ISO 3166-1 country as ``巴西 Brazil`` (CLDR names through Babel); unknown codes as given."""
    upper = code.upper()
    chinese = Locale("zh", "CN", script="Hans").territories.get(upper)
    english = Locale("en").territories.get(upper)
    if chinese is None or english is None:
        return code
    return f"{chinese} {english}"


def display_time(value: str | dt.datetime | dt.date | None) -> str:
    """An RFC 3339 time (naive means UTC) as ``YYYY-MM-DD HH:MM`` in China Standard Time."""
    if value is None:
        return "—"
    if isinstance(value, str):
        try:
            return display_time(dt.datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            return value
    if not isinstance(value, dt.datetime):
        return value.isoformat()
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(DISPLAY_TZ).strftime("%Y-%m-%d %H:%M")
