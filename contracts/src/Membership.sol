// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IMembership} from "./IMembership.sol";

/**
 * @title Membership
 * @notice Members of a Suyuan network and their roles. Each member account is bound to one
 * organisation (by the hash of its identifier) the first time it is granted a role; regulators
 * administer every role.
 */
contract Membership is AccessControl, IMembership {
    /// @notice Market regulators: administer membership, issue and lift recalls.
    bytes32 public constant REGULATOR_ROLE = keccak256("REGULATOR_ROLE");
    /// @notice Importers: admit batches at the source.
    bytes32 public constant IMPORTER_ROLE = keccak256("IMPORTER_ROLE");
    /// @notice Wholesalers, retailers and restaurants: receive, ship and split batches.
    bytes32 public constant TRADER_ROLE = keccak256("TRADER_ROLE");
    /// @notice Operators of the evidence ledger: commit checkpoint roots.
    bytes32 public constant ANCHOR_ROLE = keccak256("ANCHOR_ROLE");

    mapping(address account => bytes32 orgId) private _organisations;
    uint256 private _regulatorCount;

    /**
     * @notice Creates the registry with its first regulator.
     * @param regulator the first regulator account
     * @param regulatorOrgId hash of the regulator's organisation identifier
     *
     * Requirements:
     * - `regulatorOrgId` is not zero.
     */
    constructor(address regulator, bytes32 regulatorOrgId) {
        _setRoleAdmin(REGULATOR_ROLE, REGULATOR_ROLE);
        _setRoleAdmin(IMPORTER_ROLE, REGULATOR_ROLE);
        _setRoleAdmin(TRADER_ROLE, REGULATOR_ROLE);
        _setRoleAdmin(ANCHOR_ROLE, REGULATOR_ROLE);
        _admit(regulator, REGULATOR_ROLE, regulatorOrgId, regulator);
    }

    /**
     * @notice Grants `role` to `account`, binding the account to organisation `orgId`.
     * @param account the member's signing account
     * @param role one of the four membership roles
     * @param orgId hash of the organisation's identifier
     *
     * Requirements:
     * - the caller holds REGULATOR_ROLE.
     * - `role` is a membership role and `orgId` is not zero.
     * - `account` is unbound or already bound to `orgId`, and does not hold `role` yet.
     */
    function grantMember(address account, bytes32 role, bytes32 orgId) external onlyRole(REGULATOR_ROLE) {
        _admit(account, role, orgId, _msgSender());
    }

    /**
     * @notice Revokes `role` from `account`; the account stays bound to its organisation.
     * @param account the member's signing account
     * @param role the role to revoke
     *
     * Requirements:
     * - the caller holds REGULATOR_ROLE.
     * - `account` holds `role`.
     * - revoking REGULATOR_ROLE leaves at least one regulator.
     */
    function revokeMember(address account, bytes32 role) external onlyRole(REGULATOR_ROLE) {
        if (!hasRole(role, account)) revert MembershipNotMember(account, role);
        if (role == REGULATOR_ROLE) {
            if (_regulatorCount == 1) revert MembershipLastRegulator(account);
            --_regulatorCount;
        }
        _revokeRole(role, account);
        emit MemberRevoked(account, role, _organisations[account], _msgSender());
    }

    /// @inheritdoc IMembership
    function organisationOf(address account) external view returns (bytes32) {
        return _organisations[account];
    }

    /// @inheritdoc IMembership
    function hasRole(
        bytes32 role,
        address account
    ) public view override(AccessControl, IMembership) returns (bool) {
        return super.hasRole(role, account);
    }

    /**
     * @notice Disabled: roles change only through {grantMember}, which binds an organisation.
     *
     * Requirements:
     * - never callable; always reverts with {MembershipDirectRoleChange}.
     */
    function grantRole(bytes32, address) public pure override {
        revert MembershipDirectRoleChange();
    }

    /**
     * @notice Disabled: roles change only through {revokeMember}, which records the organisation.
     *
     * Requirements:
     * - never callable; always reverts with {MembershipDirectRoleChange}.
     */
    function revokeRole(bytes32, address) public pure override {
        revert MembershipDirectRoleChange();
    }

    /**
     * @notice Disabled: roles change only through {revokeMember}, which records the organisation.
     *
     * Requirements:
     * - never callable; always reverts with {MembershipDirectRoleChange}.
     */
    function renounceRole(bytes32, address) public pure override {
        revert MembershipDirectRoleChange();
    }

    /// @dev The one write path for granting: validates, binds the organisation, grants, emits.
    function _admit(address account, bytes32 role, bytes32 orgId, address regulator) private {
        if (role != REGULATOR_ROLE && role != IMPORTER_ROLE && role != TRADER_ROLE && role != ANCHOR_ROLE) {
            revert MembershipUnknownRole(role);
        }
        if (orgId == bytes32(0)) revert MembershipInvalidOrganisation(orgId);
        bytes32 bound = _organisations[account];
        if (bound != bytes32(0) && bound != orgId) revert MembershipOrganisationMismatch(account, bound, orgId);
        if (hasRole(role, account)) revert MembershipAlreadyMember(account, role);
        _organisations[account] = orgId;
        if (role == REGULATOR_ROLE) ++_regulatorCount;
        _grantRole(role, account);
        emit MemberGranted(account, role, orgId, regulator);
    }
}
