"""The kitchen facts, read back through their models to the bytes they were written with."""

from __future__ import annotations

import pytest

pytest.importorskip("cv2")

from tests._facts import assert_facts_round_trip
from trace_api.facts import IncidentDetected, IncidentRectified, WrongKind

from .test_kitchen_api import Kitchens, kitchens, photo_png, rectify  # noqa: F401  (kitchens: the fixture)


def test_incident_facts_round_trip_through_their_models(kitchens: Kitchens) -> None:  # noqa: F811
    api, recorded = kitchens.api, kitchens.canteen_incident
    assert rectify(api, "canteen", recorded.incident_id, photo_png()).status_code == 201

    kinds = assert_facts_round_trip(api.services.ledger)

    assert {IncidentDetected.KIND, IncidentRectified.KIND} <= kinds
    detected = IncidentDetected.of(api.services.ledger.get(recorded.record_id))
    assert (detected.incident_id, detected.snapshot_sha256) == (
        recorded.incident_id,
        recorded.snapshot_sha256,
    )
    with pytest.raises(WrongKind):
        IncidentRectified.of(api.services.ledger.get(recorded.record_id))
