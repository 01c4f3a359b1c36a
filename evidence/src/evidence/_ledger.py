"""The evidence ledger: one append-only RFC 9162 log of canonical record bytes, in SQL.

Appends are serialised by a write transaction (see :mod:`evidence._db`); each keeps the
in-memory frontier in step with the stored tree, rebuilding it with one O(log n) read whenever
another process appended meanwhile. Appends that join a caller's transaction keep frontiers of
their own, for that transaction only, by tree size: a savepoint rolled back leaves the tree at a
size whose frontier is known, and the caller's rollback never touches the shared one. Record ids
are idempotency keys: the same id with the same bytes returns the first receipt, with other bytes
it is a :class:`RecordConflict`.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, RootTransaction, and_, func, or_, select, update

from ._checkpoint import Checkpoint, NoteSigner, NoteVerifier
from ._db import read_transaction, write_transaction
from ._errors import LedgerError, ProofError, RecordConflict, UnknownRecord
from ._merkle import (
    EMPTY_ROOT,
    Frontier,
    NodeKey,
    NodeReader,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    tree_root,
)
from ._migrate import upgrade_in
from ._records import Record, record_from_bytes
from ._tables import CHECKPOINTS, META, NODES, RECORDS, SUBJECTS


@dataclass(frozen=True)
class Receipt:
    """What an append returns: where the record sits in the log."""

    record_id: str
    index: int
    leaf_hash: bytes
    duplicate: bool = False


@dataclass(frozen=True)
class StoredRecord:
    index: int
    record_id: str
    kind: str
    body: bytes
    #: When the log took the record (set by :meth:`Ledger.latest`, which orders by it).
    appended_at: dt.datetime | None = None

    def record(self) -> Record:
        return record_from_bytes(self.body)


@dataclass(frozen=True)
class StoredCheckpoint:
    tree_size: int
    root_hash: bytes
    note: str
    created_at: dt.datetime
    anchor_tx: str | None
    anchor_block: int | None
    anchored_at: dt.datetime | None


#: Frontiers one transaction keeps (see ``Ledger.append_many``); past that it reads them again.
MAX_JOINED_FRONTIERS = 10_000


class Ledger:
    """One evidence log named ``origin`` in the database behind ``engine``."""

    def __init__(self, engine: Engine, origin: str, signer: NoteSigner) -> None:
        self.engine = engine
        self.origin = origin
        self.signer = signer
        self.verifier = NoteVerifier(signer.verifier_key())
        self._lock_name = f"suyuan-ledger:{origin}"
        self._frontier = Frontier()
        #: Frontiers by tree size, of each open caller's transaction that appended (see ``conn``).
        self._joined: weakref.WeakKeyDictionary[RootTransaction, dict[int, Frontier]] = (
            weakref.WeakKeyDictionary()
        )
        self._initialise()

    def _initialise(self) -> None:
        # Under the writer lock: processes opening a fresh database at once must not race to create it.
        with write_transaction(self.engine, self._lock_name) as conn:
            upgrade_in(conn)
            stored: dict[str, str] = {k: v for k, v in conn.execute(select(META.c.key, META.c.value))}
            expected = {"origin": self.origin, "verifier_key": self.signer.verifier_key()}
            for key, value in expected.items():
                if key not in stored:
                    conn.execute(META.insert().values(key=key, value=value))
                elif stored[key] != value:
                    raise LedgerError(f"this database holds a log with {key} {stored[key]!r}, not {value!r}")

    # -- appending -----------------------------------------------------------------------------

    @property
    def lock_name(self) -> str:
        """The writer lock of this log; a caller's write transaction holding it may append (see ``conn``)."""
        return self._lock_name

    def append(self, record: Record, conn: Connection | None = None) -> Receipt:
        return self.append_many([record], conn)[0]

    def append_many(
        self, records: Sequence[Record], conn: Connection | None = None, bodies: Sequence[bytes] | None = None
    ) -> list[Receipt]:
        """Appends records atomically, in order. A conflict rolls the whole call back.

        With ``conn`` the records join the caller's write transaction (opened with
        :func:`evidence.write_transaction` and :attr:`lock_name`): they commit or roll back
        with the caller's own writes. ``bodies``, when given, are the records' canonical bytes
        (:meth:`Record.canonical_bytes`), computed by the caller before taking the writer lock.
        """
        if not records:
            return []
        if bodies is None:
            bodies = [r.canonical_bytes() for r in records]
        elif len(bodies) != len(records):
            raise ValueError(f"{len(records)} records but {len(bodies)} bodies")
        if conn is not None:
            return self._append_joined(conn, records, bodies)
        with write_transaction(self.engine, self._lock_name) as own:
            sql = _Sql(own)
            frontier = self._current_frontier(own, sql.size())
            receipts = self._write(sql, records, bodies, frontier)
        self._frontier = frontier
        return receipts

    def _append_joined(
        self, conn: Connection, records: Sequence[Record], bodies: Sequence[bytes]
    ) -> list[Receipt]:
        """Appends in the caller's transaction. The caller may still roll back, all of it or a
        savepoint: the shared frontier is left alone, and the transaction keeps frontiers of its
        own, one per tree size an append started from or left. While it holds the writer lock
        only its own appends change the tree, and a rollback shrinks the tree back to a size an
        append started from, whose leaves it did not touch; an append from a size replaces the
        frontiers of the sizes it reaches. So the frontier kept for the stored size is the
        stored tree's."""
        sql = _Sql(conn)
        transaction = conn.get_transaction()
        known = self._joined.setdefault(transaction, {}) if transaction is not None else {}
        if len(known) > MAX_JOINED_FRONTIERS:
            known.clear()
        size = sql.size()
        kept = known.get(size)
        frontier = kept.copy() if kept is not None else Frontier.from_nodes(size, self._reader(conn))
        known[size] = frontier.copy()
        receipts = self._write(sql, records, bodies, frontier)
        known[frontier.size] = frontier
        return receipts

    def _write(
        self, sql: _Sql, records: Sequence[Record], bodies: Sequence[bytes], frontier: Frontier
    ) -> list[Receipt]:
        receipts, rows, subjects, nodes = self._plan(sql, records, bodies, frontier)
        if rows:
            sql.insert_many("ledger_records", 7, rows)
            sql.insert_many("ledger_nodes", 3, nodes)
            if subjects:
                sql.insert_many("ledger_subjects", 3, subjects)
        return receipts

    def _plan(
        self, sql: _Sql, records: Sequence[Record], bodies: Sequence[bytes], frontier: Frontier
    ) -> tuple[list[Receipt], list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        existing = sql.existing([r.record_id for r in records])
        receipts: list[Receipt] = []
        rows: list[tuple[Any, ...]] = []
        subjects: list[tuple[Any, ...]] = []
        nodes: list[tuple[Any, ...]] = []
        now = dt.datetime.now(dt.UTC).isoformat(sep=" ")
        for record, body in zip(records, bodies, strict=True):
            if record.record_id in existing:
                index, stored_body = existing[record.record_id]
                if stored_body != body:
                    raise RecordConflict(record.record_id, index)
                receipts.append(Receipt(record.record_id, index, leaf_hash(body), duplicate=True))
                continue
            index, value = frontier.size, leaf_hash(body)
            nodes.extend((level, i, h) for (level, i), h in frontier.append(value))
            rows.append((index, record.record_id, record.kind, record.time, record.actor.org, body, now))
            subjects.extend((t, i, index) for t, i in {(s.type, s.id) for s in record.subjects})
            existing[record.record_id] = (index, body)
            receipts.append(Receipt(record.record_id, index, value))
        return receipts, rows, subjects, nodes

    def _current_frontier(self, conn: Connection, size: int) -> Frontier:
        """A copy of the frontier matching the stored tree of ``size`` (another process may have appended)."""
        if self._frontier.size != size:
            self._frontier = Frontier.from_nodes(size, self._reader(conn))
        return self._frontier.copy()

    # -- reading -------------------------------------------------------------------------------

    @staticmethod
    def _size(conn: Connection) -> int:
        return _Sql(conn).size()

    @staticmethod
    def _reader(conn: Connection) -> NodeReader:
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"

        def read(keys: Sequence[NodeKey]) -> list[bytes]:
            by_level: dict[int, set[int]] = {}
            for level, index in keys:
                by_level.setdefault(level, set()).add(index)
            # One primary-key lookup per level, as plain SQL: row-value IN lists make SQLite scan
            # the table, and building the expression with SQLAlchemy costs more than the query.
            clauses, params = [], []
            for level, indexes in by_level.items():
                clauses.append(f"(level = {mark} AND idx IN ({', '.join([mark] * len(indexes))}))")
                params.extend([level, *indexes])
            sql = "SELECT level, idx, hash FROM ledger_nodes WHERE " + " OR ".join(clauses)
            found = {(int(lv), int(i)): _blob(h) for lv, i, h in conn.exec_driver_sql(sql, tuple(params))}
            missing = [k for k in keys if k not in found]
            if missing:
                raise LedgerError(f"stored tree is missing node(s) {missing[:3]}")
            return [found[k] for k in keys]

        return read

    def size(self) -> int:
        with read_transaction(self.engine) as conn:
            return self._size(conn)

    def get(self, record_id: str, conn: Connection | None = None) -> StoredRecord:
        """The stored record ``record_id``; with ``conn``, read in the caller's (write) transaction.

        A caller holding the writer lock passes its connection: it then sees its own uncommitted
        appends and needs no second connection from the pool while others wait for the lock.
        """
        return self._one(RECORDS.c.record_id == record_id, f"no record {record_id!r} in the log", conn)

    def holding(self, record_ids: Sequence[str], conn: Connection | None = None) -> set[str]:
        """Which of the record ids the log holds; with ``conn``, read in the caller's transaction."""
        if not record_ids:
            return set()
        if conn is not None:
            return set(_Sql(conn).existing(list(record_ids)))
        with read_transaction(self.engine) as own:
            return set(_Sql(own).existing(list(record_ids)))

    def at(self, index: int) -> StoredRecord:
        return self._one(RECORDS.c.idx == index, f"no record at index {index}")

    def _one(self, condition: Any, missing: str, conn: Connection | None = None) -> StoredRecord:
        query = select(RECORDS.c.idx, RECORDS.c.record_id, RECORDS.c.kind, RECORDS.c.body).where(condition)
        if conn is not None:
            row = conn.execute(query).first()
        else:
            with read_transaction(self.engine) as own:
                row = own.execute(query).first()
        if row is None:
            raise UnknownRecord(missing)
        return StoredRecord(int(row[0]), row[1], row[2], _blob(row[3]))

    def about(self, subject_type: str, subject_id: str, conn: Connection | None = None) -> list[StoredRecord]:
        """Every record naming the subject, in log order; with ``conn``, read in the caller's (write)
        transaction, which then sees its own uncommitted appends (see :meth:`get`)."""
        query = (
            select(RECORDS.c.idx, RECORDS.c.record_id, RECORDS.c.kind, RECORDS.c.body)
            .join(SUBJECTS, SUBJECTS.c.idx == RECORDS.c.idx)
            .where(SUBJECTS.c.subject_type == subject_type, SUBJECTS.c.subject_id == subject_id)
            .order_by(RECORDS.c.idx)
        )
        if conn is not None:
            rows = conn.execute(query).all()
        else:
            with read_transaction(self.engine) as own:
                rows = own.execute(query).all()
        return [StoredRecord(int(i), rid, kind, _blob(body)) for i, rid, kind, body in rows]

    def count_kinds(
        self, kinds: Sequence[str], since: dt.datetime, conn: Connection | None = None
    ) -> dict[str, int]:
        """How many records of each of ``kinds`` were appended at or after ``since`` (aware).

        Reads the (kind, appended_at) index only: the cost grows with the records counted, not
        with the log. Kinds with no record count 0.
        """
        query = (
            select(RECORDS.c.kind, func.count())
            .where(RECORDS.c.kind.in_(list(kinds)), RECORDS.c.appended_at >= since)
            .group_by(RECORDS.c.kind)
        )
        if conn is not None:
            rows = conn.execute(query).all()
        else:
            with read_transaction(self.engine) as own:
                rows = own.execute(query).all()
        counted = {str(kind): int(n) for kind, n in rows}
        return {kind: counted.get(kind, 0) for kind in kinds}

    def latest(
        self,
        kinds: Sequence[str],
        *,
        limit: int,
        since: dt.datetime | None = None,
        org: str | None = None,
        subject: tuple[str, str] | None = None,
        after: int | None = None,
        conn: Connection | None = None,
    ) -> list[StoredRecord]:
        """The records of ``kinds`` appended last, newest first: at most ``limit``, appended at or
        after ``since`` (aware), by the actor ``org``, about ``subject`` (type, id), continuing after
        the record at index ``after`` (the previous page's last).

        Newest first is by time appended, then index, read from the (kind, appended_at) index's
        newest end, one query per kind, merged: a page costs about ``limit`` rows per kind however
        long the log. About a subject, it is by index (log order), read from the subject's rows:
        a page costs what the subject's records do, never a walk through other subjects' records.
        """
        found: list[StoredRecord] = []
        for kind in dict.fromkeys(kinds):
            query = self._latest_query(kind, limit, since, org, subject, after)
            if conn is not None:
                rows = conn.execute(query).all()
            else:
                with read_transaction(self.engine) as own:
                    rows = own.execute(query).all()
            found.extend(StoredRecord(int(i), rid, k, _blob(body), at) for i, rid, k, body, at in rows)
        if subject is not None:
            found.sort(key=lambda r: r.index, reverse=True)
        else:
            found.sort(key=lambda r: (r.appended_at, r.index), reverse=True)
        return found[:limit]

    @staticmethod
    def _latest_query(
        kind: str,
        limit: int,
        since: dt.datetime | None,
        org: str | None,
        subject: tuple[str, str] | None,
        after: int | None,
    ) -> Any:
        columns = (RECORDS.c.idx, RECORDS.c.record_id, RECORDS.c.kind, RECORDS.c.body, RECORDS.c.appended_at)
        query = select(*columns).where(RECORDS.c.kind == kind)
        if since is not None:
            query = query.where(RECORDS.c.appended_at >= since)
        if org is not None:
            query = query.where(RECORDS.c.org == org)
        if subject is not None:
            about = SUBJECTS.c.subject_type == subject[0], SUBJECTS.c.subject_id == subject[1]
            query = query.join(SUBJECTS, SUBJECTS.c.idx == RECORDS.c.idx).where(*about)
            if after is not None:
                query = query.where(SUBJECTS.c.idx < after)
            return query.order_by(SUBJECTS.c.idx.desc()).limit(limit)
        if after is not None:
            # Before the record at ``after`` in (appended_at, idx) order; none if there is no such record.
            anchor = select(RECORDS.c.appended_at).where(RECORDS.c.idx == after).scalar_subquery()
            earlier = or_(RECORDS.c.appended_at < anchor, RECORDS.c.idx < after)
            query = query.where(and_(RECORDS.c.appended_at <= anchor, earlier))
        return query.order_by(RECORDS.c.appended_at.desc(), RECORDS.c.idx.desc()).limit(limit)

    def records_from(
        self, start: int, limit: int, kinds: Sequence[str] | None = None
    ) -> tuple[list[StoredRecord], int]:
        """Up to ``limit`` records at index ``start`` or later in index order (only of ``kinds``,
        if given), and the index a reader continues from: after the last one returned, or the
        log's size when fewer were found, since every record below it was then looked at. Reads
        the size and the records in one transaction, so nothing committed meanwhile is skipped."""
        with read_transaction(self.engine) as conn:
            size = self._size(conn)
            query = select(RECORDS.c.idx, RECORDS.c.record_id, RECORDS.c.kind, RECORDS.c.body).where(
                RECORDS.c.idx >= start, RECORDS.c.idx < size
            )
            if kinds is not None:
                query = query.where(RECORDS.c.kind.in_(list(kinds)))
            rows = conn.execute(query.order_by(RECORDS.c.idx).limit(limit)).all()
        found = [StoredRecord(int(i), rid, kind, _blob(body)) for i, rid, kind, body in rows]
        if len(found) == limit:
            return found, found[-1].index + 1
        return found, max(start, size)

    def iter_records(self, batch: int = 5000) -> Iterator[tuple[int, bytes]]:
        """(index, body) of every stored record in index order, read in batches."""
        after: int | None = None  # no lower bound: a row at a negative index must be seen too
        while True:
            query = select(RECORDS.c.idx, RECORDS.c.body)
            if after is not None:
                query = query.where(RECORDS.c.idx > after)
            with read_transaction(self.engine) as conn:
                rows = conn.execute(query.order_by(RECORDS.c.idx).limit(batch)).all()
            if not rows:
                return
            for idx, body in rows:
                yield int(idx), _blob(body)
            after = int(rows[-1][0])

    def stored_nodes(self, level: int, start: int, end: int) -> dict[int, bytes]:
        """Stored hashes of level ``level`` with index in [start, end)."""
        query = select(NODES.c.idx, NODES.c.hash).where(
            NODES.c.level == level, NODES.c.idx >= start, NODES.c.idx < end
        )
        with read_transaction(self.engine) as conn:
            return {int(i): _blob(h) for i, h in conn.execute(query)}

    def stored_subjects(self, start: int, end: int) -> dict[int, set[tuple[str, str]]]:
        """The subject index rows of leaves in [start, end), by leaf."""
        query = select(SUBJECTS.c.idx, SUBJECTS.c.subject_type, SUBJECTS.c.subject_id).where(
            SUBJECTS.c.idx >= start, SUBJECTS.c.idx < end
        )
        found: dict[int, set[tuple[str, str]]] = {}
        with read_transaction(self.engine) as conn:
            for idx, subject_type, subject_id in conn.execute(query):
                found.setdefault(int(idx), set()).add((subject_type, subject_id))
        return found

    # -- proofs ----------------------------------------------------------------------------------

    def root(self, size: int) -> bytes:
        """Requires 0 <= size <= the log's size."""
        if size == 0:
            return EMPTY_ROOT
        with read_transaction(self.engine) as conn:
            return tree_root(self._within(conn, size), size)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """Requires 0 <= index < size <= the log's size."""
        with read_transaction(self.engine) as conn:
            return inclusion_proof(self._within(conn, size), index, size)

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        """Requires 0 < size1 <= size2 <= the log's size."""
        with read_transaction(self.engine) as conn:
            return consistency_proof(self._within(conn, size2), size1, size2)

    def _within(self, conn: Connection, size: int) -> NodeReader:
        """The node reader, once ``size`` is known not to exceed the stored tree."""
        stored = self._size(conn)
        if size > stored:
            raise ProofError(f"the log holds {stored} records, not {size}")
        return self._reader(conn)

    # -- checkpoints -----------------------------------------------------------------------------

    def checkpoint(self) -> StoredCheckpoint | None:
        """Signs and stores a checkpoint of the current tree if it grew since the last one."""
        with write_transaction(self.engine, self._lock_name) as conn:
            size = self._size(conn)
            latest = conn.execute(select(func.max(CHECKPOINTS.c.tree_size))).scalar() or 0
            if size == 0 or size == latest:
                return self.latest_checkpoint() if latest else None
            root = tree_root(self._reader(conn), size)
            note = self.signer.sign(Checkpoint(self.origin, size, root))
            created_at = dt.datetime.now(dt.UTC)
            conn.execute(
                CHECKPOINTS.insert().values(tree_size=size, root_hash=root, note=note, created_at=created_at)
            )
        return StoredCheckpoint(size, root, note, created_at, None, None, None)

    def checkpoints(self, *, unanchored_only: bool = False) -> list[StoredCheckpoint]:
        query = select(CHECKPOINTS).order_by(CHECKPOINTS.c.tree_size)
        if unanchored_only:
            query = query.where(CHECKPOINTS.c.anchor_block.is_(None))
        with read_transaction(self.engine) as conn:
            return [_checkpoint(row) for row in conn.execute(query).mappings()]

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        query = select(CHECKPOINTS).order_by(CHECKPOINTS.c.tree_size.desc()).limit(1)
        with read_transaction(self.engine) as conn:
            row = conn.execute(query).mappings().first()
        return None if row is None else _checkpoint(row)

    def state(self) -> tuple[int, int | None]:
        """(size, latest anchored size) in one read: changes whenever a record or an anchor is added."""
        with self.engine.connect() as conn:
            row = conn.exec_driver_sql(
                "SELECT (SELECT MAX(idx) FROM ledger_records), "
                "(SELECT MAX(tree_size) FROM ledger_checkpoints WHERE anchor_block IS NOT NULL)"
            ).one()
        return (0 if row[0] is None else int(row[0]) + 1, None if row[1] is None else int(row[1]))

    def unanchored_since(self) -> dt.datetime | None:
        """When the oldest record that no anchored checkpoint covers was appended (None: all are)."""
        anchored = select(func.coalesce(func.max(CHECKPOINTS.c.tree_size), 0)).where(
            CHECKPOINTS.c.anchor_block.is_not(None)
        )
        query = select(RECORDS.c.appended_at).where(RECORDS.c.idx == anchored.scalar_subquery())
        with read_transaction(self.engine) as conn:
            appended: dt.datetime | str | None = conn.execute(query).scalar()
        if appended is None:
            return None
        if isinstance(appended, str):  # SQLite keeps the text the append wrote
            appended = dt.datetime.fromisoformat(appended)
        return appended if appended.tzinfo else appended.replace(tzinfo=dt.UTC)

    def latest_anchored_size(self) -> int | None:
        """The largest tree size noted as anchored on chain, if any."""
        query = select(func.max(CHECKPOINTS.c.tree_size)).where(CHECKPOINTS.c.anchor_block.is_not(None))
        with read_transaction(self.engine) as conn:
            size = conn.execute(query).scalar()
        return None if size is None else int(size)

    def checkpoint_at_size(self, tree_size: int) -> StoredCheckpoint | None:
        with read_transaction(self.engine) as conn:
            row = (
                conn.execute(select(CHECKPOINTS).where(CHECKPOINTS.c.tree_size == tree_size))
                .mappings()
                .first()
            )
        return None if row is None else _checkpoint(row)

    def covering_checkpoint(self, index: int, *, anchored: bool = False) -> StoredCheckpoint | None:
        """The latest checkpoint that includes leaf ``index`` (if ``anchored``, the latest anchored one)."""
        query = select(CHECKPOINTS).where(CHECKPOINTS.c.tree_size > index)
        if anchored:
            query = query.where(CHECKPOINTS.c.anchor_block.is_not(None))
        with read_transaction(self.engine) as conn:
            row = conn.execute(query.order_by(CHECKPOINTS.c.tree_size.desc()).limit(1)).mappings().first()
        return None if row is None else _checkpoint(row)

    def record_anchor(self, tree_size: int, block: int | None, tx_hash: str | None = None) -> None:
        """Notes the block (and transaction, when known) that anchored a checkpoint; None forgets it."""
        anchored_at = None if block is None else dt.datetime.now(dt.UTC)
        values = {"anchor_tx": tx_hash, "anchor_block": block, "anchored_at": anchored_at}
        with write_transaction(self.engine, self._lock_name) as conn:
            conn.execute(update(CHECKPOINTS).where(CHECKPOINTS.c.tree_size == tree_size).values(**values))


class _Sql:
    """The append path as plain SQL on the transaction's DBAPI cursor: per statement, SQLAlchemy's
    execution machinery costs more than SQLite itself does."""

    def __init__(self, conn: Connection) -> None:
        self.cursor = conn.connection.cursor()
        self.mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"

    def marks(self, count: int) -> str:
        return ", ".join([self.mark] * count)

    def size(self) -> int:
        self.cursor.execute("SELECT MAX(idx) FROM ledger_records")
        (largest,) = self.cursor.fetchone() or (None,)
        return 0 if largest is None else int(largest) + 1

    def existing(self, record_ids: list[str]) -> dict[str, tuple[int, bytes]]:
        unique = list(dict.fromkeys(record_ids))
        query = (
            f"SELECT record_id, idx, body FROM ledger_records WHERE record_id IN ({self.marks(len(unique))})"
        )
        self.cursor.execute(query, tuple(unique))
        return {rid: (int(idx), _blob(body)) for rid, idx, body in self.cursor.fetchall()}

    def insert_many(self, table: str, columns: int, rows: list[tuple[Any, ...]]) -> None:
        statement = f"INSERT INTO {table} VALUES ({self.marks(columns)})"
        if len(rows) == 1:  # the common single append: execute is cheaper than executemany
            self.cursor.execute(statement, rows[0])
        else:
            self.cursor.executemany(statement, rows)


def _blob(value: Any) -> bytes:
    """A stored byte column; text there (only a hand edit puts it there) is taken as its UTF-8."""
    return value.encode() if isinstance(value, str) else bytes(value)


def _checkpoint(row: Any) -> StoredCheckpoint:
    return StoredCheckpoint(
        tree_size=int(row["tree_size"]),
        root_hash=bytes(row["root_hash"]),
        note=row["note"],
        created_at=row["created_at"],
        anchor_tx=row["anchor_tx"],
        anchor_block=None if row["anchor_block"] is None else int(row["anchor_block"]),
        anchored_at=row["anchored_at"],
    )
