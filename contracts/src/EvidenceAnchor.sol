// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IEvidenceAnchor} from "./IEvidenceAnchor.sol";
import {IMembership} from "./IMembership.sol";

/**
 * @title EvidenceAnchor
 * @notice Write-once, monotonic checkpoint roots of RFC 9162 evidence logs. One transaction
 * anchors a whole checkpoint, so each record reaches the chain at a small share of its cost.
 */
contract EvidenceAnchor is IEvidenceAnchor {
    bytes32 private constant _ANCHOR_ROLE = keccak256("ANCHOR_ROLE");

    struct Checkpoint {
        uint64 treeSize;
        uint64 blockNumber;
        uint64 timestamp;
        bytes32 rootHash;
    }

    IMembership private immutable _membership;
    mapping(bytes32 logId => Checkpoint[]) private _checkpoints;
    mapping(bytes32 logId => mapping(uint64 treeSize => uint256 indexPlusOne)) private _bySize;

    /**
     * @notice Creates the anchor over a membership registry.
     * @param membershipRegistry the membership registry that holds roles
     */
    constructor(IMembership membershipRegistry) {
        _membership = membershipRegistry;
    }

    /**
     * @notice Commits a checkpoint of log `logId`.
     * @param logId hash of the log's origin line
     * @param treeSize number of records the checkpoint covers
     * @param rootHash RFC 9162 root hash of those records
     *
     * Requirements:
     * - the caller holds ANCHOR_ROLE.
     * - `logId` and `rootHash` are not zero.
     * - `treeSize` is greater than the log's latest anchored tree size.
     */
    function commitCheckpoint(bytes32 logId, uint64 treeSize, bytes32 rootHash) external {
        if (!_membership.hasRole(_ANCHOR_ROLE, msg.sender)) revert EvidenceAnchorMissingRole(msg.sender, _ANCHOR_ROLE);
        if (logId == bytes32(0) || rootHash == bytes32(0)) revert EvidenceAnchorZeroValue();
        Checkpoint[] storage list = _checkpoints[logId];
        uint64 latest = list.length == 0 ? 0 : list[list.length - 1].treeSize;
        if (treeSize <= latest) revert EvidenceAnchorTreeSizeNotIncreasing(logId, latest, treeSize);
        list.push(Checkpoint(treeSize, uint64(block.number), uint64(block.timestamp), rootHash));
        _bySize[logId][treeSize] = list.length;
        emit CheckpointCommitted(logId, list.length - 1, treeSize, rootHash, msg.sender);
    }

    /// @notice Number of checkpoints committed for `logId`.
    function checkpointCount(bytes32 logId) external view returns (uint256) {
        return _checkpoints[logId].length;
    }

    /**
     * @notice The latest checkpoint of `logId`.
     * @return index its position, treeSize, rootHash, blockNumber and timestamp of its commit
     *
     * Requirements:
     * - at least one checkpoint of `logId` exists.
     */
    function latestCheckpoint(
        bytes32 logId
    ) external view returns (uint256 index, uint64 treeSize, bytes32 rootHash, uint64 blockNumber, uint64 timestamp) {
        uint256 count = _checkpoints[logId].length;
        if (count == 0) revert EvidenceAnchorUnknownCheckpoint(logId, 0);
        return _describe(logId, count - 1);
    }

    /**
     * @notice The checkpoint of `logId` at position `index`.
     *
     * Requirements:
     * - `index` is below {checkpointCount}.
     */
    function checkpointAt(
        bytes32 logId,
        uint256 index
    ) external view returns (uint256, uint64 treeSize, bytes32 rootHash, uint64 blockNumber, uint64 timestamp) {
        if (index >= _checkpoints[logId].length) revert EvidenceAnchorUnknownCheckpoint(logId, index);
        return _describe(logId, index);
    }

    /**
     * @notice The checkpoint of `logId` that covers exactly `treeSize` records.
     *
     * Requirements:
     * - such a checkpoint was committed.
     */
    function checkpointForSize(
        bytes32 logId,
        uint64 treeSize
    ) external view returns (uint256 index, uint64, bytes32 rootHash, uint64 blockNumber, uint64 timestamp) {
        uint256 indexPlusOne = _bySize[logId][treeSize];
        if (indexPlusOne == 0) revert EvidenceAnchorUnknownCheckpoint(logId, treeSize);
        return _describe(logId, indexPlusOne - 1);
    }

    /// @notice The membership registry this anchor consults.
    function membership() external view returns (IMembership) {
        return _membership;
    }

    function _describe(
        bytes32 logId,
        uint256 index
    ) private view returns (uint256, uint64, bytes32, uint64, uint64) {
        Checkpoint storage cp = _checkpoints[logId][index];
        return (index, cp.treeSize, cp.rootHash, cp.blockNumber, cp.timestamp);
    }
}
