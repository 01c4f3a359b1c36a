"""``suyuan up --demo``'s risk warning (风险预警): the demo market's stall A-01 fails a second rapid
test, and one pass of the risk engine raises the warning "a stall failed rapid tests twice" from
the two failures' disposals, open for the demo regulator to assign, handle and close.

Once per data directory, after the market demo; what was raised goes to ``risk-demo.json``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import Session, select

from trace_api.markets.service import market_day
from trace_api.risk import CursorMoved, RiskEvaluator, RiskWarning, RuleSet
from trace_api.services import Services

from .markets import MARKET, OPERATOR

DEMO_FILE = "risk-demo.json"


def seed_risk_demo(
    services: Services, rules: RuleSet, api_url: str, market: dict[str, Any]
) -> dict[str, Any]:
    """Seeds the demo warning once; later calls return what the first one wrote. (The warning is
    recorded by this pass or by the engine's job running beside it.)"""
    path: Path = services.settings.data_dir / DEMO_FILE
    if path.exists():
        return dict(json.loads(path.read_text()))
    operator = next(o for o in market["organisations"] if o["handle"] == OPERATOR[0])
    today = market_day(dt.datetime.now(dt.UTC))
    result = {
        "sample": f"S-{today:%Y%m%d}-101", "stall": "A-01", "product": "韭菜 Chinese chives",
        "method": "enzyme_inhibition", "value": 58.5, "unit": "%", "threshold": 50, "passed": False,
    }  # fmt: skip
    with httpx.Client(base_url=api_url, timeout=60) as http:
        response = http.post(
            f"/v1/markets/{MARKET}/rapid-tests", json=result,
            headers={"Authorization": f"Bearer {operator['api_key']}"},
        )  # fmt: skip
    if response.status_code >= 300:
        raise RuntimeError(f"demo rapid test failed: {response.status_code} {response.text}")
    _evaluate(RiskEvaluator(services, rules))
    with Session(services.engine) as session:
        raised = session.exec(
            select(RiskWarning).where(RiskWarning.rule_id == "stall_rapid_tests_failed")
        ).all()
    info = {
        "warnings": [{"id": w.id, "rule": w.rule_id, "level": w.level, "group": w.group_key} for w in raised]
    }
    path.write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n")
    return info


def _evaluate(evaluator: RiskEvaluator) -> None:
    """One pass; the engine's job may be evaluating beside it, and then one of them finds the
    cursor moved and the pass reloads what the other stored."""
    for _ in range(3):
        try:
            evaluator.run_once()
            return
        except CursorMoved:
            continue
