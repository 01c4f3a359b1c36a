"""Device data into the evidence ledger: the MQTT cold-chain ingest, its alert rules and tools."""

from ._local_broker import LocalBroker
from ._process import READING_KIND, Ingestor, IngestResult, Message, Notice, Outcome
from ._settings import IngestSettings
from .readings import SCHEMAS, Reading, ReadingError, parse_reading, parse_topic, sensor_event
from .rules import AlertRules, RulesError, TemperatureRule, load_rules
from .worker import BrokerAddress, IngestError, IngestWorker, WorkerOptions, WorkerStats

__all__ = [
    "READING_KIND",
    "SCHEMAS",
    "AlertRules",
    "BrokerAddress",
    "IngestError",
    "IngestResult",
    "IngestSettings",
    "IngestWorker",
    "Ingestor",
    "LocalBroker",
    "Message",
    "Notice",
    "Outcome",
    "Reading",
    "ReadingError",
    "RulesError",
    "TemperatureRule",
    "WorkerOptions",
    "WorkerStats",
    "load_rules",
    "parse_reading",
    "parse_topic",
    "sensor_event",
]
