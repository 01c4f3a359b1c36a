"""Every message the phone scanner shows (its scripts, its pages, its server) has its Chinese."""

from __future__ import annotations

import re
from pathlib import Path

from scanners.pwa import i18n

PACKAGE = Path(i18n.__file__).parent
#: Where a message is named: t("…") and N_("…") in scripts and Python, t("…") and say("…") in templates.
MARKERS = (
    re.compile(r"""\b(?:t|N_|say)\(\s*"((?:[^"\\]|\\.)+)"\s*[,)]"""),
    re.compile(r"""\b(?:t|N_|say)\(\s*'((?:[^'\\]|\\.)+)'\s*[,)]"""),
)
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _named_messages() -> dict[str, str]:
    """Message → the first file naming it."""
    found: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("*")):
        if path.suffix not in (".js", ".html", ".py") or not path.is_file():
            continue
        text = path.read_text()
        for marker in MARKERS:
            for message in marker.findall(text):
                found.setdefault(message.replace("\\'", "'").replace('\\"', '"'), path.name)
    return found


def test_every_message_of_the_scripts_and_pages_has_chinese() -> None:
    named = _named_messages()
    chinese = i18n.messages("zh")
    assert len(named) > 60  # the markers still find the app's messages
    missing = {message: where for message, where in named.items() if message not in chinese}
    assert not missing, f"messages without Chinese: {missing}"
    for message in named:
        translated = chinese[message]
        assert re.search(r"[\u4e00-\u9fff]", translated), f"{message!r} → {translated!r} is not Chinese"
        assert set(PLACEHOLDER.findall(translated)) == set(PLACEHOLDER.findall(message)), message


def test_the_catalogue_holds_no_message_the_app_no_longer_shows() -> None:
    unused = set(i18n.messages("zh")) - set(_named_messages())
    assert not unused, f"catalogue entries no code shows: {sorted(unused)}"
