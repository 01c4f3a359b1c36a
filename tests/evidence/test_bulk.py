"""Rows made before the writer lock (``evidence.BulkInsert``) store what SQLAlchemy's insert stores."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
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


TIMES = Table(
    "bulk_times",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("aware", UTCDateTime(), nullable=False),
    Column("wall", DateTime(), nullable=False),
)


def test_times_repeated_across_rows_are_converted_as_each_row_says(engine: Engine) -> None:
    """Rows repeat instants (a batch's arrival, a reading's time in two tables) and each column's
    conversion is remembered: equal instants in other zones, or on either side of a clock change,
    still convert as their own fields say."""
    new_york = ZoneInfo("America/New_York")
    twice = dt.datetime(2026, 11, 1, 1, 30, tzinfo=new_york)  # 01:30 came twice that night
    instant = dt.datetime(2026, 12, 5, 0, 30, tzinfo=dt.UTC)
    times = [
        instant,
        instant.astimezone(CST),  # the same instant, another wall clock
        instant,
        twice,
        twice.replace(fold=1),  # an hour later than the first 01:30
        twice,
        instant.astimezone(CST),
    ]
    rows = bulk_insert(engine.dialect, TIMES, ("aware", "wall"))
    made = [rows.values((t, t)) for t in times]
    with write_transaction(engine, "bulk") as conn:
        rows.run(conn, made)
        conn.execute(insert(TIMES), [{"aware": t, "wall": t} for t in times])
    with engine.connect() as conn:
        stored = [tuple(r) for r in conn.execute(select(TIMES.c.aware, TIMES.c.wall).order_by(TIMES.c.id))]
    assert stored[: len(times)] == stored[len(times) :]
    assert [aware for aware, _ in stored[: len(times)]] == [t.astimezone(dt.UTC) for t in times]
    assert stored[4][0] - stored[3][0] == dt.timedelta(hours=1)
    if engine.dialect.name == "sqlite":  # SQLite keeps each row's wall clock (PostgreSQL's driver, UTC)
        walls = [wall for _, wall in stored[:2]]
        assert walls == [dt.datetime(2026, 12, 5, 0, 30), dt.datetime(2026, 12, 5, 8, 30)]
