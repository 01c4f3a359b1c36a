"""The supervision domains that take device readings of their own kinds, by kind.

Each entry is a :class:`trace_api.devices.ReadingDomain` of the domain's package: its ``check``
runs on each reading before anything is written (a :class:`trace_api.devices.ReadingRefused`
dead-letters the message), its ``take`` on the readings recorded, in their transaction.
"""

from __future__ import annotations

from trace_api.devices import ReadingDomain
from trace_api.equipment import EQUIPMENT_EVENTS
from trace_api.markets.readings import RAPID_TESTS, WEIGHINGS

#: Reading kind -> the domain that takes it. Cold-chain kinds are ingest's own (``ingest.rules``).
DOMAINS: dict[str, ReadingDomain] = {
    "rapid_test": RAPID_TESTS,
    "weight": WEIGHINGS,
    "equipment_event": EQUIPMENT_EVENTS,
}
