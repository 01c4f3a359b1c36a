"""The risk warnings' ledger records (kinds ``risk.*``): one payload model per kind.

A warning's record names the rule (its id and version, and the rules file's version) and the
records behind it by id, so anyone holding the log can check it: those records are in the log,
before it, and meet the rule. Each step of its workflow names the warning and its raising record.
"""

from __future__ import annotations

from typing import ClassVar

from ..facts import Fact


class WarningRaised(Fact):
    """A rule found a risk (风险预警) in the records named in ``evidence``."""

    KIND: ClassVar[str] = "risk.warning_raised"
    OMIT_IF_NONE: ClassVar[frozenset[str]] = frozenset({"organisation", "jurisdiction"})

    warning_id: str
    rule: str
    rule_version: int
    rules_version: str
    level: str
    title: str
    message: str
    group: str
    evidence: list[str]
    #: The ledger index of the record that completed the rule's condition.
    trigger_index: int
    #: Handle of the organisation whose record completed it, and that organisation's jurisdiction.
    organisation: str | None = None
    jurisdiction: str | None = None


class _Step(Fact):
    warning_id: str
    raised_record_id: str
    regulator: str  # handle of the regulator acting
    note: str


class WarningAssigned(_Step):
    """A regulator assigned the warning to a regulator organisation to handle (分派)."""

    KIND: ClassVar[str] = "risk.warning_assigned"

    assignee: str  # handle


class WarningHandled(_Step):
    """The assignee handled the warning (处置), saying what it did."""

    KIND: ClassVar[str] = "risk.warning_handled"


class WarningClosed(_Step):
    """A regulator closed the warning (办结)."""

    KIND: ClassVar[str] = "risk.warning_closed"


FACTS: dict[str, type[Fact]] = {
    model.KIND: model for model in (WarningRaised, WarningAssigned, WarningHandled, WarningClosed)
}
