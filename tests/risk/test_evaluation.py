"""The engine over the ledger: warnings recorded as ledger records with their rows and notices,
the cursor and rule states committed with them, so a restart reads each record exactly once."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from tests.api.conftest import Api
from trace_api.notices.models import OwedNotice
from trace_api.risk import CursorMoved, RiskCursor, RiskEvaluator, RiskWarning, WarningRaised, default_rules

from .conftest import excursion


def test_three_excursions_raise_one_warning_recorded_in_the_ledger(api: Api) -> None:
    api.add_org("coldstore", "importer")
    api.add_org("samr-pudong", "regulator")
    evidence = [excursion(api, "coldstore", d) for d in (0, 2, 5)]
    evaluator = RiskEvaluator(api.services, default_rules())
    (warning,) = evaluator.run_once()
    assert (warning.rule_id, warning.level, warning.group_key) == (
        "coldchain_excursions",
        "orange",
        "coldstore",
    )
    assert json.loads(warning.evidence) == evidence
    stored = api.services.ledger.get(warning.record_id)
    fact = WarningRaised.of(stored)
    assert (fact.evidence, fact.organisation, fact.jurisdiction) == (evidence, "coldstore", "Shanghai")
    assert fact.trigger_index == api.services.ledger.get(evidence[-1]).index < stored.index
    with Session(api.services.engine) as session:
        owed = session.exec(select(OwedNotice).where(OwedNotice.record_id == warning.record_id)).all()
    # MQTT to each regulator of Shanghai (samr, samr-pudong); neither has a webhook
    assert sorted(o.target for o in owed) == ["suyuan/v1/samr-pudong/risk", "suyuan/v1/samr/risk"]
    progress = evaluator.progress()
    assert (progress.behind, progress.warnings_raised) == (0, 1)
    assert progress.records_read == 3


def test_a_restarted_evaluator_resumes_from_its_cursor_exactly_once(api: Api) -> None:
    api.add_org("coldstore", "importer")
    excursion(api, "coldstore", 0)
    excursion(api, "coldstore", 1)
    assert RiskEvaluator(api.services, default_rules()).run_once() == []
    api.add_org("other", "importer")  # records the rules do not read move the log on too
    assert RiskEvaluator(api.services, default_rules()).run_once() == []  # restarted
    third = excursion(api, "coldstore", 2)
    (warning,) = RiskEvaluator(api.services, default_rules()).run_once()  # restarted again
    assert (json.loads(warning.evidence)[-1], warning.group_key) == (third, "coldstore")
    assert RiskEvaluator(api.services, default_rules()).run_once() == []
    with Session(api.services.engine) as session:
        assert len(session.exec(select(RiskWarning)).all()) == 1
        cursor = session.get(RiskCursor, "default")
    assert cursor is not None
    assert cursor.next_index == api.services.ledger.size()
    assert cursor.records_read == 3


def test_small_batches_raise_what_one_pass_raises(api: Api) -> None:
    api.add_org("coldstore", "importer")
    for day in range(7):
        excursion(api, "coldstore", day * 0.5)
    evaluator = RiskEvaluator(api.services, default_rules(), batch=2)
    raised = evaluator.run_once()
    assert [len(json.loads(w.evidence)) for w in raised] == [3, 3]


def test_a_stale_evaluator_commits_nothing_and_reloads(api: Api) -> None:
    api.add_org("coldstore", "importer")
    stale = RiskEvaluator(api.services, default_rules())
    stale.run_once()
    for day in (0, 1, 2):
        excursion(api, "coldstore", day)
    assert len(RiskEvaluator(api.services, default_rules()).run_once()) == 1  # another replica took over
    with pytest.raises(CursorMoved):
        stale.run_once()
    assert stale.run_once() == []  # reloaded from what the other stored
    with Session(api.services.engine) as session:
        assert len(session.exec(select(RiskWarning)).all()) == 1
