"""Admitting organisations: validated identity, a chain account with its role, a first API key."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass

from pydantic import BaseModel, Field, field_validator
from sqlmodel import Session, col, func, select

from chain import id_hash

from .._paging import decode_cursor, page_of
from ..context import Services
from ..gs1 import GS1Error, validate_gln
from ..problems import Conflict, Unauthorized, Unprocessable
from ._uscc import validate_uscc
from .models import ApiKey, Organisation, OrgType

KEY_PREFIX = "sy"


class OrganisationIn(BaseModel):
    handle: str = Field(
        pattern=r"^[a-z0-9][a-z0-9-]{1,62}$", description="short unique name, e.g. 'haixian-import'"
    )
    name: str = Field(min_length=1, max_length=200)
    org_type: OrgType
    uscc: str = Field(description="unified social credit code (统一社会信用代码), check character verified")
    gln: str | None = None
    jurisdiction: str = Field(min_length=1, max_length=100)

    @field_validator("uscc")
    @classmethod
    def _uscc(cls, value: str) -> str:
        return validate_uscc(value)

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


def org_chain_id(org: Organisation) -> bytes:
    return id_hash(f"uscc:{org.uscc}")


def create_organisation(
    services: Services, session: Session, data: OrganisationIn
) -> tuple[Organisation, str]:
    """Creates the organisation, its chain key with its role, and a first member API key."""
    clash = session.exec(
        select(Organisation).where((Organisation.handle == data.handle) | (Organisation.uscc == data.uscc))
    ).first()
    if clash is not None:
        raise Conflict(f"an organisation with handle {clash.handle!r} or code {clash.uscc} exists already")
    account = services.keystore.load_or_create(data.handle)
    org = Organisation(
        id=uuid.uuid4().hex,
        chain_address=account.address,
        created_at=dt.datetime.now(dt.UTC),
        **data.model_dump(),
    )
    role = data.org_type.chain_role
    if role not in services.chain.roles_of(account.address):
        services.chain.grant_member(services.regulator_key, account.address, role, org_chain_id(org))
    session.add(org)
    session.commit()
    key = issue_api_key(session, org, "first member", "member")
    session.refresh(org)  # the key's commit expired it
    return org, key


def issue_api_key(session: Session, org: Organisation, label: str, kind: str) -> str:
    """A new key ``sy_<id>_<secret>``; only its hash is stored, so it is shown once."""
    key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    session.add(
        ApiKey(
            id=key_id,
            org_id=org.id,
            label=label,
            kind=kind,
            secret_hash=_hash(secret),
            created_at=dt.datetime.now(dt.UTC),
        )
    )
    session.commit()
    return f"{KEY_PREFIX}_{key_id}_{secret}"


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
    return Member(org=org, key_id=key.id, kind=key.kind)


def find_organisations(
    session: Session,
    *,
    name: str | None,
    org_type: OrgType | None,
    uscc: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Organisation], str | None]:
    """Members of the network by handle; ``name`` matches anywhere in the name, any case."""
    query = select(Organisation)
    if name is not None:
        query = query.where(func.lower(col(Organisation.name)).contains(name.lower(), autoescape=True))
    if org_type is not None:
        query = query.where(Organisation.org_type == org_type)
    if uscc is not None:
        try:
            query = query.where(Organisation.uscc == validate_uscc(uscc))
        except ValueError as exc:
            raise Unprocessable.field("uscc", str(exc)) from exc
    if cursor is not None:
        query = query.where(col(Organisation.handle) > decode_cursor(cursor))
    rows = session.exec(query.order_by(col(Organisation.handle)).limit(limit + 1)).all()
    return page_of(rows, limit, lambda org: org.handle)
