"""The one walk over a lot's split lineage: its bound, its order, and rows that form a cycle."""

from __future__ import annotations

from sqlmodel import Session

from tests.api.conftest import Api, batch_payload
from tests.conftest import Network
from trace_api.batches.lineage import MAX_SPLIT_DEPTH, ancestors, descendants
from trace_api.batches.models import Batch


def admitted(api: Api, session: Session) -> Batch:
    """A lot admitted through the API, read back in ``session``."""
    api.add_org("haixian", "importer")
    response = api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian"))
    assert response.status_code == 201, response.text
    api.mined()  # the chain worker is idle: the tests write rows behind the API's back
    batch = session.get(Batch, response.json()["id"])
    assert batch is not None
    return batch


def split_off(session: Session, parent: Batch, lot: str) -> Batch:
    """A child lot row of ``parent`` (the walk reads rows only: no chain, no ledger)."""
    data = parent.model_dump(exclude={"id", "lot", "parent_id"})
    child = Batch(**data, id=f"{parent.gtin}.{lot}", lot=lot, parent_id=parent.id)
    session.add(child)
    session.flush()
    return child


def ids(batches: list[Batch]) -> list[str]:
    return [b.lot for b in batches]


def test_walks_stop_at_max_split_depth(api: Api) -> None:
    with Session(api.services.engine) as session:
        root = admitted(api, session)
        chain = [root]
        for depth in range(1, MAX_SPLIT_DEPTH + 3):
            chain.append(split_off(session, chain[-1], f"D{depth:02d}"))

        deepest_allowed = ancestors(session, chain[MAX_SPLIT_DEPTH])
        beyond = ancestors(session, chain[-1])
        below_root = descendants(session, root)

    assert ids(deepest_allowed) == ids(chain[MAX_SPLIT_DEPTH - 1 :: -1])  # nearest first, up to the root
    assert len(beyond) == MAX_SPLIT_DEPTH
    assert ids(beyond) == ids(chain[-2:1:-1])
    assert ids(below_root) == ids(chain[1 : MAX_SPLIT_DEPTH + 1])


def test_descendants_come_generation_by_generation_each_by_id(api: Api) -> None:
    with Session(api.services.engine) as session:
        root = admitted(api, session)
        b = split_off(session, root, "B")
        a = split_off(session, root, "A")
        b2, b1 = split_off(session, b, "B2"), split_off(session, b, "B1")
        a1 = split_off(session, a, "A1")
        a1x = split_off(session, a1, "A1X")

        below = descendants(session, root)
        below_b = descendants(session, b)
        above = ancestors(session, a1x)
        above_root = ancestors(session, root)

    assert ids(below) == ["A", "B", "A1", "B1", "B2", "A1X"]
    assert ids(below_b) == [b1.lot, b2.lot]
    assert ids(above) == ["A1", "A", root.lot]
    assert above_root == []


def test_walks_end_when_parents_form_a_cycle(api: Api) -> None:
    with Session(api.services.engine) as session:
        root = admitted(api, session)
        a = split_off(session, root, "A")
        b = split_off(session, a, "B")
        root.parent_id = b.id  # only an edit outside the API can do this
        session.add(root)
        session.flush()

        assert ids(ancestors(session, a)) == [root.lot, "B"]
        assert ids(ancestors(session, root)) == ["B", "A"]
        assert ids(descendants(session, root)) == ["A", "B"]
        assert ids(descendants(session, b)) == [root.lot, "A"]


def test_max_split_depth_is_the_chains_lineage_depth(network: Network) -> None:
    registry = network.client.contracts["BatchRegistry"]

    assert network.client.call(registry.functions.MAX_LINEAGE_DEPTH()) == MAX_SPLIT_DEPTH
