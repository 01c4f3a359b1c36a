"""The ledger's exception hierarchy, rooted in :class:`LedgerError`."""


class LedgerError(Exception):
    """Base of every error raised by the evidence ledger."""


class ProofError(LedgerError):
    """A Merkle proof does not verify, is malformed, or cannot exist for the requested sizes."""


class CheckpointError(LedgerError):
    """A checkpoint or signed note is malformed (C2SP tlog-checkpoint, signed-note)."""


class SignatureError(CheckpointError):
    """A note signature is missing, invalid, or made with another key; or a key is unusable."""


class InvalidRecord(LedgerError):
    """A record envelope is malformed; ``field`` names the offending field."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


class RecordConflict(LedgerError):
    """A record id was appended before with different bytes; the log keeps the first."""

    def __init__(self, record_id: str, index: int) -> None:
        self.record_id = record_id
        self.index = index
        super().__init__(f"record {record_id!r} exists at index {index} with different content")


class UnknownRecord(LedgerError):
    """No record with that id is in the log."""


class VerificationError(LedgerError):
    """Verifying a record or the whole log failed at ``step``.

    ``index`` names the bad leaf when it is known; ``span`` the leaf range [start, end) that holds
    it when only a signed or anchored root could tell that something changed.
    """

    def __init__(
        self, step: str, detail: str, index: int | None = None, span: tuple[int, int] | None = None
    ) -> None:
        self.step = step
        self.detail = detail
        self.index = index
        self.span = span
        super().__init__(f"{step}: {detail}")


class AnchorError(LedgerError):
    """The chain and the local checkpoints disagree, or anchoring cannot proceed."""


class AnchorUnreadable(LedgerError):
    """Where checkpoint roots are anchored (the chain) could not be read."""


class NotAnchored(LedgerError):
    """No root of the tree size asked for is anchored."""
