"""The identifiers an elevator carries: its equipment code (设备代码) and its registration
certificate number (使用登记证编号), in the forms this registry accepts.

**Equipment code** (设备代码), the elevator's lifetime identity, printed on its plate and its
registration certificate: 20 ASCII digits, read as four parts,

====  =======  =================================================================
from  digits   meaning
====  =======  =================================================================
1     4        the kind of equipment in the special-equipment catalogue (特种设备目录):
               an elevator's begins with 3, e.g. 3110 traction passenger elevator
5     6        the administrative division code (GB/T 2260) where it was made; its
               first two digits name a province-level division
11    4        the year it was made (1950 to next year)
15    6        the maker's serial number for that year, not all zeros
====  =======  =================================================================

e.g. ``31103101152019000123``. The kind must be one of :data:`ELEVATOR_KINDS`.

**Registration certificate number** (使用登记证编号), issued by the registering authority:
``梯`` + two digits (the category) + the province's one-character abbreviation + one capital
letter (the registering city) + five digits + the two-digit year in parentheses, e.g.
``梯11沪B00123(19)``. Full-width parentheses and letters (``（19）``, ``Ｂ``) are accepted and
stored in their ASCII forms.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

#: Elevator kinds of the special-equipment catalogue (特种设备目录, 3000 电梯), by code.
ELEVATOR_KINDS: dict[str, str] = {
    "3110": "曳引驱动乘客电梯 traction passenger elevator",
    "3120": "曳引驱动载货电梯 traction freight elevator",
    "3130": "强制驱动载货电梯 positive-drive freight elevator",
    "3210": "液压乘客电梯 hydraulic passenger elevator",
    "3220": "液压载货电梯 hydraulic freight elevator",
    "3310": "自动扶梯 escalator",
    "3320": "自动人行道 moving walk",
    "3410": "防爆电梯 explosion-proof elevator",
    "3420": "消防员电梯 firefighters' elevator",
    "3430": "杂物电梯 dumbwaiter",
}
#: Province-level divisions of GB/T 2260, by the first two digits of a division code.
PROVINCE_CODES = frozenset(
    str(n)
    for n in (
        *range(11, 16),
        *range(21, 24),
        *range(31, 38),
        *range(41, 47),
        *range(50, 55),
        *range(61, 66),
        71,
        81,
        82,
    )
)
#: The one-character abbreviations of the province-level divisions, as registration numbers use them.
PROVINCE_ABBREVIATIONS = "京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川贵云藏陕甘青宁新台港澳"
FIRST_YEAR = 1950
CODE_LENGTH = 20

_DIGITS = re.compile(r"[0-9]+")
_REGISTRATION = re.compile(rf"梯([0-9]{{2}})([{PROVINCE_ABBREVIATIONS}])([A-Z])([0-9]{{5}})\(([0-9]{{2}})\)")
REGISTRATION_HINT = (
    "must look like 梯11沪B00123(19): 梯, two digits, a province, a capital letter, five digits, (year)"
)


class CodeError(ValueError):
    """An identifier that does not have the form this registry accepts; the message says why."""


def validate_equipment_code(value: str, *, today: dt.date | None = None) -> str:
    """The 20-digit equipment code, or :class:`CodeError` naming the part that is wrong."""
    code = value.strip()
    if len(code) != CODE_LENGTH or not _DIGITS.fullmatch(code) or not code.isascii():
        raise CodeError(f"must be {CODE_LENGTH} digits (设备代码), e.g. 31103101152019000123")
    kind, region, year, serial = code[:4], code[4:10], int(code[10:14]), code[14:]
    if kind not in ELEVATOR_KINDS:
        known = ", ".join(ELEVATOR_KINDS)
        raise CodeError(f"starts with {kind}, which is no elevator kind of the catalogue ({known})")
    if region[:2] not in PROVINCE_CODES:
        raise CodeError(f"its division code {region} names no province (digits 5-10)")
    latest = (today or dt.date.today()).year + 1
    if not FIRST_YEAR <= year <= latest:
        raise CodeError(f"its year of manufacture {year} is not from {FIRST_YEAR} to {latest} (digits 11-14)")
    if serial == "000000":
        raise CodeError("its serial number (digits 15-20) is all zeros")
    return code


def elevator_kind(code: str) -> str:
    """What the catalogue calls the kind of elevator a valid code names."""
    return ELEVATOR_KINDS[code[:4]]


def validate_registration_number(value: str) -> str:
    """The registration certificate number in its ASCII-parenthesised form, or :class:`CodeError`."""
    number = unicodedata.normalize("NFKC", value).strip().replace(" ", "")
    if _REGISTRATION.fullmatch(number) is None:
        raise CodeError(REGISTRATION_HINT)
    return number
