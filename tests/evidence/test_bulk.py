"""Rows made before the writer lock (``evidence.BulkInsert``) store what SQLAlchemy's insert stores."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    select,
)
from sqlmodel.sql.sqltypes import UTCDateTime

from evidence import bulk_insert, make_engine, write_transaction

METADATA = MetaData()
ROWS = Table(
    "bulk_rows",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("name", String(32), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("value", Float),
    Column("short", Boolean, nullable=False),
    Column("ledger_index", BigInteger, nullable=False),
)
COLUMNS = ("name", "at", "value", "short", "ledger_index")
CST = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    METADATA.create_all(engine)
    yield engine
    engine.dispose()


def test_rows_made_before_the_lock_read_back_as_sqlalchemys_own(engine: Engine) -> None:
    values = [
        ("水果摊", dt.datetime(2026, 12, 5, 8, 30, 1, 250000, tzinfo=CST), 0.577, True, 2**40),
        ("stall 7", dt.datetime(2026, 12, 5, 0, 0, tzinfo=dt.UTC), None, False, 0),
    ]
    rows = bulk_insert(engine.dialect, ROWS, COLUMNS)
    # Made outside any transaction, the last column (known only once the lock is held) on its own.
    made = [rows.values(v[:-1]) + rows.values(v[-1:], len(COLUMNS) - 1) for v in values]
    with write_transaction(engine, "bulk") as conn:
        rows.run(conn, made)
        conn.execute(insert(ROWS), [dict(zip(COLUMNS, v, strict=True)) for v in values])
    with engine.connect() as conn:
        stored = [tuple(r) for r in conn.execute(select(*(ROWS.c[c] for c in COLUMNS)).order_by(ROWS.c.id))]
    assert stored[:2] == stored[2:]
    assert stored[0][1] == values[0][1]  # the same instant, read back in UTC
    assert stored[0][1].utcoffset() == dt.timedelta(0)
    assert [s[2] for s in stored[:2]] == [0.577, None]


def test_a_bulk_insert_refuses_unknown_columns_and_rows_of_the_wrong_width(engine: Engine) -> None:
    with pytest.raises(ValueError, match="bulk_rows has no column colour"):
        bulk_insert(engine.dialect, ROWS, ("name", "colour"))
    rows = bulk_insert(engine.dialect, ROWS, COLUMNS)
    with pytest.raises(ValueError, match="3 values for columns 3 on"):
        rows.values(("a", "b", "c"), 3)
    with pytest.raises(ValueError, match="need 5 values each"), write_transaction(engine, "bulk") as conn:
        rows.run(conn, [rows.values(("a", dt.datetime.now(dt.UTC), 1.0, True))])
    with engine.connect() as conn:
        assert conn.execute(select(ROWS.c.id)).first() is None


def test_a_naive_time_is_refused_when_the_row_is_made(engine: Engine) -> None:
    rows = bulk_insert(engine.dialect, ROWS, COLUMNS)
    with pytest.raises(ValueError, match="must have timezone information"):
        rows.values(("a", dt.datetime(2026, 12, 5, 8, 0), 1.0, True, 1))
