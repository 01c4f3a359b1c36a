// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title IMembership
 * @notice Events, errors and read surface of the Suyuan membership registry.
 */
interface IMembership {
    /**
     * @notice An account was admitted to `role` on behalf of organisation `orgId`.
     * @param account the member's signing account
     * @param role the role granted
     * @param orgId hash of the organisation's identifier
     * @param regulator the regulator that granted the role
     */
    event MemberGranted(address indexed account, bytes32 indexed role, bytes32 indexed orgId, address regulator);

    /**
     * @notice An account lost `role`.
     * @param account the former member's signing account
     * @param role the role revoked
     * @param orgId the organisation the account stays bound to
     * @param regulator the regulator that revoked the role
     */
    event MemberRevoked(address indexed account, bytes32 indexed role, bytes32 indexed orgId, address regulator);

    /// @notice `role` is not one of the membership roles.
    error MembershipUnknownRole(bytes32 role);

    /// @notice The organisation id must not be zero.
    error MembershipInvalidOrganisation(bytes32 orgId);

    /// @notice The account is already bound to organisation `boundOrgId`.
    error MembershipOrganisationMismatch(address account, bytes32 boundOrgId, bytes32 requestedOrgId);

    /// @notice The account does not hold `role`.
    error MembershipNotMember(address account, bytes32 role);

    /// @notice The account holds `role` already.
    error MembershipAlreadyMember(address account, bytes32 role);

    /// @notice The last regulator cannot give up the role: membership would have no administrator.
    error MembershipLastRegulator(address account);

    /// @notice Roles change only through {grantMember} and {revokeMember}.
    error MembershipDirectRoleChange();

    /// @notice Organisation id hash the account is bound to, or zero.
    function organisationOf(address account) external view returns (bytes32);

    /// @notice Whether `account` holds `role`.
    function hasRole(bytes32 role, address account) external view returns (bool);
}
