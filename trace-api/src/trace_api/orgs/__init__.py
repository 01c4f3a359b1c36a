"""Organisations of the network, their members' API keys, and their chain membership."""

from ._uscc import uscc_check_character, validate_uscc, with_check_character
from .models import ApiKey, Organisation, OrgType
from .service import (
    Member,
    OrganisationIn,
    admission_record_id,
    admit_organisation,
    authenticate,
    create_organisation,
    issue_api_key,
    org_chain_id,
    position_of,
    position_organisation,
)

__all__ = [
    "ApiKey",
    "Member",
    "OrgType",
    "Organisation",
    "OrganisationIn",
    "admission_record_id",
    "admit_organisation",
    "authenticate",
    "create_organisation",
    "issue_api_key",
    "org_chain_id",
    "position_of",
    "position_organisation",
    "uscc_check_character",
    "validate_uscc",
    "with_check_character",
]
