"""Alert rules: GB 31605 defaults, rules files in JSON or TOML, and the temperature ranges."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ingest import AlertRules, RulesError, TemperatureRule, load_rules
from trace_api.batches.models import StorageClass

FROZEN, CHILLED, AMBIENT = StorageClass.frozen, StorageClass.chilled, StorageClass.ambient


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_load_rules_without_a_file_gives_gb31605_defaults() -> None:
    rules = load_rules(None)

    assert rules.temperature[FROZEN] == TemperatureRule(max_celsius=-18, for_seconds=600)
    assert rules.temperature[CHILLED] == TemperatureRule(min_celsius=0, max_celsius=4, for_seconds=600)
    assert rules.temperature[AMBIENT] == TemperatureRule()
    assert (rules.door_open_seconds, rules.silent_seconds) == (300, 900)


def test_load_rules_reads_json_file(tmp_path: Path) -> None:
    data = {
        "temperature": {
            "frozen": {"max_celsius": -20, "for_seconds": 300},
            "chilled": {"min_celsius": 1, "max_celsius": 5, "for_seconds": 900},
            "ambient": {"max_celsius": 30},
        },
        "door_open_seconds": 120,
        "silent_seconds": 600,
    }

    rules = load_rules(write(tmp_path, "rules.json", json.dumps(data)))

    assert rules.temperature[FROZEN] == TemperatureRule(max_celsius=-20, for_seconds=300)
    assert rules.temperature[CHILLED] == TemperatureRule(min_celsius=1, max_celsius=5, for_seconds=900)
    assert rules.temperature[AMBIENT] == TemperatureRule(max_celsius=30)
    assert (rules.door_open_seconds, rules.silent_seconds) == (120, 600)


def test_load_rules_reads_toml_file(tmp_path: Path) -> None:
    text = """
door_open_seconds = 180
silent_seconds = 1200

[temperature.frozen]
max_celsius = -22
for_seconds = 450
"""

    rules = load_rules(write(tmp_path, "rules.toml", text))

    assert rules.temperature[FROZEN] == TemperatureRule(max_celsius=-22, for_seconds=450)
    assert (rules.door_open_seconds, rules.silent_seconds) == (180, 1200)


def test_load_rules_partial_temperature_map_keeps_defaults_for_other_classes(tmp_path: Path) -> None:
    path = write(tmp_path, "rules.json", json.dumps({"temperature": {"chilled": {"max_celsius": 8}}}))

    rules = load_rules(path)

    assert rules.temperature[CHILLED] == TemperatureRule(min_celsius=0, max_celsius=8)
    assert rules.temperature[FROZEN] == TemperatureRule(max_celsius=-18, for_seconds=600)
    assert rules.temperature[AMBIENT] == TemperatureRule()
    assert rules.door_open_seconds == AlertRules().door_open_seconds


def test_load_rules_class_changing_only_its_delay_keeps_its_gb31605_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "rules.json", json.dumps({"temperature": {"frozen": {"for_seconds": 300}}}))

    frozen = load_rules(path).temperature[FROZEN]

    assert frozen == TemperatureRule(max_celsius=-18, for_seconds=300)
    assert not frozen.in_range(25.0)


def test_load_rules_null_limit_lifts_it(tmp_path: Path) -> None:
    path = write(tmp_path, "rules.json", json.dumps({"temperature": {"chilled": {"min_celsius": None}}}))

    assert load_rules(path).temperature[CHILLED] == TemperatureRule(max_celsius=4)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"temperature": {"frozen": {"for_seconds": -1}}}, "temperature.frozen.for_seconds"),
        ({"temperature": {"frozen": {"max_celsius": "cold"}}}, "temperature.frozen.max_celsius"),
        ({"temperature": {"chilled": {"min_celsius": 5, "max_celsius": 2}}}, "temperature.chilled"),
        ({"temperature": {"frozen": {"max_celcius": -18}}}, "temperature.frozen.max_celcius"),
        ({"silent_seconds": 0}, "silent_seconds"),
        ({"door_open_seconds": -5}, "door_open_seconds"),
        ({"door_seconds": 300}, "door_seconds"),
    ],
)
def test_load_rules_invalid_value_raises_rules_error_naming_the_field(
    tmp_path: Path, data: dict[str, object], field: str
) -> None:
    path = write(tmp_path, "rules.json", json.dumps(data))

    with pytest.raises(RulesError) as raised:
        load_rules(path)

    assert f"{path}: {field}:" in str(raised.value)


def test_load_rules_invalid_value_in_toml_names_the_field(tmp_path: Path) -> None:
    path = write(tmp_path, "rules.toml", "[temperature.frozen]\nfor_seconds = -60\n")

    with pytest.raises(RulesError, match=r"temperature\.frozen\.for_seconds"):
        load_rules(path)


@pytest.mark.parametrize(
    ("name", "text"), [("rules.json", '{"door_open_seconds": '), ("rules.toml", "door = [")]
)
def test_load_rules_unparsable_file_raises_rules_error_naming_the_file(
    tmp_path: Path, name: str, text: str
) -> None:
    path = write(tmp_path, name, text)

    with pytest.raises(RulesError, match=re.escape(f"alert rules {path}: ")):
        load_rules(path)


def test_load_rules_missing_file_raises_rules_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"

    with pytest.raises(RulesError) as raised:
        load_rules(path)

    assert str(path) in str(raised.value)
    assert "No such file" in str(raised.value)


@pytest.mark.parametrize(
    ("storage", "celsius", "in_range"),
    [
        (FROZEN, -30.0, True),
        (FROZEN, -18.0, True),
        (FROZEN, -17.9, False),
        (CHILLED, 0.0, True),
        (CHILLED, 4.0, True),
        (CHILLED, 4.1, False),
        (CHILLED, -0.1, False),
        (AMBIENT, 45.0, True),
    ],
)
def test_temperature_rule_in_range_at_gb31605_boundaries(
    storage: StorageClass, celsius: float, in_range: bool
) -> None:
    assert AlertRules().temperature[storage].in_range(celsius) is in_range


def test_temperature_rule_describes_its_range_for_alert_details() -> None:
    rules = AlertRules().temperature

    assert rules[FROZEN].describe() == "above -18 °C"
    assert rules[CHILLED].describe() == "outside 0–4 °C"
    assert TemperatureRule(min_celsius=2).describe() == "below 2 °C"
