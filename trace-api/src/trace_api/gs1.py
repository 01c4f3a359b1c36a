"""GS1 identifiers: GTIN check digits, GLNs, and GS1 Digital Link URIs for item codes.

A Suyuan item code is ``https://<resolver>/01/<GTIN-14>/10/<lot>/21/<serial>`` (GS1 Digital
Link 1.2, qualifier order 22 → 10 → 21; Suyuan uses lot and serial). :func:`parse_digital_link`
reads any Digital Link URI naming a GTIN, whoever's resolver it points to.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

# GS1 AI encodable character set 82, as allowed in AI (10) and (21).
_CSET82 = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}")
SERIAL_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
SERIAL_LENGTH = 16  # ~81 bits: unguessable


class GS1Error(ValueError):
    """An identifier is malformed; the message says why."""


def is_digits(value: str) -> bool:
    """Whether ``value`` is ASCII digits only (``str.isdigit`` also takes Arabic-Indic, fullwidth, ²)."""
    return value.isascii() and value.isdigit()


def gs1_check_digit(digits: str) -> int:
    """The GS1 mod-10 check digit for the digits before it."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def normalise_gtin(value: str) -> str:
    """A GTIN-8/12/13/14 as GTIN-14, check digit verified."""
    if not is_digits(value) or len(value) not in (8, 12, 13, 14):
        raise GS1Error("a GTIN has 8, 12, 13 or 14 digits")
    gtin = value.zfill(14)
    if gs1_check_digit(gtin[:-1]) != int(gtin[-1]):
        raise GS1Error(f"check digit should be {gs1_check_digit(gtin[:-1])}, not {gtin[-1]}")
    return gtin


def validate_gln(value: str) -> str:
    if not is_digits(value) or len(value) != 13:
        raise GS1Error("a GLN has 13 digits")
    if gs1_check_digit(value[:-1]) != int(value[-1]):
        raise GS1Error(f"check digit should be {gs1_check_digit(value[:-1])}, not {value[-1]}")
    return value


def validate_lot(value: str) -> str:
    if not _CSET82.fullmatch(value):
        raise GS1Error("a lot has 1 to 20 characters of the GS1 AI character set 82")
    return value


def suyuan_lot(value: str) -> str:
    """A lot Suyuan accepts, or ValueError (for pydantic validators) saying why.

    GS1 allows '/' in lots; Suyuan does not, since batch ids (``<gtin>.<lot>``) appear in URL paths.
    """
    try:
        lot = validate_lot(value)
    except GS1Error as exc:
        raise ValueError(str(exc)) from exc
    if "/" in lot:
        raise ValueError("'/' is allowed by GS1 but not in Suyuan lots: batch ids appear in URL paths")
    return lot


def new_serial() -> str:
    return "".join(secrets.choice(SERIAL_ALPHABET) for _ in range(SERIAL_LENGTH))


@dataclass(frozen=True)
class ItemCode:
    gtin: str
    lot: str
    serial: str

    def path(self) -> str:
        return f"/01/{self.gtin}/10/{quote(self.lot, safe='')}/21/{quote(self.serial, safe='')}"

    def uri(self, resolver: str) -> str:
        return resolver.rstrip("/") + self.path()


def parse_item_code(value: str) -> ItemCode:
    """An item code from a Digital Link URI (or its path), validated."""
    path = urlsplit(value).path if "://" in value else value
    parts = [unquote(p) for p in path.strip("/").split("/")]
    if len(parts) != 6 or parts[0] != "01" or parts[2] != "10" or parts[4] != "21":
        raise GS1Error("expected a Digital Link path /01/{gtin}/10/{lot}/21/{serial}")
    return ItemCode(normalise_gtin(parts[1]), validate_lot(parts[3]), validate_lot(parts[5]))


#: The key qualifiers of AI (01) a Digital Link path may carry, in the order it must give them.
_QUALIFIERS = ("22", "10", "21")


@dataclass(frozen=True)
class DigitalLink:
    """What a GS1 Digital Link URI identifies: a GTIN, and maybe a lot and a serial of it."""

    gtin: str
    lot: str | None = None
    serial: str | None = None


def parse_digital_link(value: str) -> DigitalLink:
    """The GTIN, lot and serial of a GS1 Digital Link URI (uncompressed, any host, any path before
    ``/01/``; the query and fragment are ignored), each validated; :class:`GS1Error` says why not.

    Qualifiers follow GS1 Digital Link 1.2 section 4: ``/01/{gtin}[/22/{cpv}][/10/{lot}][/21/{serial}]``.
    """
    try:
        parts = urlsplit(value.strip())
    except ValueError as exc:  # e.g. a malformed IPv6 host
        raise GS1Error(f"not a URI: {exc}") from exc
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise GS1Error("a GS1 Digital Link is an http:// or https:// URI")
    segments = [unquote(s) for s in parts.path.strip("/").split("/")]
    # The key starts at the first "01" followed by digits and pairs of AI and value to the end;
    # a path before it (a resolver's own prefix) may hold anything.
    starts = [
        i
        for i, segment in enumerate(segments[:-1])
        if segment == "01" and is_digits(segments[i + 1]) and (len(segments) - i) % 2 == 0
    ]
    if not starts:
        raise GS1Error(
            "a GS1 Digital Link path is /01/{gtin}, then /10/{lot} and /21/{serial} (pairs of AI and value)"
        )
    rest = segments[starts[0] :]
    gtin = normalise_gtin(rest[1])
    found: dict[str, str] = {}
    order = -1
    for ai, qualifier in zip(rest[2::2], rest[3::2], strict=True):
        if ai not in _QUALIFIERS:
            raise GS1Error(f"AI ({ai}) is not a qualifier of a GTIN: expected (22), (10) or (21)")
        if _QUALIFIERS.index(ai) <= order:
            raise GS1Error("qualifiers come once each, in the order 22, 10, 21")
        order = _QUALIFIERS.index(ai)
        found[ai] = qualifier
    lot, serial = found.get("10"), found.get("21")
    return DigitalLink(
        gtin,
        validate_lot(lot) if lot is not None else None,
        validate_lot(serial) if serial is not None else None,
    )
