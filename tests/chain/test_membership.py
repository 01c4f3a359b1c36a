"""Membership on a real anvil node: granting and revoking roles, organisation binding, access control."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account

from chain import AccessDenied, Role, TxResult, id_hash
from tests.chain._contracts import emitted_by, member, reverts
from tests.conftest import Network

ZERO32 = b"\x00" * 32
NEW_ORG = id_hash("org:newcomer")
NON_REGULATORS = ["importer", "trader_a", "trader_b", "anchorer", "outsider"]


def emitted(result: TxResult) -> list[tuple[str, dict[str, Any]]]:
    return emitted_by("Membership", result)


# -- deployment ------------------------------------------------------------------------------


def test_deployment_admits_first_regulator_to_its_organisation(network: Network) -> None:
    client, regulator = network.client, network.regulator
    block = client.deployment.block_number
    events = [e for e in client.events("Membership", from_block=block) if e.block_number == block]

    assert [(e.name, e.args) for e in events] == [
        (
            "RoleAdminChanged",
            {"role": role.id, "previousAdminRole": ZERO32, "newAdminRole": Role.REGULATOR.id},
        )
        for role in Role
    ] + [
        (
            "RoleGranted",
            {"role": Role.REGULATOR.id, "account": regulator.address, "sender": regulator.address},
        ),
        (
            "MemberGranted",
            {
                "account": regulator.address,
                "role": Role.REGULATOR.id,
                "orgId": Network.REGULATOR_ORG,
                "regulator": regulator.address,
            },
        ),
    ]
    assert client.roles_of(regulator.address) == [Role.REGULATOR]
    assert client.organisation_of(regulator.address) == Network.REGULATOR_ORG


# -- grantMember -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_grant_member_binds_organisation_and_emits_role_and_member_granted(
    network: Network, role: Role
) -> None:
    client, regulator, newcomer = network.client, network.regulator, network.outsider

    result = client.grant_member(regulator, newcomer.address, role, NEW_ORG)

    assert emitted(result) == [
        ("RoleGranted", {"role": role.id, "account": newcomer.address, "sender": regulator.address}),
        (
            "MemberGranted",
            {"account": newcomer.address, "role": role.id, "orgId": NEW_ORG, "regulator": regulator.address},
        ),
    ]
    assert client.roles_of(newcomer.address) == [role]
    assert client.organisation_of(newcomer.address) == NEW_ORG


def test_grant_member_by_second_regulator_names_that_regulator(network: Network) -> None:
    client = network.client
    client.grant_member(network.regulator, network.outsider.address, Role.REGULATOR, Network.REGULATOR_ORG)
    second = network.outsider

    result = client.grant_member(second, network.trader_a.address, Role.IMPORTER, Network.TRADER_A_ORG)

    assert emitted(result) == [
        (
            "RoleGranted",
            {"role": Role.IMPORTER.id, "account": network.trader_a.address, "sender": second.address},
        ),
        (
            "MemberGranted",
            {
                "account": network.trader_a.address,
                "role": Role.IMPORTER.id,
                "orgId": Network.TRADER_A_ORG,
                "regulator": second.address,
            },
        ),
    ]


def test_grant_member_adds_second_role_in_the_bound_organisation(network: Network) -> None:
    client, trader = network.client, network.trader_a

    client.grant_member(network.regulator, trader.address, Role.IMPORTER, Network.TRADER_A_ORG)

    assert client.roles_of(trader.address) == [Role.IMPORTER, Role.TRADER]
    assert client.organisation_of(trader.address) == Network.TRADER_A_ORG


def test_grant_member_rejected_when_account_holds_role_already(network: Network) -> None:
    client, regulator, trader = network.client, network.regulator, network.trader_a

    with reverts("MembershipAlreadyMember", account=trader.address, role=Role.TRADER.id):
        client.grant_member(regulator, trader.address, Role.TRADER, Network.TRADER_A_ORG)


@pytest.mark.parametrize("caller", NON_REGULATORS)
def test_grant_member_rejected_when_caller_is_not_regulator(network: Network, caller: str) -> None:
    client, sender = network.client, member(network, caller)

    with pytest.raises(AccessDenied) as caught:
        client.grant_member(sender, network.outsider.address, Role.TRADER, NEW_ORG)

    assert caught.value.error_name == "AccessControlUnauthorizedAccount"
    assert caught.value.error_args == {"account": sender.address, "neededRole": Role.REGULATOR.id}
    assert client.roles_of(network.outsider.address) == []
    assert client.organisation_of(network.outsider.address) is None


@pytest.mark.parametrize(
    "role_id",
    [ZERO32, id_hash("DEFAULT_ADMIN_ROLE"), id_hash("OWNER_ROLE")],
    ids=["default-admin", "default-admin-name", "owner"],
)
def test_grant_member_rejected_when_role_is_unknown(network: Network, role_id: bytes) -> None:
    client = network.client
    fn = client.contracts["Membership"].functions.grantMember(network.outsider.address, role_id, NEW_ORG)

    with reverts("MembershipUnknownRole", role=role_id):
        client.transact(network.regulator, fn)

    assert client.organisation_of(network.outsider.address) is None


def test_grant_member_rejected_when_organisation_is_zero(network: Network) -> None:
    client = network.client

    with reverts("MembershipInvalidOrganisation", orgId=ZERO32):
        client.grant_member(network.regulator, network.outsider.address, Role.TRADER, ZERO32)

    assert client.roles_of(network.outsider.address) == []


@pytest.mark.parametrize(
    ("account", "bound_org"),
    [
        ("trader_a", Network.TRADER_A_ORG),
        ("importer", Network.IMPORTER_ORG),
        ("regulator", Network.REGULATOR_ORG),
    ],
)
def test_grant_member_rejected_when_account_is_bound_to_another_organisation(
    network: Network, account: str, bound_org: bytes
) -> None:
    client, target = network.client, member(network, account).address
    roles_before = client.roles_of(target)

    with reverts(
        "MembershipOrganisationMismatch", account=target, boundOrgId=bound_org, requestedOrgId=NEW_ORG
    ):
        client.grant_member(network.regulator, target, Role.ANCHOR, NEW_ORG)

    assert client.roles_of(target) == roles_before
    assert client.organisation_of(target) == bound_org


# -- revokeMember ----------------------------------------------------------------------------


def test_revoke_member_emits_role_and_member_revoked_and_keeps_organisation(network: Network) -> None:
    client, regulator, trader = network.client, network.regulator, network.trader_a

    result = client.revoke_member(regulator, trader.address, Role.TRADER)

    assert emitted(result) == [
        ("RoleRevoked", {"role": Role.TRADER.id, "account": trader.address, "sender": regulator.address}),
        (
            "MemberRevoked",
            {
                "account": trader.address,
                "role": Role.TRADER.id,
                "orgId": Network.TRADER_A_ORG,
                "regulator": regulator.address,
            },
        ),
    ]
    assert client.roles_of(trader.address) == []
    assert client.organisation_of(trader.address) == Network.TRADER_A_ORG


def test_revoke_member_leaves_other_roles_of_the_account(network: Network) -> None:
    client, trader = network.client, network.trader_a
    client.grant_member(network.regulator, trader.address, Role.IMPORTER, Network.TRADER_A_ORG)

    client.revoke_member(network.regulator, trader.address, Role.TRADER)

    assert client.roles_of(trader.address) == [Role.IMPORTER]


def test_revoked_member_can_be_granted_again_only_in_its_organisation(network: Network) -> None:
    client, regulator, trader = network.client, network.regulator, network.trader_a
    client.revoke_member(regulator, trader.address, Role.TRADER)

    with reverts(
        "MembershipOrganisationMismatch",
        account=trader.address,
        boundOrgId=Network.TRADER_A_ORG,
        requestedOrgId=NEW_ORG,
    ):
        client.grant_member(regulator, trader.address, Role.TRADER, NEW_ORG)
    client.grant_member(regulator, trader.address, Role.TRADER, Network.TRADER_A_ORG)

    assert client.roles_of(trader.address) == [Role.TRADER]


@pytest.mark.parametrize("caller", NON_REGULATORS)
def test_revoke_member_rejected_when_caller_is_not_regulator(network: Network, caller: str) -> None:
    client, sender = network.client, member(network, caller)

    with reverts("AccessControlUnauthorizedAccount", account=sender.address, neededRole=Role.REGULATOR.id):
        client.revoke_member(sender, network.trader_b.address, Role.TRADER)

    assert client.has_role(network.trader_b.address, Role.TRADER)


@pytest.mark.parametrize(
    ("account", "role"),
    [("outsider", Role.TRADER), ("trader_a", Role.IMPORTER), ("importer", Role.REGULATOR)],
    ids=["outsider", "member-without-that-role", "importer-as-regulator"],
)
def test_revoke_member_rejected_when_account_does_not_hold_role(
    network: Network, account: str, role: Role
) -> None:
    target = member(network, account).address

    with reverts("MembershipNotMember", account=target, role=role.id):
        network.client.revoke_member(network.regulator, target, role)


def test_revoke_member_rejected_when_role_was_revoked_already(network: Network) -> None:
    client, trader = network.client, network.trader_a
    client.revoke_member(network.regulator, trader.address, Role.TRADER)

    with reverts("MembershipNotMember", account=trader.address, role=Role.TRADER.id):
        client.revoke_member(network.regulator, trader.address, Role.TRADER)


def test_revoked_regulator_can_no_longer_grant(network: Network) -> None:
    client = network.client
    client.grant_member(network.regulator, network.outsider.address, Role.REGULATOR, Network.REGULATOR_ORG)
    client.revoke_member(network.outsider, network.regulator.address, Role.REGULATOR)

    with reverts(
        "AccessControlUnauthorizedAccount", account=network.regulator.address, neededRole=Role.REGULATOR.id
    ):
        client.grant_member(network.regulator, network.trader_a.address, Role.IMPORTER, Network.TRADER_A_ORG)


# -- direct AccessControl role changes -------------------------------------------------------


@pytest.mark.parametrize("caller", ["regulator", "outsider"])
@pytest.mark.parametrize("function", ["grantRole", "revokeRole"])
def test_direct_role_change_rejected_for_every_caller(network: Network, function: str, caller: str) -> None:
    client, target = network.client, network.trader_a.address
    fn = client.contracts["Membership"].functions[function](Role.TRADER.id, target)

    with reverts("MembershipDirectRoleChange"):
        client.transact(member(network, caller), fn)

    assert client.roles_of(target) == [Role.TRADER]


def test_renounce_role_rejected_as_direct_role_change(network: Network) -> None:
    client, trader = network.client, network.trader_a
    fn = client.contracts["Membership"].functions.renounceRole(Role.TRADER.id, trader.address)

    with reverts("MembershipDirectRoleChange"):
        client.transact(trader, fn)


# -- reads -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("account", "org_id"),
    [
        ("regulator", Network.REGULATOR_ORG),
        ("importer", Network.IMPORTER_ORG),
        ("trader_a", Network.TRADER_A_ORG),
        ("trader_b", Network.TRADER_B_ORG),
        ("anchorer", Network.REGULATOR_ORG),
        ("outsider", None),
    ],
)
def test_organisation_of_returns_bound_organisation_or_none(
    network: Network, account: str, org_id: bytes | None
) -> None:
    assert network.client.organisation_of(member(network, account).address) == org_id


@pytest.mark.parametrize(
    ("account", "roles"),
    [
        ("regulator", [Role.REGULATOR]),
        ("importer", [Role.IMPORTER]),
        ("trader_a", [Role.TRADER]),
        ("anchorer", [Role.ANCHOR]),
        ("outsider", []),
    ],
)
def test_has_role_true_only_for_granted_roles(network: Network, account: str, roles: list[Role]) -> None:
    address = member(network, account).address

    assert {role: network.client.has_role(address, role) for role in Role} == {
        role: role in roles for role in Role
    }


def test_last_regulator_cannot_revoke_itself(network: Network) -> None:
    client, regulator = network.client, network.regulator

    with reverts("MembershipLastRegulator", account=regulator.address):
        client.revoke_member(regulator, regulator.address, Role.REGULATOR)
    assert client.has_role(regulator.address, Role.REGULATOR)


def test_regulator_can_be_revoked_while_another_remains(network: Network) -> None:
    client, regulator = network.client, network.regulator
    second = Account.create()
    client.grant_member(regulator, second.address, Role.REGULATOR, Network.REGULATOR_ORG)

    client.revoke_member(second, regulator.address, Role.REGULATOR)

    assert not client.has_role(regulator.address, Role.REGULATOR)
    with reverts("MembershipLastRegulator", account=second.address):
        client.revoke_member(second, second.address, Role.REGULATOR)
