"""The console's words for codes the trace API answers with, where more than one page shows them
(a page's own codes stay in its module). Message ids, translated where they are shown."""

from __future__ import annotations

from .i18n import N_

#: The rules a cold-chain alert is opened by (the API's ``rule``).
ALERT_RULES = {
    "temperature": N_("Temperature excursion"),
    "door_open": N_("Door left open"),
    "silent": N_("Device silent"),
}
#: How goods must be kept (an admission's ``storage_class``, a device's).
STORAGE_CLASSES = {"frozen": N_("Frozen"), "chilled": N_("Chilled"), "ambient": N_("Ambient")}
#: How an audit of the whole log ended (``GET /v1/audits/{id}``'s ``result``).
AUDIT_RESULTS = {
    "passed": N_("Passed"),
    "failed": N_("Failed"),
    "error": N_("Could not finish"),
    "interrupted": N_("Interrupted"),
}
