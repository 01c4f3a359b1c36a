"""Inspection templates (检查表): for each inspection type, the items an inspector checks on site,
each with its legal basis. A template is data, versioned: an inspection's record keeps the text
and basis of every item as it was checked, so a later edit of a template never changes what an
earlier record (or the PDF rendered from it) says."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import NotFound

FOOD_SAFETY_LAW = "《中华人民共和国食品安全法》"
MARKET_RULES = "《食用农产品市场销售质量安全监督管理办法》"
EQUIPMENT_LAW = "《中华人民共和国特种设备安全法》"


@dataclass(frozen=True)
class CheckItem:
    code: str
    text: str
    legal_basis: str


@dataclass(frozen=True)
class Checklist:
    code: str
    name: str
    name_en: str
    version: int
    items: tuple[CheckItem, ...]

    def item(self, code: str) -> CheckItem | None:
        return next((item for item in self.items if item.code == code), None)

    def describe(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "name_en": self.name_en,
            "version": self.version,
            "items": [{"code": i.code, "text": i.text, "legal_basis": i.legal_basis} for i in self.items],
        }


CHECKLISTS: dict[str, Checklist] = {
    c.code: c
    for c in (
        Checklist(
            "catering", "餐饮服务食品安全监督检查", "Catering food safety inspection", 1,
            (
                CheckItem("C1", "食品经营许可证在有效期内并悬挂于显著位置", f"{FOOD_SAFETY_LAW}第三十五条"),
                CheckItem("C2", "从业人员持有效健康证明上岗", f"{FOOD_SAFETY_LAW}第四十五条"),
                CheckItem("C3", "原料进货查验并如实记录，索证索票齐全", f"{FOOD_SAFETY_LAW}第五十五条"),
                CheckItem("C4", "餐具饮具按规定清洗消毒，保洁设施正常使用", f"{FOOD_SAFETY_LAW}第五十六条"),
                CheckItem("C5", "生熟分开，冷藏冷冻设施温度符合要求", f"{FOOD_SAFETY_LAW}第三十三条"),
                CheckItem("C6", "无超范围经营，无使用超过保质期的食品原料", f"{FOOD_SAFETY_LAW}第三十四条"),
            ),
        ),
        Checklist(
            "food_production", "食品生产监督检查", "Food production inspection", 1,
            (
                CheckItem("P1", "食品生产许可证有效，生产范围与许可一致", f"{FOOD_SAFETY_LAW}第三十五条"),
                CheckItem("P2", "原辅料进货查验记录完整", f"{FOOD_SAFETY_LAW}第五十条"),
                CheckItem("P3", "生产过程控制符合要求，关键控制点有记录", f"{FOOD_SAFETY_LAW}第四十六条"),
                CheckItem("P4", "出厂检验记录完整，检验合格后出厂", f"{FOOD_SAFETY_LAW}第五十一条"),
                CheckItem("P5", "标签标识符合食品安全国家标准", f"{FOOD_SAFETY_LAW}第六十七条"),
            ),
        ),
        Checklist(
            "farmers_market", "农贸市场食品安全监督检查", "Farmers' market inspection", 1,
            (
                CheckItem("M1", "开办者建立入场销售者档案并审查许可证件", f"{FOOD_SAFETY_LAW}第六十一条"),
                CheckItem("M2", "快检室正常运行，检测结果按日公示", f"{MARKET_RULES}第十一条"),
                CheckItem("M3", "食用农产品进货凭证、产品合格证明齐全", f"{FOOD_SAFETY_LAW}第六十五条"),
                CheckItem("M4", "冷链食品进货查验及追溯码赋码", "《进口冷链食品追溯管理规定》"),
                CheckItem("M5", "经营环境卫生，生熟分区设置", f"{FOOD_SAFETY_LAW}第三十三条"),
            ),
        ),
        Checklist(
            "special_equipment", "特种设备安全监督检查", "Special equipment inspection", 1,
            (
                CheckItem("E1", "特种设备已办理使用登记，登记标志置于显著位置", f"{EQUIPMENT_LAW}第三十三条"),
                CheckItem("E2", "在检验有效期内使用，定期检验合格", f"{EQUIPMENT_LAW}第四十条"),
                CheckItem("E3", "电梯维保单位按规定进行维护保养，记录完整", f"{EQUIPMENT_LAW}第四十五条"),
                CheckItem("E4", "作业人员持证上岗", f"{EQUIPMENT_LAW}第十四条"),
                CheckItem("E5", "制定应急预案并定期演练", f"{EQUIPMENT_LAW}第六十九条"),
            ),
        ),
    )
}  # fmt: skip


def get_checklist(code: str) -> Checklist:
    checklist = CHECKLISTS.get(code)
    if checklist is None:
        raise NotFound(f"no inspection template {code!r}; GET /v1/enforcement/templates lists them")
    return checklist
