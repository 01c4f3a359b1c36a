"""Leadership: one holder at a time per database, released at a clean stop or when its holder dies."""

from __future__ import annotations

import multiprocessing

from evidence import Leadership, make_engine


def _lead_and_die(url: str, led: multiprocessing.synchronize.Event) -> None:  # type: ignore[name-defined]
    leadership = Leadership(make_engine(url), "anchorer")
    assert leadership.hold()
    led.set()
    import os

    os._exit(0)  # dies holding it: no release, no clean close


def test_one_holder_at_a_time_until_it_lets_go(database_url: str) -> None:
    engine = make_engine(database_url)
    first, second = Leadership(engine, "anchorer"), Leadership(engine, "anchorer")
    other_job = Leadership(engine, "deliveries")
    try:
        assert first.hold()
        assert first.hold()  # holding it still
        assert not second.hold()
        assert other_job.hold()  # another job's leadership is its own
        first.release()
        assert second.hold()
        assert not first.hold()
    finally:
        for leadership in (first, second, other_job):
            leadership.release()
        engine.dispose()


def test_a_holder_that_dies_lets_the_next_one_lead(database_url: str) -> None:
    fork = multiprocessing.get_context("fork")
    led = fork.Event()
    dying = fork.Process(target=_lead_and_die, args=(database_url, led))
    dying.start()
    dying.join(timeout=60)
    assert led.is_set()
    engine = make_engine(database_url)
    after = Leadership(engine, "anchorer")
    try:
        assert after.hold()
    finally:
        after.release()
        engine.dispose()
