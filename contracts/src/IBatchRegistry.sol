// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title IBatchRegistry
 * @notice Events and errors of the Suyuan batch registry: admission, custody, splits, recalls.
 */
interface IBatchRegistry {
    /**
     * @notice An importer admitted a batch at the source.
     * @param batchId the batch identifier hash
     * @param importer the importer's account, the first holder
     * @param orgId the importer's organisation id hash
     * @param admissionHash hash of the admission record in the evidence ledger
     */
    event BatchRegistered(bytes32 indexed batchId, address indexed importer, bytes32 indexed orgId, bytes32 admissionHash);

    /**
     * @notice Custody of a batch moved from one member to another.
     * @param batchId the batch identifier hash
     * @param from the previous holder
     * @param to the new holder
     * @param shipmentHash hash of the shipment event in the evidence ledger
     */
    event CustodyTransferred(bytes32 indexed batchId, address indexed from, address indexed to, bytes32 shipmentHash);

    /**
     * @notice A holder split (repacked) a batch; one event per child.
     * @param parentId the batch that was split
     * @param childId the new child batch
     * @param holder the holder of parent and child
     * @param splitHash hash of the transformation event in the evidence ledger
     */
    event BatchSplit(bytes32 indexed parentId, bytes32 indexed childId, address indexed holder, bytes32 splitHash);

    /**
     * @notice A regulator recalled a batch and, with it, every descendant.
     * @param batchId the recalled batch
     * @param regulator the regulator's account
     * @param reasonHash hash of the recall record in the evidence ledger
     */
    event RecallIssued(bytes32 indexed batchId, address indexed regulator, bytes32 reasonHash);

    /**
     * @notice A regulator lifted a recall.
     * @param batchId the batch whose recall was lifted
     * @param regulator the regulator's account
     * @param reasonHash hash of the record that justifies lifting it
     */
    event RecallLifted(bytes32 indexed batchId, address indexed regulator, bytes32 reasonHash);

    /// @notice `account` lacks `role` in the membership registry.
    error BatchRegistryMissingRole(address account, bytes32 role);

    /// @notice An identifier or hash argument was zero.
    error BatchRegistryZeroValue();

    /// @notice No batch `batchId` is registered.
    error BatchRegistryUnknownBatch(bytes32 batchId);

    /// @notice A batch `batchId` is registered already.
    error BatchRegistryBatchExists(bytes32 batchId);

    /// @notice `account` does not hold batch `batchId`; `holder` does.
    error BatchRegistryNotHolder(bytes32 batchId, address account, address holder);

    /// @notice `account` is not an importer or trader and cannot take custody.
    error BatchRegistryRecipientNotMember(address account);

    /// @notice Batch `batchId` is under recall through `recalledAncestor` (itself or an ancestor).
    error BatchRegistryBatchRecalled(bytes32 batchId, bytes32 recalledAncestor);

    /// @notice Batch `batchId` has no recall of its own to lift.
    error BatchRegistryNotRecalled(bytes32 batchId);

    /// @notice Batch `batchId` is recalled already.
    error BatchRegistryAlreadyRecalled(bytes32 batchId);

    /// @notice A split must create between one and `max` children; `count` were given.
    error BatchRegistryInvalidSplit(uint256 count, uint256 max);

    /// @notice Splitting `batchId` would exceed the lineage depth limit `maxDepth`.
    error BatchRegistryLineageTooDeep(bytes32 batchId, uint256 maxDepth);
}
