"""Chain calls after commit: the outbox of facts owed to the chain, the worker that sends them in
commit order, and where each lot and fact stands on chain."""

from .calls import (
    ON_CHAIN_KINDS,
    Orgs,
    batch_chain_id,
    events_of,
    hash_of,
    mined_event,
    org_target,
    owe_chain,
    owe_membership,
    send_fact,
)
from .lease import ChainBusy, ChainLease
from .models import MEMBERSHIP_OPERATIONS, ChainOp, ChainOperation, ChainStatus, ChainWorkerLease
from .status import (
    chain_statuses,
    lot_chain_status,
    ops_about,
    outbox_state,
    record_chain_status,
    unfinished_lots,
)
from .worker import ChainWorker, note_mined

__all__ = [
    "MEMBERSHIP_OPERATIONS",
    "ON_CHAIN_KINDS",
    "ChainBusy",
    "ChainLease",
    "ChainOp",
    "ChainOperation",
    "ChainStatus",
    "ChainWorker",
    "ChainWorkerLease",
    "Orgs",
    "batch_chain_id",
    "chain_statuses",
    "events_of",
    "hash_of",
    "lot_chain_status",
    "mined_event",
    "note_mined",
    "ops_about",
    "org_target",
    "outbox_state",
    "owe_chain",
    "owe_membership",
    "record_chain_status",
    "send_fact",
    "unfinished_lots",
]
