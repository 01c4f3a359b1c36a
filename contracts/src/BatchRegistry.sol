// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IBatchRegistry} from "./IBatchRegistry.sol";
import {IMembership} from "./IMembership.sol";

/**
 * @title BatchRegistry
 * @notice Lot-level facts of the Suyuan network: batch admission hashes, custody, splits
 * (repacking) with lineage, and recalls that cover every descendant of the recalled batch.
 * Item-level scans live in the evidence ledger and reach the chain through checkpoints.
 */
contract BatchRegistry is IBatchRegistry {
    /// @notice Longest lineage (splits of splits) a batch may have; bounds every ancestry walk.
    uint8 public constant MAX_LINEAGE_DEPTH = 16;
    /// @notice Most children one split may create.
    uint256 public constant MAX_SPLIT_CHILDREN = 64;

    bytes32 private constant _REGULATOR_ROLE = keccak256("REGULATOR_ROLE");
    bytes32 private constant _IMPORTER_ROLE = keccak256("IMPORTER_ROLE");
    bytes32 private constant _TRADER_ROLE = keccak256("TRADER_ROLE");

    struct Batch {
        address holder;
        uint8 depth;
        bool recalled;
        bytes32 parent;
        bytes32 admissionHash;
    }

    IMembership private immutable _membership;
    mapping(bytes32 batchId => Batch) private _batches;

    /**
     * @notice Creates the registry over a membership registry.
     * @param membershipRegistry the membership registry that holds roles
     */
    constructor(IMembership membershipRegistry) {
        _membership = membershipRegistry;
    }

    /**
     * @notice Admits a batch at the source; the caller becomes its holder.
     * @param batchId the batch identifier hash
     * @param admissionHash hash of the admission record in the evidence ledger
     *
     * Requirements:
     * - the caller holds IMPORTER_ROLE.
     * - `batchId` and `admissionHash` are not zero; `batchId` is not registered.
     */
    function registerBatch(bytes32 batchId, bytes32 admissionHash) external {
        _requireRole(_IMPORTER_ROLE);
        if (batchId == bytes32(0) || admissionHash == bytes32(0)) revert BatchRegistryZeroValue();
        _create(batchId, bytes32(0), 0, admissionHash);
        emit BatchRegistered(batchId, msg.sender, _membership.organisationOf(msg.sender), admissionHash);
    }

    /**
     * @notice Moves custody of a batch to another member.
     * @param batchId the batch identifier hash
     * @param to the receiving member (importer or trader)
     * @param shipmentHash hash of the shipment event in the evidence ledger
     *
     * Requirements:
     * - the caller holds `batchId`, which is not under recall, and is still an importer or trader.
     * - `to` holds IMPORTER_ROLE or TRADER_ROLE; `shipmentHash` is not zero.
     */
    function transferCustody(bytes32 batchId, address to, bytes32 shipmentHash) external {
        if (shipmentHash == bytes32(0)) revert BatchRegistryZeroValue();
        _requireMovable(batchId);
        if (!_canHold(to)) revert BatchRegistryRecipientNotMember(to);
        _batches[batchId].holder = to;
        emit CustodyTransferred(batchId, msg.sender, to, shipmentHash);
    }

    /**
     * @notice Splits (repacks) a batch into child batches held by the caller.
     * @param parentId the batch to split
     * @param childIds the new batches' identifier hashes
     * @param splitHash hash of the transformation event in the evidence ledger
     *
     * Requirements:
     * - the caller holds `parentId`, which is not under recall, and is still an importer or trader.
     * - 1 to MAX_SPLIT_CHILDREN new, non-zero child ids; `splitHash` is not zero.
     * - the children's lineage depth stays within MAX_LINEAGE_DEPTH.
     */
    function splitBatch(bytes32 parentId, bytes32[] calldata childIds, bytes32 splitHash) external {
        if (splitHash == bytes32(0)) revert BatchRegistryZeroValue();
        if (childIds.length == 0 || childIds.length > MAX_SPLIT_CHILDREN) {
            revert BatchRegistryInvalidSplit(childIds.length, MAX_SPLIT_CHILDREN);
        }
        _requireMovable(parentId);
        uint8 depth = _batches[parentId].depth + 1;
        if (depth > MAX_LINEAGE_DEPTH) revert BatchRegistryLineageTooDeep(parentId, MAX_LINEAGE_DEPTH);
        for (uint256 i = 0; i < childIds.length; ++i) {
            if (childIds[i] == bytes32(0)) revert BatchRegistryZeroValue();
            _create(childIds[i], parentId, depth, _batches[parentId].admissionHash);
            emit BatchSplit(parentId, childIds[i], msg.sender, splitHash);
        }
    }

    /**
     * @notice Recalls a batch and, through lineage, every batch split from it.
     * @param batchId the batch to recall
     * @param reasonHash hash of the recall record in the evidence ledger
     *
     * Requirements:
     * - the caller holds REGULATOR_ROLE.
     * - `batchId` is registered and has no recall of its own; `reasonHash` is not zero.
     */
    function issueRecall(bytes32 batchId, bytes32 reasonHash) external {
        _requireRole(_REGULATOR_ROLE);
        if (reasonHash == bytes32(0)) revert BatchRegistryZeroValue();
        Batch storage batch = _existing(batchId);
        if (batch.recalled) revert BatchRegistryAlreadyRecalled(batchId);
        batch.recalled = true;
        emit RecallIssued(batchId, msg.sender, reasonHash);
    }

    /**
     * @notice Lifts a batch's own recall. Recalls of its ancestors still apply.
     * @param batchId the batch whose recall is lifted
     * @param reasonHash hash of the record that justifies lifting it
     *
     * Requirements:
     * - the caller holds REGULATOR_ROLE.
     * - `batchId` has a recall of its own; `reasonHash` is not zero.
     */
    function liftRecall(bytes32 batchId, bytes32 reasonHash) external {
        _requireRole(_REGULATOR_ROLE);
        if (reasonHash == bytes32(0)) revert BatchRegistryZeroValue();
        Batch storage batch = _existing(batchId);
        if (!batch.recalled) revert BatchRegistryNotRecalled(batchId);
        batch.recalled = false;
        emit RecallLifted(batchId, msg.sender, reasonHash);
    }

    /**
     * @notice Whether a batch is under recall, by its own recall or an ancestor's.
     * @param batchId the batch identifier hash
     *
     * Requirements:
     * - `batchId` is registered.
     */
    function isRecalled(bytes32 batchId) external view returns (bool) {
        _existing(batchId);
        return _recallOrigin(batchId) != bytes32(0);
    }

    /**
     * @notice The batch whose recall covers `batchId` (itself or its nearest recalled ancestor), or zero.
     * @param batchId the batch identifier hash
     *
     * Requirements:
     * - `batchId` is registered.
     */
    function recallOrigin(bytes32 batchId) external view returns (bytes32) {
        _existing(batchId);
        return _recallOrigin(batchId);
    }

    /**
     * @notice A registered batch's record.
     * @param batchId the batch identifier hash
     * @return holder current holder
     * @return parent parent batch, zero for an admitted batch
     * @return depth lineage depth, zero for an admitted batch
     * @return admissionHash the admission record hash (inherited by children)
     * @return recalled whether the batch has a recall of its own
     *
     * Requirements:
     * - `batchId` is registered.
     */
    function batchOf(
        bytes32 batchId
    ) external view returns (address holder, bytes32 parent, uint8 depth, bytes32 admissionHash, bool recalled) {
        Batch storage batch = _existing(batchId);
        return (batch.holder, batch.parent, batch.depth, batch.admissionHash, batch.recalled);
    }

    /// @notice The membership registry this registry consults.
    function membership() external view returns (IMembership) {
        return _membership;
    }

    /// @dev The one write path for new batches; the caller becomes holder.
    function _create(bytes32 batchId, bytes32 parent, uint8 depth, bytes32 admissionHash) private {
        if (_batches[batchId].holder != address(0)) revert BatchRegistryBatchExists(batchId);
        _batches[batchId] = Batch(msg.sender, depth, false, parent, admissionHash);
    }

    function _requireRole(bytes32 role) private view {
        if (!_membership.hasRole(role, msg.sender)) revert BatchRegistryMissingRole(msg.sender, role);
    }

    function _canHold(address account) private view returns (bool) {
        return _membership.hasRole(_TRADER_ROLE, account) || _membership.hasRole(_IMPORTER_ROLE, account);
    }

    function _requireMovable(bytes32 batchId) private view {
        Batch storage batch = _existing(batchId);
        if (batch.holder != msg.sender) revert BatchRegistryNotHolder(batchId, msg.sender, batch.holder);
        if (!_canHold(msg.sender)) revert BatchRegistryMissingRole(msg.sender, _TRADER_ROLE);
        bytes32 origin = _recallOrigin(batchId);
        if (origin != bytes32(0)) revert BatchRegistryBatchRecalled(batchId, origin);
    }

    function _existing(bytes32 batchId) private view returns (Batch storage batch) {
        batch = _batches[batchId];
        if (batch.holder == address(0)) revert BatchRegistryUnknownBatch(batchId);
    }

    /// @dev Walks at most MAX_LINEAGE_DEPTH parents: depth is bounded when a child is created.
    function _recallOrigin(bytes32 batchId) private view returns (bytes32) {
        bytes32 current = batchId;
        while (current != bytes32(0)) {
            Batch storage batch = _batches[current];
            if (batch.recalled) return current;
            current = batch.parent;
        }
        return bytes32(0);
    }
}
