"""RFC 8785 (JSON Canonicalization Scheme) bytes, through ``orjson`` where it agrees.

``orjson.dumps`` with sorted keys writes exactly the JCS bytes for a value of the plain JSON types
whose keys sort the same by code point as by UTF-16 code unit (no key holds a character above
U+FFFF), whose numbers print as ECMAScript prints them (integers within ±(2^53 − 1); integral
floats, which JCS writes without a fraction; other floats between 1e-4 and 1e16, where the
shortest round-trip form is positional as ECMAScript's is) and whose strings are valid Unicode.
JSON string escaping is the same in both (short escapes for \\b \\t \\n \\f \\r, lower-case
``\\u00xx`` for other control characters, nothing else; UTF-8 for the rest). The value is walked
first, so anything outside that (another type, a number out of range, an astral key) takes the
``rfc8785`` package's path, which also reports the errors. The two paths are compared on
generated values and every corpus record in the tests.
"""

from __future__ import annotations

from typing import Any

import orjson
import rfc8785

MAX_SAFE_INTEGER = 2**53 - 1
_ORJSON_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_STRICT_INTEGER


class _Unsure(Exception):
    """The value needs the full JCS serialiser."""


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 bytes of a JSON value (dicts with str keys, lists, str, int, float, bool, None)."""
    plain = plain_canonical_json(value)
    return bytes(rfc8785.dumps(value)) if plain is None else plain


def plain_canonical_json(value: Any) -> bytes | None:
    """The RFC 8785 bytes of the value when ``orjson`` writes them, else None:
    for a value holding anything but the plain JSON types (dicts with str keys, lists, str, int,
    float, bool, None), a number or key outside what it writes as JCS does, or invalid Unicode."""
    try:
        return orjson.dumps(_plain(value) if _needs_rewrite(value) else value, option=_ORJSON_OPTIONS)
    except (_Unsure, orjson.JSONEncodeError):  # orjson's also for invalid Unicode, nesting past 254
        return None


def _needs_rewrite(value: Any) -> bool:
    """Checks the whole value (raising :class:`_Unsure`); True if integral floats must become ints."""
    rewrite = False
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str or kind is bool or item is None:
            continue
        if kind is dict:
            for key in item:
                if type(key) is not str or not (key.isascii() or max(key) <= "\uffff"):
                    raise _Unsure
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)
        elif kind is int:
            if not -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
                raise _Unsure
        elif kind is float:
            if item.is_integer():
                rewrite = True
            elif not 1e-4 <= abs(item) < 1e16:
                raise _Unsure
        else:
            raise _Unsure
    return rewrite


def _plain(value: Any) -> Any:
    kind = type(value)
    if kind is str or value is None or kind is bool:
        return value
    if kind is dict:
        for key in value:
            if type(key) is not str or not (key.isascii() or max(key) <= "\uffff"):
                raise _Unsure
        return {k: _plain(v) for k, v in value.items()}
    if kind is list:
        return [_plain(v) for v in value]
    if kind is int:
        if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            return value
        raise _Unsure
    if kind is float:
        if value.is_integer() and -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            return int(value)
        if 1e-4 <= abs(value) < 1e16:
            return value
        raise _Unsure
    raise _Unsure
