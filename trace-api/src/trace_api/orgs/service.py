"""Admitting organisations: validated identity, a chain account whose role the chain outbox grants,
a first API key."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from pydantic import BaseModel, Field, field_validator
from pydantic_core import PydanticCustomError
from sqlmodel import Session, col, func, select

from chain import id_hash
from evidence import Actor, Record, Subject, utc_datetime, utc_now

from .._paging import decode_cursor, page_of
from ..errors import Conflict, Forbidden, NotFound, Suspended, Unauthorized, Unprocessable
from ..facts import ApiKeyRevoked, OrgAdmitted, OrgPositioned
from ..geo import Position
from ..gs1 import GS1Error, validate_gln
from ..services import Services, writing
from ..text import Line
from ._uscc import UsccError, validate_uscc
from .models import ApiKey, Organisation, OrgStatus, OrgType

KEY_PREFIX = "sy"
#: The key id of records written by whoever runs the service (the CLI, the demo), not through a key.
OPERATOR_KEY = "operator"
#: Handles that ``/v1/organisations/{handle}`` (and the console's ``/members/{handle}``) could not
#: reach: paths of their own.
RESERVED_HANDLES = frozenset({"me", "uscc-check", "new"})


class OrganisationIn(BaseModel):
    handle: str = Field(
        pattern=r"^[a-z0-9][a-z0-9-]{1,62}$", description="short unique name, e.g. 'haixian-import'"
    )
    name: Line = Field(min_length=1, max_length=200)
    org_type: OrgType
    uscc: str = Field(description="unified social credit code (统一社会信用代码), check character verified")
    gln: str | None = None
    jurisdiction: Line = Field(min_length=1, max_length=100)
    position: Position | None = Field(default=None, description="where it is, for the regulators' map")

    @field_validator("handle")
    @classmethod
    def _handle(cls, value: str) -> str:
        if value in RESERVED_HANDLES:
            raise PydanticCustomError("handle_reserved", f"{value!r} names a path of the API; choose another")
        return value

    @field_validator("uscc")
    @classmethod
    def _uscc(cls, value: str) -> str:
        try:
            return validate_uscc(value)
        except UsccError as exc:  # its own words as the reason, and what is wrong as the error's type
            raise PydanticCustomError(f"uscc_{exc.problem}", str(exc)) from exc

    @field_validator("gln")
    @classmethod
    def _gln(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return validate_gln(value)
        except GS1Error as exc:
            raise ValueError(str(exc)) from exc


@dataclass(frozen=True)
class Member:
    """The caller: an organisation acting through one API key."""

    org: Organisation
    key_id: str
    kind: str


def uscc_chain_id(uscc: str) -> bytes:
    return id_hash(f"uscc:{uscc}")


def org_chain_id(org: Organisation) -> bytes:
    return uscc_chain_id(org.uscc)


def refuse_clash(session: Session, data: OrganisationIn) -> None:
    clash = session.exec(
        select(Organisation).where((Organisation.handle == data.handle) | (Organisation.uscc == data.uscc))
    ).first()
    if clash is not None:
        raise Conflict(f"an organisation with handle {clash.handle!r} or code {clash.uscc} exists already")


def admit_organisation(
    services: Services, data: OrganisationIn, admitted_by: Member | None = None
) -> tuple[Organisation, str]:
    """Admits an organisation in one write transaction: its row, its ``org.admitted`` record with
    the grant of its chain role owed to the chain, and its first member key. Returns it and the key;
    the grant stands on chain as :func:`admission_record_id`'s chain status says.

    Nothing waits on the chain: the chain worker grants the role after commit, in commit order,
    so every chain call the new member makes later is sent after its grant. ``admitted_by`` is the
    regulator whose key admitted it (None: the service's operator), the actor of its records."""
    with Session(services.engine) as session:
        refuse_clash(session, data)
    account = services.keystore.load_or_create(data.handle)  # a file, before the lock is taken
    with writing(services) as session:
        org, key = create_organisation(services, session, data, account, admitted_by)
        session.expunge(org)
    return org, key


def create_organisation(
    services: Services,
    session: Session,
    data: OrganisationIn,
    account: LocalAccount | None = None,
    admitted_by: Member | None = None,
) -> tuple[Organisation, str]:
    """Creates the organisation with its chain account (``account``, else loaded or created), its
    ``org.admitted`` record owing the grant of its role to the chain, a position if given
    (``org.positioned``), and a first member API key. ``session`` must hold the writer lock."""
    from ..chainops import owe_membership  # chainops reads organisations: imported on use

    refuse_clash(session, data)
    account = account or services.keystore.load_or_create(data.handle)
    org = Organisation(
        id=uuid.uuid4().hex,
        chain_address=account.address,
        created_at=dt.datetime.now(dt.UTC),
        **data.model_dump(exclude={"position"}),
    )
    session.add(org)
    actor = _actor(services, admitted_by)
    record = _admission_record(org, actor)
    services.ledger.append(record, conn=session.connection())
    owe_membership(session, record.kind, record.record_id, org)
    if data.position is not None:
        _place(services, session, org, data.position, actor)
    session.commit()
    key = issue_api_key(session, org, "first member", "member")
    session.refresh(org)  # the key's commit expired it
    return org, key


def admission_record_id(org: Organisation) -> str:
    """The id of the organisation's ``org.admitted`` record, whose chain operation grants its role."""
    return f"org:{org.uscc}:admitted"


def _admission_record(org: Organisation, actor: Actor) -> Record:
    fact = OrgAdmitted(
        handle=org.handle,
        org_type=org.org_type.value,
        role=org.org_type.chain_role.value,
        account=org.chain_address,
    )
    return Record(
        kind=OrgAdmitted.KIND,
        record_id=admission_record_id(org),
        time=utc_now(),
        actor=actor,
        subjects=[Subject(type="org", id=org.uscc)],
        payload=fact.payload(),
    )


def issue_api_key(session: Session, org: Organisation, label: str, kind: str) -> str:
    """A new key ``sy_<id>_<secret>``; only its hash is stored, so it is shown once."""
    row, key = new_api_key(org, label, kind)
    session.add(row)
    session.commit()
    return key


def new_api_key(org: Organisation, label: str, kind: str) -> tuple[ApiKey, str]:
    """A key's row (not yet added) and the key itself, for a caller that writes the row in its
    own transaction (an inspector's key with the inspector)."""
    key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    row = ApiKey(
        id=key_id,
        org_id=org.id,
        label=label,
        kind=kind,
        secret_hash=_hash(secret),
        created_at=dt.datetime.now(dt.UTC),
    )
    return row, f"{KEY_PREFIX}_{key_id}_{secret}"


def _hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def authenticate(session: Session, token: str) -> Member:
    match = re.fullmatch(rf"{KEY_PREFIX}_([0-9a-f]{{16}})_([A-Za-z0-9_-]{{20,}})", token)
    if match is None:
        raise Unauthorized("the API key is malformed")
    key = session.get(ApiKey, match.group(1))
    if (
        key is None
        or key.revoked_at is not None
        or not hmac.compare_digest(key.secret_hash, _hash(match.group(2)))
    ):
        raise Unauthorized("unknown or revoked API key")
    org = session.get(Organisation, key.org_id)
    assert org is not None
    if org.status is OrgStatus.suspended:
        since = org.suspended_at.isoformat() if org.suspended_at else None
        raise Suspended(
            f"{org.handle} is suspended (since {since}: {org.suspension_reason}); its API keys are "
            "refused until a market regulator restores it",
            handle=org.handle,
            suspended_at=since,
        )
    return Member(org=org, key_id=key.id, kind=key.kind)


#: ``inspector``: a regulator's person recording on-site inspections (:mod:`trace_api.enforcement`);
#: only the inspection routes accept it.
KEY_KINDS = ("member", "device", "inspector")


def public_key(key: ApiKey) -> dict[str, Any]:
    """What may be shown of a key: never its secret or hash, only the id its token starts with."""
    return {
        "id": key.id,
        "kind": key.kind,
        "label": key.label,
        "prefix": f"{KEY_PREFIX}_{key.id}_",
        "created_at": key.created_at.isoformat(),
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
    }


def list_keys(session: Session, org: Organisation) -> list[ApiKey]:
    return list(session.exec(select(ApiKey).where(ApiKey.org_id == org.id).order_by(col(ApiKey.created_at))))


def revoke_api_key(services: Services, session: Session, member: Member, key_id: str) -> ApiKey:
    """Revokes one of the caller's organisation's keys at once, recorded as ``api_key.revoked``.

    The organisation's last member key cannot be revoked: nobody could then act for it.
    """
    key = session.get(ApiKey, key_id)
    if key is None or key.org_id != member.org.id or key.revoked_at is not None:
        raise NotFound(f"no active API key {key_id!r} of {member.org.handle}")
    if key.kind == "member":
        members = session.exec(
            select(ApiKey).where(
                ApiKey.org_id == member.org.id, ApiKey.kind == "member", col(ApiKey.revoked_at).is_(None)
            )
        ).all()
        if len(members) <= 1:
            raise Conflict(f"{key_id} is the last member key of {member.org.handle}; issue another first")
    record = Record(
        kind=ApiKeyRevoked.KIND,
        record_id=f"api_key:{key.id}:revoked",
        time=utc_now(),
        actor=Actor(org=member.org.uscc, key_id=member.key_id),
        subjects=[Subject(type="org", id=member.org.uscc), Subject(type="api_key", id=key.id)],
        payload=ApiKeyRevoked(key_id=key.id, kind=key.kind, label=key.label).payload(),
    )
    services.ledger.append(record, conn=session.connection())
    key.revoked_at = utc_datetime(record.time)
    session.add(key)
    return key


@dataclass(frozen=True)
class OrgFilter:
    """Which members a list shows: ``name`` and ``jurisdiction`` match anywhere, any case; ``text``
    matches anywhere in the name or the handle."""

    name: str | None = None
    org_type: OrgType | None = None
    uscc: str | None = None
    jurisdiction: str | None = None
    status: OrgStatus | None = None
    text: str | None = None


def _containing(column: Any, part: str) -> Any:
    return func.lower(col(column)).contains(part.lower(), autoescape=True)


def find_organisations(
    session: Session, wanted: OrgFilter, *, limit: int, cursor: str | None
) -> tuple[list[Organisation], str | None]:
    """Members of the network by handle, a page at a time (keyset on the handle)."""
    query = select(Organisation)
    if wanted.name is not None:
        query = query.where(_containing(Organisation.name, wanted.name))
    if wanted.text is not None:
        query = query.where(
            _containing(Organisation.name, wanted.text) | _containing(Organisation.handle, wanted.text)
        )
    if wanted.jurisdiction is not None:
        query = query.where(_containing(Organisation.jurisdiction, wanted.jurisdiction))
    if wanted.org_type is not None:
        query = query.where(Organisation.org_type == wanted.org_type)
    if wanted.status is not None:
        query = query.where(Organisation.status == wanted.status)
    uscc = wanted.uscc
    if uscc is not None:
        try:
            query = query.where(Organisation.uscc == validate_uscc(uscc))
        except ValueError as exc:
            raise Unprocessable.field("uscc", str(exc)) from exc
    if cursor is not None:
        query = query.where(col(Organisation.handle) > decode_cursor(cursor))
    rows = session.exec(query.order_by(col(Organisation.handle)).limit(limit + 1)).all()
    return page_of(rows, limit, lambda org: org.handle)


# -- positions ------------------------------------------------------------------------------------


def position_of(org: Organisation) -> Position | None:
    """Where the organisation is, or None while it has no position."""
    if org.latitude is None or org.longitude is None:
        return None
    return Position(latitude=org.latitude, longitude=org.longitude, address=org.address)


def position_organisation(
    services: Services, session: Session, member: Member, handle: str, position: Position
) -> Organisation:
    """Sets where the organisation ``handle`` is, recorded as ``org.positioned``.

    A regulator positions any organisation; a member key positions its own organisation only.
    """
    org = session.exec(select(Organisation).where(Organisation.handle == handle)).first()
    if member.org.org_type is not OrgType.regulator:
        if member.kind != "member":
            raise Forbidden("a device key may not do this; use a member's API key")
        if org is None or org.id != member.org.id:
            raise Forbidden(f"{member.org.handle} may position its own organisation only")
    if org is None:
        raise NotFound(f"no organisation {handle!r}")
    _place(services, session, org, position, Actor(org=member.org.uscc, key_id=member.key_id))
    return org


def _actor(services: Services, member: Member | None) -> Actor:
    if member is None:
        return Actor(org=services.ledger.origin, key_id=OPERATOR_KEY)
    return Actor(org=member.org.uscc, key_id=member.key_id)


def _place(services: Services, session: Session, org: Organisation, position: Position, actor: Actor) -> None:
    position = position.rounded()
    fact = OrgPositioned(
        handle=org.handle,
        latitude=position.latitude,
        longitude=position.longitude,
        address=position.address,
    )
    record = Record(
        kind=OrgPositioned.KIND,
        record_id=f"org:{org.uscc}:positioned:{uuid.uuid4().hex}",
        time=utc_now(),
        actor=actor,
        subjects=[Subject(type="org", id=org.uscc)],
        payload=fact.payload(),
    )
    services.ledger.append(record, conn=session.connection())
    org.latitude, org.longitude, org.address = position.latitude, position.longitude, position.address
    session.add(org)
