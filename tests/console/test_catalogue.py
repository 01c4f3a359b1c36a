"""Every message the console can show has its Chinese, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import regulator_console
from regulator_console.i18n import catalogue
from tests.console.conftest import english_words_in

PACKAGE = Path(regulator_console.__file__).parent
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2), "NavItem": (2,)}


def _messages() -> set[str]:
    found: set[str] = set()
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    for _, _, message, _, _ in extract_from_dir(PACKAGE, METHODS, options_map=options, keywords=KEYWORDS):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_message_has_its_chinese() -> None:
    messages = _messages()
    zh = catalogue("zh")
    assert len(messages) > 20  # the extraction found the templates and the code
    missing = sorted(messages - zh.keys())
    assert not missing, f"messages without Chinese in locale/zh/LC_MESSAGES/*.po: {missing}"


def test_translations_keep_their_placeholders() -> None:
    for message, translation in catalogue("zh").items():
        for text in translation if isinstance(translation, tuple) else (translation,):
            assert set(re.findall(r"%\(\w+\)s", text)) == set(re.findall(r"%\(\w+\)s", message)), message


def test_no_message_has_two_chinese_translations() -> None:
    """Pages' catalogues are merged: a message id means one thing everywhere (a page that needs
    another sense uses another id)."""
    seen: dict[str, dict[str, str]] = {}
    for path in sorted((PACKAGE / "locale" / "zh" / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle):
                if message.id and message.string:
                    key = str(message.id[0] if isinstance(message.id, tuple) else message.id)
                    seen.setdefault(key, {})[path.name] = str(message.string)
    clashes = {k: v for k, v in seen.items() if len(set(v.values())) > 1}
    assert not clashes, clashes


def test_the_page_check_finds_a_one_word_english_label_left_alone() -> None:
    assert english_words_in(["批次", "Lots", "设备 Devices 5+", "商品条码（GTIN）"]) == ["Devices", "Lots"]
    assert english_words_in(["Frozen white shrimp 冻南美白对虾", "Market Regulator", "Lotsa", "未冻结"]) == []
