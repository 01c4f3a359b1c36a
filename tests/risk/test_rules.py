"""Rules files: the shipped rules, a deployment's own, and refusals naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from trace_api.risk import RuleError, default_rules, load_rules, parse_rules

ONE = """
version = "local-1"
[[rule]]
id = "coldchain_excursions"
version = 2
title = "Two excursions"
kinds = ["alert.opened"]
key = ["device|org"]
condition = {{ type = "count", at_least = {at_least}, window_days = 3 }}
level = "red"
message = "two"
"""


def test_the_shipped_rules_hold_the_issues_five() -> None:
    rules = default_rules()
    assert [r.id for r in rules.rules] == [
        "coldchain_excursions",
        "kitchen_violation_after_rectification",
        "recalled_supplier_still_supplying",
        "stall_rapid_tests_failed",
        "credit_grade_d",
    ]
    assert "credit.graded" in rules.kinds()


def test_a_deployments_rule_replaces_the_shipped_one_of_its_id(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(ONE.format(at_least=2), encoding="utf-8")
    rules = load_rules(path)
    replaced = next(r for r in rules.rules if r.id == "coldchain_excursions")
    assert (replaced.version, replaced.level.value, len(rules.rules)) == (2, "red", 5)
    assert rules.version == f"{default_rules().version}+local-1"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (ONE.format(at_least=0), "rule[0].condition.count.at_least"),
        (ONE.format(at_least=2).replace('"red"', '"purple"'), "rule[0].level"),
        (ONE.format(at_least=2).replace('key = ["device|org"]', 'key = ["de vice"]'), "rule[0].key[0]"),
        (ONE.format(at_least=2).replace("version = 2", "versio = 2"), "rule[0].versio"),
        (ONE.format(at_least=2) + ONE.format(at_least=2).split('"local-1"')[1], "rule[1].id"),
        ("version = ", "rules"),
    ],
)
def test_a_bad_rules_file_is_refused_naming_the_field(text: str, field: str) -> None:
    with pytest.raises(RuleError) as refused:
        parse_rules(text)
    assert refused.value.field == field


def test_a_sequence_of_kinds_the_rule_does_not_read_is_refused() -> None:
    text = ONE.format(at_least=2).replace(
        'condition = { type = "count", at_least = 2, window_days = 3 }',
        'condition = { type = "sequence", steps = ["alert.opened", "alert.closed"] }',
    )
    with pytest.raises(RuleError, match="does not read") as refused:
        parse_rules(text)
    assert refused.value.field == "rule[0]"


def test_a_missing_rules_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="cannot be read"):
        load_rules(tmp_path / "none.toml")
