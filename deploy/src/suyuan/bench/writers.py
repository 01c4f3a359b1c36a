"""``suyuan bench writers``: how busy the SQLite writer lock is kept by processes that take turns.

Each of ``--processes`` processes repeats ``--rounds`` times: ``--outside-ms`` of work without the
lock, then a write transaction holding the lock for ``--hold-ms``. The work is a sleep, so the
figures measure the hand-over of the lock, not the processes' share of the cores. Two paths run one
after the other on fresh files in a temporary directory:

- ``suyuan``: the product's :func:`evidence.write_transaction`;
- ``busy_handler``: plain ``BEGIN IMMEDIATE`` on connections waiting through SQLite's own busy
  handler (``sqlite3.connect(timeout=...)``), which sleeps up to 100 ms between tries.

``lock_utilisation`` is the time the lock was held over the wall-clock time of the run: 1.0 when a
waiting writer takes the lock the moment it is freed.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import text

from evidence import make_engine, sqlite_url, write_transaction

Progress = Callable[[str, int, int], None]
LOCK_TIMEOUT_S = 30.0
PATHS = ("suyuan", "busy_handler")


def run_writers_bench(
    *, processes: int, rounds: int, hold_ms: float, outside_ms: float, progress: Progress
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "bench": "writers",
        "processes": processes,
        "rounds": rounds,
        "hold_ms": hold_ms,
        "outside_ms": outside_ms,
    }
    done = 0
    with tempfile.TemporaryDirectory(prefix="suyuan-bench-writers-") as tmp:
        for path in PATHS:
            database = Path(tmp) / f"{path}.db"
            figures = _run(database, path, processes, rounds, hold_ms / 1000, outside_ms / 1000)
            result.update({f"{path}_{name}": value for name, value in figures.items()})
            done += processes * rounds
            progress("bench writers", done, 2 * processes * rounds)
    result["ratio"] = round(result["suyuan_lock_utilisation"] / result["busy_handler_lock_utilisation"], 3)
    return result


def _run(
    database: Path, path: str, processes: int, rounds: int, hold_s: float, outside_s: float
) -> dict[str, float]:
    with sqlite3.connect(database) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE written (writer INTEGER, round INTEGER)")
    context = multiprocessing.get_context("spawn")
    ready = context.Barrier(processes + 1)
    waits: multiprocessing.Queue[list[float]] = context.Queue()
    shape = (rounds, hold_s, outside_s, ready, waits)
    workers = [
        context.Process(target=_writer, args=(str(database), path, n, *shape)) for n in range(processes)
    ]
    for worker in workers:
        worker.start()
    ready.wait()  # every writer connected: the clock starts with the first round of all of them
    started = time.monotonic()
    every_wait = [wait for _ in workers for wait in waits.get(timeout=LOCK_TIMEOUT_S * rounds)]
    wall = time.monotonic() - started
    for worker in workers:
        worker.join()
        if worker.exitcode != 0:
            raise RuntimeError(f"a writer of the {path} path exited with {worker.exitcode}")
    with sqlite3.connect(database) as connection:
        (written,) = connection.execute("SELECT count(*) FROM written").fetchone()
    if written != processes * rounds:
        raise RuntimeError(f"the {path} path wrote {written} rows, not {processes * rounds}")
    every_wait.sort()
    return {
        "wall_s": round(wall, 3),
        "lock_utilisation": round(processes * rounds * hold_s / wall, 3),
        "wait_ms_p50": round(statistics.median(every_wait) * 1000, 2),
        "wait_ms_p90": round(every_wait[int(len(every_wait) * 0.9)] * 1000, 2),
    }


def _writer(
    database: str,
    path: str,
    writer: int,
    rounds: int,
    hold_s: float,
    outside_s: float,
    ready: Any,
    waits: multiprocessing.Queue[list[float]],
) -> None:
    transaction = _product_transaction(database) if path == "suyuan" else _busy_handler_transaction(database)
    ready.wait()
    taken: list[float] = []
    for round_ in range(rounds):
        time.sleep(outside_s)  # the work done without the lock
        asked = time.monotonic()
        with transaction() as execute:
            taken.append(time.monotonic() - asked)
            execute(writer, round_)
            time.sleep(hold_s)  # the work done holding it
    waits.put(taken)


Write = Callable[[int, int], None]


def _product_transaction(database: str) -> Callable[[], AbstractContextManager[Write]]:
    engine = make_engine(sqlite_url(Path(database)), lock_timeout_s=LOCK_TIMEOUT_S)

    @contextmanager
    def transaction() -> Iterator[Write]:
        with write_transaction(engine, "bench-writers") as connection:

            def execute(writer: int, round_: int) -> None:
                connection.execute(text("INSERT INTO written VALUES (:w, :r)"), {"w": writer, "r": round_})

            yield execute

    return transaction


def _busy_handler_transaction(database: str) -> Callable[[], AbstractContextManager[Write]]:
    connection = sqlite3.connect(database, timeout=LOCK_TIMEOUT_S, isolation_level=None)
    connection.execute("PRAGMA synchronous=FULL")

    @contextmanager
    def transaction() -> Iterator[Write]:
        connection.execute("BEGIN IMMEDIATE")

        def execute(writer: int, round_: int) -> None:
            connection.execute("INSERT INTO written VALUES (?, ?)", (writer, round_))

        try:
            yield execute
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    return transaction
