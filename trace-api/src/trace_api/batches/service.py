"""Source admission (源头准入): validate, no certificate no admission, ledger record, chain registration."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field, field_validator, model_validator
from sqlmodel import Session, select

from evidence import Actor, Record, Subject, utc_datetime, utc_now

from ..chainops.calls import owe_chain
from ..chainops.status import lot_chain_status
from ..coldchain.stays import begin_stay
from ..documents.service import holds_document
from ..errors import Conflict, Forbidden, NotFound, Unprocessable
from ..facts import BatchAdmitted
from ..gs1 import GS1Error, normalise_gtin, suyuan_lot
from ..orgs.models import OrgType
from ..orgs.service import Member
from ..services import Services
from ..text import Line
from .models import REQUIRED_FOR_IMPORTED_COLD_CHAIN, Batch, Certificate, CertificateType, StorageClass

EARLIEST_DATE = dt.date(1970, 1, 1)
MAX_SHELF_LIFE = dt.timedelta(days=30 * 365)  # far beyond any food's, short of absurd
_PASS = ("合格", "qualified", "pass", "passed")
#: The wording each kind of certificate states a pass in (compared case-insensitively).
PASSING_RESULTS: dict[CertificateType, tuple[str, ...]] = {
    CertificateType.quarantine: ("合格", "检疫合格", "qualified", "pass", "passed"),
    CertificateType.nucleic_acid_test: ("阴性", "未检出", "negative", "not detected", *_PASS),
    CertificateType.disinfection: ("已消毒", "消毒合格", "disinfected", "completed", *_PASS),
    CertificateType.origin: _PASS,
    CertificateType.health: (*_PASS, "healthy", "健康"),
    CertificateType.other: _PASS,
}


def is_passing(cert_type: CertificateType, result: str) -> bool:
    return result.strip().lower() in PASSING_RESULTS[cert_type]


class CertificateIn(BaseModel):
    cert_type: CertificateType
    number: Line = Field(min_length=1, max_length=64)
    issuer: Line = Field(min_length=1, max_length=200)
    issued_on: dt.date
    result: Line = Field(min_length=1, max_length=32)
    document_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class BatchIn(BaseModel):
    gtin: str
    lot: str
    product_name: Line = Field(min_length=1, max_length=200)
    quantity: float = Field(gt=0)
    unit: str = Field(pattern=r"^[A-Z0-9]{2,3}$", description="UN/CEFACT Rec 20 unit code, e.g. KGM, CT, EA")
    storage_class: StorageClass
    imported: bool = True
    origin_country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    producer: Line = Field(min_length=1, max_length=200)
    establishment_number: Line = Field(min_length=1, max_length=64)
    production_date: dt.date
    expiry_date: dt.date
    customs_declaration: Line | None = Field(default=None, min_length=1, max_length=64)
    certificates: list[CertificateIn] = Field(default_factory=list, max_length=50)
    location: Line | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="where the lot is stored once admitted (GLN/SGLN URN or a place name): "
        "its devices' readings become the lot's cold-chain record",
    )

    @field_validator("gtin")
    @classmethod
    def _gtin(cls, value: str) -> str:
        try:
            return normalise_gtin(value)
        except GS1Error as exc:
            raise ValueError(str(exc)) from exc

    @field_validator("lot")
    @classmethod
    def _lot(cls, value: str) -> str:
        return suyuan_lot(value)

    @field_validator("production_date", "expiry_date")
    @classmethod
    def _plausible(cls, value: dt.date) -> dt.date:
        if value < EARLIEST_DATE:
            raise ValueError(f"is before {EARLIEST_DATE.isoformat()}")
        if value > dt.datetime.now(dt.UTC).date() + MAX_SHELF_LIFE:
            raise ValueError(f"is more than {MAX_SHELF_LIFE.days // 365} years from now")
        return value

    @model_validator(mode="after")
    def _dates(self) -> BatchIn:
        # Tomorrow in UTC is already today in China (UTC+8): production dated then is accepted.
        if self.production_date > dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1):
            raise ValueError("production_date is in the future")
        if self.expiry_date <= self.production_date:
            raise ValueError("expiry_date is not after production_date")
        if self.expiry_date - self.production_date > MAX_SHELF_LIFE:
            raise ValueError(
                f"expiry_date is more than {MAX_SHELF_LIFE.days // 365} years after production_date"
            )
        if self.imported and not self.customs_declaration:
            raise ValueError("customs_declaration is required for imported food")
        return self


def require_admissible(data: BatchIn, session: Session, org_id: str) -> None:
    """No certificate, no admission; every certificate's result a pass, its document uploaded by
    the importer or shared with it."""
    errors: list[dict[str, str]] = []
    present = {c.cert_type for c in data.certificates}
    if data.imported and data.storage_class is not StorageClass.ambient:
        for required in REQUIRED_FOR_IMPORTED_COLD_CHAIN:
            if required not in present:
                errors.append({"field": "certificates", "reason": f"missing {required.value} certificate"})
    for i, cert in enumerate(data.certificates):
        if not is_passing(cert.cert_type, cert.result):
            accepted = ", ".join(PASSING_RESULTS[cert.cert_type])
            reason = f"{cert.result!r} is not a passing {cert.cert_type.value} result (accepted: {accepted})"
            errors.append({"field": f"certificates.{i}.result", "reason": reason})
        if not holds_document(session, org_id, cert.document_sha256):
            errors.append(
                {
                    "field": f"certificates.{i}.document_sha256",
                    "reason": "no document with this hash was uploaded by or shared with the importer",
                }
            )
    if errors:
        detail = "; ".join(
            e["reason"] if e["field"] == "certificates" else f"{e['field']}: {e['reason']}" for e in errors
        )
        raise Unprocessable(f"batch not admitted: {detail}", errors=errors)


def admit_batch(services: Services, session: Session, member: Member, data: BatchIn) -> Batch:
    batch_id = f"{data.gtin}.{data.lot}"
    if session.get(Batch, batch_id) is not None:
        raise Conflict(f"batch {batch_id} (GTIN {data.gtin}, lot {data.lot}) is admitted already")
    require_admissible(data, session, member.org.id)
    admitted = BatchAdmitted(batch_id=batch_id, **data.model_dump(mode="json"))
    payload = data.model_dump(mode="json", exclude={"location"})
    record = Record(
        kind=BatchAdmitted.KIND,
        record_id=f"batch:{batch_id}:admitted",
        time=utc_now(),
        actor=Actor(org=member.org.uscc, key_id=member.key_id),
        subjects=[Subject(type="batch", id=batch_id), Subject(type="org", id=member.org.uscc)],
        payload=admitted.payload(),
    )
    services.ledger.append(record, conn=session.connection())
    payload.pop("certificates")  # the location's stay is begun below
    batch = Batch(
        id=batch_id,
        importer_org_id=member.org.id,
        holder_org_id=member.org.id,
        admission_record_id=record.record_id,
        created_at=dt.datetime.now(dt.UTC),
        **{k: getattr(data, k) for k in payload},
    )
    session.add(batch)
    session.flush()  # the lot exists before the rows that name it
    owe_chain(session, record.kind, record.record_id, batch_id, [batch_id])
    for cert in data.certificates:
        session.add(Certificate(batch_id=batch_id, **cert.model_dump()))
    if data.location is not None:
        session.flush()
        begin_stay(
            session,
            batch_id,
            member.org.id,
            utc_datetime(record.time),
            record.record_id,
            location=data.location,
        )
    session.commit()
    session.refresh(batch)
    return batch


def get_batch(session: Session, batch_id: str) -> Batch:
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise NotFound(f"no batch {batch_id!r}", reason="unknown_lot")
    return batch


def require_batch_reader(member: Member, batch: Batch) -> None:
    """Regulators, the importer and the holder may read a batch; anyone else is refused."""
    if member.org.org_type is not OrgType.regulator and member.org.id not in (
        batch.importer_org_id,
        batch.holder_org_id,
    ):
        raise Forbidden(f"{member.org.handle} neither holds nor admitted batch {batch.id}")


def certificates_of(session: Session, batch_id: str) -> list[Certificate]:
    return list(session.exec(select(Certificate).where(Certificate.batch_id == batch_id)))


def describe_batch(session: Session, batch: Batch) -> dict[str, Any]:
    data = batch.model_dump(mode="json")
    data["chain"] = lot_chain_status(session, batch.id, batch.parent_id)
    data["certificates"] = [
        c.model_dump(mode="json", exclude={"id", "batch_id"}) for c in certificates_of(session, batch.id)
    ]
    return data
