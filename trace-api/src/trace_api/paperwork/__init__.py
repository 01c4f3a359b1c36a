"""What the paperless procedures (无纸化: small food business filings, food business permits) share:
applicants who are a member or a person with a query code, and regulators of a jurisdiction who
act on what is filed with it (:mod:`.applicants`); the fields every application carries
(:mod:`.fields`); uploaded materials (:mod:`.materials`); the printed papers (:mod:`.papers`);
a certificate's ledger record checked for its public page (:mod:`.proofs`, :mod:`.pages`); and
the routes' and commands' common parts (:mod:`.routes`, :mod:`.cli`)."""

from .applicants import Caller, china_date, query_code_hash
from .materials import Upload

__all__ = ["Caller", "Upload", "china_date", "query_code_hash"]
