"""Who applies and who decides, as the paperless procedures (filings, permits) share it.

An applicant is a member organisation (by its API key) or a person without membership, who holds
the query code handed out once at submission (only its SHA-256 is kept). Every regulator reads
an application (supervision reads across jurisdictions); only a regulator of its jurisdiction
acts on it. Anyone else is answered as if there were no such application (404), a wrong query
code too, so that application numbers cannot be probed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from evidence import Actor, Ledger, leaf_hash

from ..errors import Forbidden
from ..orgs.models import Organisation, OrgStatus, OrgType
from ..orgs.service import Member

#: Application numbers and certificates are dated in China Standard Time.
CHINA = ZoneInfo("Asia/Shanghai")
#: The actor of a person applicant's records: no organisation, no API key.
PERSON_ACTOR = Actor(org="person", key_id="query-code")
#: A query code: 12 characters of an alphabet without look-alikes, shown in groups of four.
QUERY_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
QUERY_CODE_LENGTH = 12


@dataclass(frozen=True)
class Caller:
    """Who asks about an application: a member (by API key), or a person holding a query code."""

    member: Member | None = None
    query_code: str | None = None


def new_query_code() -> str:
    raw = "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(QUERY_CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, QUERY_CODE_LENGTH, 4))


def query_code_hash(code: str) -> bytes:
    """The stored hash of a query code, however it was typed (case, dashes, spaces)."""
    normal = re.sub(r"[\s-]", "", code).upper()
    return hashlib.sha256(normal.encode()).digest()


def is_regulator(member: Member | None) -> bool:
    return member is not None and member.org.org_type is OrgType.regulator


def may_see(caller: Caller, applicant_org_id: str | None, code_hash: bytes | None) -> bool:
    """Whether ``caller`` may see an application made by ``applicant_org_id`` (a member) or by
    the person whose query code hashes to ``code_hash``."""
    if caller.member is not None:
        return is_regulator(caller.member) or applicant_org_id == caller.member.org.id
    if caller.query_code is not None and code_hash is not None:
        return hmac.compare_digest(query_code_hash(caller.query_code), code_hash)
    return False


def check_applicant(member: Member | None, what: str) -> None:
    """A person (None), or a member's key of an organisation other than a regulator, applies."""
    if member is None:
        return
    if member.kind != "member":
        raise Forbidden("a device key may not apply; use a member's API key")
    if member.org.org_type is OrgType.regulator:
        raise Forbidden(f"a market regulator reviews {what}; it does not apply for one")


def check_regulator_of(member: Member, jurisdiction: str, what: str) -> None:
    """Only a regulator of ``jurisdiction`` acts on ``what`` (e.g. ``filing SX-…``), with a member key."""
    if member.org.org_type is not OrgType.regulator:
        raise Forbidden(f"only a market regulator acts on {what}; {member.org.handle} is not one")
    if member.kind != "member":
        raise Forbidden(f"a device key may not act on {what}; use a member's API key")
    if member.org.jurisdiction != jurisdiction:
        raise Forbidden(
            f"{member.org.handle} supervises {member.org.jurisdiction!r}; "
            f"{what} is filed with {jurisdiction!r}"
        )


def jurisdictions(session: Session) -> list[str]:
    """The jurisdictions of active regulators: where an application may be made."""
    query = (
        select(Organisation.jurisdiction)
        .where(Organisation.org_type == OrgType.regulator, Organisation.status == OrgStatus.active)
        .distinct()
        .order_by(col(Organisation.jurisdiction))
    )
    return list(session.exec(query))


def handle_of(session: Session, org_id: str | None) -> str | None:
    if org_id is None:
        return None
    org = session.get(Organisation, org_id)
    return org.handle if org is not None else None


def actor_of(member: Member | None) -> Actor:
    return PERSON_ACTOR if member is None else Actor(org=member.org.uscc, key_id=member.key_id)


def china_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(CHINA).date()


def like_pattern(text: str) -> str:
    """``text`` as a LIKE pattern matching it anywhere (escaped with a backslash)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def ledger_history(
    ledger: Ledger, session: Session, subject_type: str, subject_id: str
) -> list[dict[str, Any]]:
    """Every ledger record about the subject, in log order: its kind, where it sits, who wrote it,
    its leaf hash and its payload."""
    steps = []
    for stored in ledger.about(subject_type, subject_id, conn=session.connection()):
        record = stored.record()
        steps.append(
            {
                "kind": record.kind,
                "record_id": record.record_id,
                "index": stored.index,
                "time": record.time,
                "actor": record.actor.org,
                "leaf_hash": leaf_hash(stored.body).hex(),
                "payload": record.payload,
            }
        )
    return steps


def years_later(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later (29 February becomes 28 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def next_number(session: Session, column: Any, prefix: str, digits: int) -> str:
    """The next number of a sequence named by ``prefix`` in ``column`` (``prefix`` and ``digits``
    digits, from 1). The caller holds the ledger's writer lock: two writers never draw the same."""
    taken = session.exec(select(func.count()).where(col(column).startswith(prefix))).one()
    return f"{prefix}{taken + 1:0{digits}d}"
