"""Cold-chain evidence: batch stays, sensor readings, alerts and dead letters, and their summaries."""

from .activity import listed_devices
from .models import ALERT_RULES, Alert, AlertAcknowledgement, AlertState, BatchStay, DeadLetter, SensorReading
from .stays import batches_at, begin_stay, end_stay, held_at, stays_of
from .summary import AlertInfo, ColdChainHop, alerts_during, cold_chain_of

__all__ = [
    "ALERT_RULES",
    "Alert",
    "AlertAcknowledgement",
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
    "listed_devices",
    "stays_of",
]
