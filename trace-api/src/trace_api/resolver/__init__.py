"""The GS1 Digital Link resolver and consumer provenance page (``/01/{gtin}/10/{lot}/21/{serial}``)."""

from .routes import mount_resolver, router
from .service import UnknownCode, provenance
from .views import Provenance, RecordCheck, Verification

__all__ = [
    "Provenance",
    "RecordCheck",
    "UnknownCode",
    "Verification",
    "mount_resolver",
    "provenance",
    "router",
]
