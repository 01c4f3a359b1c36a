"""Bilingual (中文 / English) labels and time display for the consumer page."""

from __future__ import annotations

import datetime as dt

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
}
KINDS = {
    "batch.admitted": "入境准入 Admission",
    "codes.issued": "赋码 Code issue",
    "scan.ship": "发货 Shipment",
    "scan.receive": "收货 Receipt",
    "scan.sell": "售出 Sale",
    "scan.destroy": "销毁 Destruction",
    "batch.split": "分装 Split",
    "recall.issued": "召回 Recall",
    "recall.lifted": "解除召回 Recall lifted",
    "counterfeit.signal": "假冒信号 Counterfeit signal",
}
CERTIFICATES = {
    "quarantine": "检疫证明 Quarantine",
    "nucleic_acid_test": "核酸检测 Nucleic-acid test",
    "disinfection": "消毒证明 Disinfection",
    "origin": "原产地证 Certificate of origin",
    "health": "卫生证书 Health certificate",
    "other": "其他 Other",
}
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
CHECKS = {
    "verified": "✓ 已验证 Verified",
    "pending": "… 待锚定 Pending",
    "failed": "✗ 验证失败 Failed",
}


def label(table: dict[str, str], key: str | None) -> str:
    """The bilingual label of ``key``, or the key itself when it has none."""
    if key is None:
        return "—"
    return table.get(key, key)


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
