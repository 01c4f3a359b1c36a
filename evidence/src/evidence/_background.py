"""Background loops (the anchorer, the EPCIS delivery worker) that survive any error and say so.

:func:`start_thread` is the one way a background thread is started: it runs ``run(stop)`` and
hands back the function that stops it.

A loop runs one step every tick. A step that raises is logged and retried after an exponential
backoff (capped); the loop itself never ends until it is stopped. Its :class:`LoopHealth`
(last success, last error, consecutive failures) is what ``/readyz`` reads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._leader import Leadership

log = logging.getLogger(__name__)
#: How often a loop that stands by (another process leads its job) asks whether it may lead.
STANDBY_POLL_S = 1.0


@dataclass
class LoopHealth:
    """What one loop last did; written by its thread, read by the readiness check."""

    name: str
    #: A loop whose last success is older than this (seconds) is stalled.
    stall_after_s: float
    started_at: float = field(default_factory=time.time)
    last_success_at: float | None = None
    last_error: str | None = None
    last_error_at: float | None = None
    consecutive_failures: int = 0
    running: bool = False
    #: With a leadership: whether this process leads the loop's job now (None: no leadership).
    leading: bool | None = None

    def stalled(self, now: float | None = None) -> str | None:
        """Why the loop counts as stalled, or None while it keeps succeeding."""
        now = time.time() if now is None else now
        if not self.running:
            return f"{self.name} is not running"
        since = now - (self.last_success_at or self.started_at)
        if since <= self.stall_after_s:
            return None
        failing = (
            f"; {self.consecutive_failures} failure(s), last: {self.last_error}" if self.last_error else ""
        )
        return f"{self.name} has not completed a pass for {since:.0f} s{failing}"

    def describe(self) -> dict[str, Any]:
        return {
            "running": self.running,
            "last_success_at": self.last_success_at,
            "last_error": self.last_error,
            "last_error_at": self.last_error_at,
            "consecutive_failures": self.consecutive_failures,
        } | ({} if self.leading is None else {"leading": self.leading})


class BackgroundLoop:
    """Runs ``step`` every ``tick_s`` until stopped; failures back off up to ``max_backoff_s``."""

    def __init__(
        self,
        name: str,
        step: Callable[[], object],
        *,
        tick_s: float,
        max_backoff_s: float,
        stall_after_s: float,
        on_failure: Callable[[Exception], None] | None = None,
        wake: threading.Event | None = None,
        min_backoff_s: float | None = None,
    ) -> None:
        """``wake``, when set by another thread, starts the next step at once instead of after the tick.

        A failed step is retried after twice the previous wait, at least ``min_backoff_s`` (default
        the tick) and at most ``max_backoff_s``; a loop whose step itself waits for work runs with
        ``tick_s=0`` and a ``min_backoff_s``.
        """
        self.name = name
        self._wake = wake
        self._step = step
        self.tick_s = tick_s
        self.min_backoff_s = tick_s if min_backoff_s is None else min_backoff_s
        self.max_backoff_s = max_backoff_s
        self._on_failure = on_failure
        self.health = LoopHealth(name, stall_after_s)
        self._leadership: Leadership | None = None
        self._on_leading: Callable[[bool], None] | None = None
        self._told: bool | None = None  # what on_change last heard

    def led(self, leadership: Leadership, on_change: Callable[[bool], None] | None = None) -> BackgroundLoop:
        """Runs the step only while this process leads ``leadership``: with several replicas on one
        database, one runs the job and the others stand by, and one of them takes it over when the
        leader dies (it asks on every pass). ``on_change`` hears where this process stands, on the
        first pass and at each change (True: now leading). Stopping the loop gives the leadership up."""
        self._leadership, self._on_leading = leadership, on_change
        self.health.leading = False
        return self

    def run(self, stop: threading.Event) -> None:
        health = self.health
        health.running, health.started_at = True, time.time()
        delay = self.tick_s
        try:
            while not stop.is_set():
                delay = self._pass(delay)
                self._sleep(stop, delay)
        finally:
            health.running = False

    def _sleep(self, stop: threading.Event, delay: float) -> None:
        if self._wake is None:
            stop.wait(delay)
            return
        if self.health.consecutive_failures:  # backing off: a wake-up does not cut it short
            stop.wait(delay)
        else:
            self._wake.wait(delay)
        self._wake.clear()

    def _pass(self, delay: float) -> float:
        """One step; returns how long to wait before the next."""
        health = self.health
        try:
            if self._leadership is not None:
                health.leading = self._leadership.hold()
                if health.leading != self._told:
                    self._told = health.leading
                    log.info("%s %s", self.name, "leads" if health.leading else "stands by")
                    if self._on_leading is not None:
                        self._on_leading(health.leading)
                if not health.leading:  # standing by is a pass done: a standby never stalls
                    health.last_success_at, health.consecutive_failures = time.time(), 0
                    return STANDBY_POLL_S  # asks again soon, whatever the job's own tick
            self._step()
        except Exception as exc:  # a loop that stops on any error stops silently: never
            health.consecutive_failures += 1
            health.last_error, health.last_error_at = f"{type(exc).__name__}: {exc}", time.time()
            delay = min(max(delay * 2, self.min_backoff_s), self.max_backoff_s)
            log.warning(
                "%s failed (%d in a row), retrying in %.1f s: %s",
                self.name,
                health.consecutive_failures,
                delay,
                health.last_error,
                exc_info=health.consecutive_failures == 1,
            )
            if self._on_failure is not None:
                self._on_failure(exc)
            return delay
        health.last_success_at, health.consecutive_failures = time.time(), 0
        return self.tick_s

    def start(self, health: list[LoopHealth] | None = None) -> Callable[[], None]:
        """Runs the loop in a daemon thread; returns a function that stops it and waits.

        The loop's health is added to ``health`` (what ``/readyz`` reads), when given.
        """
        if health is not None:
            health.append(self.health)
        self.health.running = True  # from now: a thread that is yet to be scheduled is not stalled
        stop = start_thread(self.name, self.run, wake=self._wake)
        leadership = self._leadership
        if leadership is None:
            return stop

        def stop_and_let_go() -> None:
            stop()
            leadership.release()

        return stop_and_let_go


def start_thread(
    name: str,
    run: Callable[[threading.Event], object],
    *,
    wake: threading.Event | None = None,
    stop: threading.Event | None = None,
) -> Callable[[], None]:
    """Runs ``run(stop)`` in a daemon thread named ``suyuan-<name>``; returns a function that sets
    ``stop`` (and ``wake``, so that a thread waiting on it notices at once) and waits for the thread.
    ``stop`` is a new event unless given (a signal handler that sets it stops the thread too).
    """
    stop = stop or threading.Event()
    thread = threading.Thread(target=run, args=(stop,), name=f"suyuan-{name}", daemon=True)
    thread.start()

    def stop_thread() -> None:
        stop.set()
        if wake is not None:
            wake.set()
        thread.join()

    return stop_thread
