"""Fields every paperless application carries, checked as pydantic validators do: division codes
GB/T 2260 (six digits, a county-level division), unified social credit codes GB 32100-2015, and
phone numbers (a mainland mobile number or a landline with its area code). Each refusal is a
pydantic error of its own type whose message says what is wrong, so that the answer's problem
names the field and the reason."""

from __future__ import annotations

import re

from pydantic_core import PydanticCustomError

from ..orgs._uscc import UsccError, validate_uscc

#: The first two digits of GB/T 2260 codes: provinces, autonomous regions, municipalities, HK, Macao.
PROVINCES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42"}
    | {"43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82"}
)
MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def refusal(kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(kind, message)


def not_blank(value: str) -> str:
    value = value.strip()
    if not value:
        raise refusal("blank", "is blank")
    return value


def division_code(value: str) -> str:
    code = value.strip()
    if not re.fullmatch(r"\d{6}", code):
        raise refusal("division_code_format", "must be six digits (GB/T 2260), e.g. 310115")
    if code[:2] not in PROVINCES:
        raise refusal("division_code_region", f"its province {code[:2]} is no province of GB/T 2260")
    if code.endswith("00"):
        raise refusal("division_code_level", "names a province or city: give the county or district")
    return code


def uscc(value: str) -> str:
    try:
        return validate_uscc(value)
    except UsccError as exc:
        raise refusal(f"uscc_{exc.problem}", str(exc)) from exc


def phone(value: str) -> str:
    number = re.sub(r"[\s]", "", value)
    if not (MOBILE.match(number) or LANDLINE.match(number)):
        raise refusal(
            "phone",
            "must be a mainland mobile number (11 digits from 13 to 19) or a landline with its "
            "area code, e.g. 021-12345678",
        )
    return number


def mask_phone(number: str) -> str:
    """The first three digits and the last four, as ledger records and public pages show it."""
    digits = number.replace("-", "")
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
