"""What a scan names: one item (its GS1 Digital Link URI) or a whole lot (its batch id).

A handheld reads codes in three spellings: a GS1 Digital Link URI from a QR code
(``https://<resolver>/01/<GTIN>/10/<lot>/21/<serial>``, GS1 Digital Link 1.2), GS1 element
strings from a GS1 DataMatrix or GS1-128 symbol (raw with FNC1 separators, or bracketed), and
either of them behind a symbology identifier (``]d2``, ``]Q3``, ``]C1`` …) that scanners may put
first. :func:`read_scanned` checks what can be checked here (the shape, the GTIN's check digit,
the lot and serial characters) so a misread code is answered at the till; whether the item was
ever issued, or belongs to another network, is the trace API's call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from ._elements import looks_like_element_string, parse_element_string
from ._errors import NotACode

#: Where Digital Links made from element strings point: GS1's own resolver (the trace API reads
#: the path, whoever's resolver a link names).
GS1_RESOLVER = "https://id.gs1.org"
#: GS1 AI encodable character set 82, as allowed in AI (10) and (21).
_CSET82 = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}")
#: A symbology identifier (ISO/IEC 15424) some scanners send before the data.
_SYMBOLOGY = re.compile(r"^\][A-Za-z][0-9A-Za-z]")
#: Those that say the data are GS1 element strings: GS1 DataMatrix, GS1 QR Code, GS1-128,
#: GS1 DataBar, GS1 DotCode.
_GS1_SYMBOLOGIES = ("]d2", "]Q3", "]C1", "]e0", "]J1")
#: The qualifiers of AI (01) a Digital Link path may carry, in the order it must give them.
_QUALIFIERS = ("22", "10", "21")


@dataclass(frozen=True)
class ScannedCode:
    """One scan's subject: an item's Digital Link URI (``code``) or a lot's ``batch_id``."""

    text: str
    code: str | None = None
    batch_id: str | None = None

    @property
    def subject(self) -> str:
        """What the scan is about, as a person reads it."""
        return self.code or self.batch_id or self.text


def read_scanned(text: str) -> ScannedCode:
    """The item or lot that scanned ``text`` names; :class:`NotACode` says why it names neither."""
    raw = text.strip("\r\n")
    data = _SYMBOLOGY.sub("", raw.strip(), count=1)
    if not data:
        raise NotACode("empty code")
    if re.match(r"(?i)https?://", data):
        gtin, fields, base = _read_link(data)
    elif raw.strip().startswith(_GS1_SYMBOLOGIES) or looks_like_element_string(data):
        fields = parse_element_string(data)
        gtin, base = fields.pop("01", ""), GS1_RESOLVER
        if not gtin:
            raise NotACode("the element string has no GTIN (01)")
    else:
        raise NotACode(f"not a GS1 Digital Link nor a GS1 element string: {_shown(data)}")
    gtin = normalise_gtin(gtin)
    lot, serial = fields.get("10"), fields.get("21")
    for ai, value in (("10", lot), ("21", serial)):
        if value is not None and not _CSET82.fullmatch(value):
            raise NotACode(f"AI ({ai}) has 1 to 20 characters of the GS1 character set 82: {_shown(value)}")
    if lot is None:
        raise NotACode(f"the code names product {gtin}, not a lot (10) or an item (21)")
    if serial is None:
        return ScannedCode(raw, batch_id=f"{gtin}.{lot}")
    extra = f"/22/{quote(fields['22'], safe='')}" if "22" in fields else ""
    path = f"/01/{gtin}{extra}/10/{quote(lot, safe='')}/21/{quote(serial, safe='')}"
    return ScannedCode(raw, code=base + path)


def _read_link(uri: str) -> tuple[str, dict[str, str], str]:
    """The GTIN, the qualifiers and the scheme and host of a Digital Link URI (uncompressed; a
    resolver's own path before ``/01/`` and the query are dropped)."""
    try:
        parts = urlsplit(uri)
    except ValueError as exc:
        raise NotACode(f"not a URI: {exc}") from exc
    if not parts.netloc:
        raise NotACode(f"a GS1 Digital Link names its resolver's host: {_shown(uri)}")
    segments = [unquote(s) for s in parts.path.strip("/").split("/")]
    starts = [
        i
        for i, segment in enumerate(segments[:-1])
        if segment == "01" and segments[i + 1].isascii() and segments[i + 1].isdigit()
        if (len(segments) - i) % 2 == 0
    ]
    if not starts:
        raise NotACode(f"not a GS1 Digital Link (no /01/<GTIN>/… path): {_shown(uri)}")
    rest = segments[starts[0] :]
    fields: dict[str, str] = {}
    order = -1
    for ai, value in zip(rest[2::2], rest[3::2], strict=True):
        if ai not in _QUALIFIERS:
            raise NotACode(f"AI ({ai}) is not a qualifier of a GTIN in a Digital Link: expected 22, 10, 21")
        if _QUALIFIERS.index(ai) <= order:
            raise NotACode("a Digital Link gives its qualifiers once each, in the order 22, 10, 21")
        order = _QUALIFIERS.index(ai)
        fields[ai] = value
    return rest[1], fields, f"{parts.scheme.lower()}://{parts.netloc}"


def gs1_check_digit(digits: str) -> int:
    """The GS1 mod-10 check digit for the digits before it."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def normalise_gtin(value: str) -> str:
    """A GTIN-8/12/13/14 as GTIN-14, its check digit verified."""
    if not (value.isascii() and value.isdigit()) or len(value) not in (8, 12, 13, 14):
        raise NotACode(f"a GTIN has 8, 12, 13 or 14 digits: {_shown(value)}")
    gtin = value.zfill(14)
    if gs1_check_digit(gtin[:-1]) != int(gtin[-1]):
        raise NotACode(
            f"GTIN {value}: the check digit should be {gs1_check_digit(gtin[:-1])}, not {gtin[-1]}"
        )
    return gtin


def _shown(text: str, limit: int = 80) -> str:
    """``text`` as one printable line, shortened."""
    clean = text.replace("\x1d", "<GS>")
    clean = "".join(c if c.isprintable() else "?" for c in clean)
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"
