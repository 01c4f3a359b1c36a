"""Cold-chain evidence: batch stays, sensor readings, alerts and dead letters, and their summaries."""

from .models import Alert, AlertState, BatchStay, DeadLetter, SensorReading
from .stays import batches_at, begin_stay, end_stay, held_at, stays_of
from .summary import AlertInfo, ColdChainHop, alerts_during, cold_chain_of

__all__ = [
    "Alert",
    "AlertInfo",
    "AlertState",
    "BatchStay",
    "ColdChainHop",
    "DeadLetter",
    "SensorReading",
    "alerts_during",
    "batches_at",
    "begin_stay",
    "cold_chain_of",
    "end_stay",
    "held_at",
    "stays_of",
]
