"""``/v1/organisations``: regulators admit organisations; members see their own and add keys."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from ..auth import CurrentMember, Regulator
from ..context import Services, WriteSession, get_services
from .models import Organisation
from .service import OrganisationIn, create_organisation, issue_api_key

router = APIRouter(prefix="/v1/organisations", tags=["organisations"])


def public_org(org: Organisation) -> dict[str, Any]:
    return org.model_dump(mode="json")


@router.post("", status_code=201)
def admit_organisation(
    data: OrganisationIn,
    _: Regulator,
    services: Annotated[Services, Depends(get_services)],
    session: WriteSession,
) -> dict[str, Any]:
    """Admit an organisation (regulators only). The API key in the answer is shown once."""
    org, api_key = create_organisation(services, session, data)
    return {"organisation": public_org(org), "api_key": api_key}


@router.get("/me")
def my_organisation(member: CurrentMember) -> dict[str, Any]:
    return public_org(member.org)


@router.post("/me/keys", status_code=201)
def add_key(
    member: CurrentMember,
    session: WriteSession,
    label: str = "member",
    kind: str = "member",
) -> dict[str, str]:
    """Issue another API key for this organisation (a member or a device). Shown once."""
    return {
        "api_key": issue_api_key(session, member.org, label[:100], "device" if kind == "device" else "member")
    }
