"""``suyuan up --demo``'s credit grades (企业信用分级): one pass of the grader over what the demo
seeded (the overdue elevator, the market's failed rapid test, …), so that the console's grades are
there at once rather than at the background grader's next tick. The grades go to
``credit-demo.json`` in the data directory; a later run reads no record twice and changes nothing
that did not change.
"""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session, select

from trace_api.credit import CreditGrade, CreditGrader
from trace_api.orgs.models import Organisation
from trace_api.services import Services

from .filings import write_private

DEMO_FILE = "credit-demo.json"


def seed_credit(services: Services) -> dict[str, Any]:
    """Grades the demo's organisations now; returns (and writes) each graded one's grade and score."""
    done = CreditGrader(services.ledger).run_once()
    with Session(services.engine) as session:
        rows = session.exec(
            select(Organisation.handle, CreditGrade.grade, CreditGrade.score)
            .join(CreditGrade, CreditGrade.org_id == Organisation.id)  # type: ignore[arg-type]
            .order_by(Organisation.handle)
        ).all()
    info = {
        "records_read": done.records_read,
        "grades": [{"org": handle, "grade": grade, "score": score} for handle, grade, score in rows],
    }
    write_private(
        services.settings.data_dir / DEMO_FILE, json.dumps(info, indent=2, ensure_ascii=False) + "\n"
    )
    return info
