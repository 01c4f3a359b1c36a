"""The console's words for codes the trace API answers with, where more than one page shows them
(a page's own codes stay in its module). Message ids, translated where they are shown."""

from __future__ import annotations

from .i18n import N_

#: The rules an alert is opened by (the API's ``rule``): the cold chain's, then the other domains'.
ALERT_RULES = {
    "temperature": N_("Temperature excursion"),
    "door_open": N_("Door left open"),
    "silent": N_("Device silent"),
    "rapid_test_failed": N_("Rapid test failed"),
    "short_weight": N_("Short weight"),
    "maintenance_overdue": N_("Maintenance overdue"),
    "maintenance_too_far": N_("Maintenance recorded away from the lift"),
    "contract_expiring": N_("Maintenance contract expiring"),
    "contract_missing": N_("No maintenance contract"),
    "equipment_fault": N_("Equipment fault"),
    "selfcheck_flag": N_("Self-inspection data in doubt"),
}
#: What an alert of another domain than the cold chain is about (the API's ``subject_type``).
ALERT_SUBJECTS = {
    "stall": N_("Stall"),
    "vendor": N_("Vendor"),
    "market": N_("Market"),
    "equipment": N_("Lift"),
    "selfcheck_task": N_("On-site inspection task"),
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
