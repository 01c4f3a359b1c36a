"""The scanners' errors: one base, a subclass per condition the operator must act on."""

from __future__ import annotations


class ScannerError(Exception):
    """Something the handheld client cannot do; the message says what and why, in one line."""


class NotACode(ScannerError):
    """The scanned text is not a GS1 Digital Link nor a GS1 element string naming a lot or an item."""


class UnreadableImage(ScannerError):
    """A file is not a picture, or no code could be read in it."""


class NotConfigured(ScannerError):
    """The scanner lacks a setting it needs (the trace API's address, a key, a location)."""


class KeyRefused(ScannerError):
    """The trace API refused the scanner's API key (401 or 403): nothing more can be synced with it."""


class ApiUnreachable(ScannerError):
    """The trace API could not be reached or kept failing (connection errors, timeouts, 5xx)."""


class BatchRefused(ScannerError):
    """The trace API refused a whole batch (not one scan in it): the client and server disagree."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status
