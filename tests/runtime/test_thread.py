"""A session's own thread: cancelling it is safe at any moment of its life."""

from __future__ import annotations

import threading

from convscope.runtime.session import SessionRuntime
from convscope.runtime.thread import SessionThread
from tests.tui.support import scripted_config


def test_cancel_after_the_engine_returned_but_before_its_thread_ended_is_a_no_op() -> None:
    """Quitting the live screen at the moment a session finishes must not crash the TUI."""
    exiting, release = threading.Event(), threading.Event()

    def on_exit(error: BaseException | None) -> None:
        exiting.set()
        release.wait(10)  # hold the thread alive with its loop already closed

    runner = SessionThread(SessionRuntime.start(scripted_config(rounds=1)), on_exit=on_exit)
    runner.start()
    assert exiting.wait(10)
    assert runner.alive
    runner.cancel()  # raised "Event loop is closed" before
    release.set()
    assert runner.join(10)
