// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title IEvidenceAnchor
 * @notice Events and errors of the evidence-ledger checkpoint anchor.
 */
interface IEvidenceAnchor {
    /**
     * @notice A checkpoint of an evidence log was committed.
     * @param logId hash of the log's origin line
     * @param index position of this checkpoint in the log's checkpoint list
     * @param treeSize number of records the checkpoint covers
     * @param rootHash RFC 9162 root hash of the first `treeSize` records
     * @param anchorer the committing account
     */
    event CheckpointCommitted(
        bytes32 indexed logId,
        uint256 indexed index,
        uint64 treeSize,
        bytes32 rootHash,
        address anchorer
    );

    /// @notice `account` lacks ANCHOR_ROLE in the membership registry.
    error EvidenceAnchorMissingRole(address account, bytes32 role);

    /// @notice A log id or root hash argument was zero.
    error EvidenceAnchorZeroValue();

    /// @notice Tree sizes must strictly increase: the latest anchored size of `logId` is `latestSize`.
    error EvidenceAnchorTreeSizeNotIncreasing(bytes32 logId, uint64 latestSize, uint64 treeSize);

    /// @notice No checkpoint of `logId` exists at `key` (an index or a tree size).
    error EvidenceAnchorUnknownCheckpoint(bytes32 logId, uint256 key);
}
