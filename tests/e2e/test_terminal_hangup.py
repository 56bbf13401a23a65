"""A TUI whose terminal goes away quits as on ``q``, by SIGHUP or, when no SIGHUP reaches it,
by noticing, and keeps its session.

Under ``make demo`` a closed terminal window (or ``tmux kill-server``) sends SIGHUP to make,
which waits for its child; convscope itself got no signal and spun a core reading end-of-file
for ever. Here the real ``convscope run`` draws on a pseudo-terminal of its own, which is hung
up by closing its other end: once with SIGHUP reaching convscope, once with SIGHUP ignored
(as make's child effectively is).
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path
from typing import IO, cast

from textual.drivers._writer_thread import MAX_QUEUED_WRITES, WriterThread
from textual.drivers.headless_driver import HeadlessDriver
from textual.drivers.linux_driver import LinuxDriver

from convscope.sessions.store import SessionStore
from convscope.tui.app import ConvscopeApp
from convscope.tui.terminal import (
    HUNG_UP_EXIT_STATUS,
    TERMINAL_CHECK_S,
    HangUpSafeDriver,
    _TerminalOutput,
    hang_up_safe,
    terminal_hung_up,
)
from tests.e2e.cli_support import write_config
from tests.support.tui_on_pty import TuiOnPty, wait_for

SLOW_REPLY = "scripted:text:one two three four five six seven eight?delay=0.1"


def test_a_live_terminal_a_pipe_and_a_file_are_not_hung_up(tmp_path: Path) -> None:
    master, terminal = os.openpty()
    reading, writing = os.pipe()
    with (tmp_path / "f").open("w") as file:
        assert not terminal_hung_up(terminal)
        assert not terminal_hung_up(reading)
        assert not terminal_hung_up(file.fileno())
    for fd in (master, terminal, reading, writing):
        os.close(fd)


def test_a_terminal_whose_other_end_closed_is_hung_up() -> None:
    master, terminal = os.openpty()
    os.close(master)
    try:
        assert terminal_hung_up(terminal)
    finally:
        os.close(terminal)


def test_textuals_writer_outlives_a_terminal_that_hung_up_so_the_app_can_shut_down() -> None:
    """The writer thread died on its first failed write; the app, restoring the terminal on
    its way out, then waited for ever on the writer's full queue (a process left behind)."""
    master, terminal = os.openpty()
    os.close(master)
    file = os.fdopen(terminal, "w")
    writer = WriterThread(cast(IO[str], _TerminalOutput(file)))
    writer.start()

    def draw_then_shut_down() -> None:  # as the app does: more than a queue of writes, then stop
        for _ in range(MAX_QUEUED_WRITES * 4):
            writer.write("\x1b[?25h")
        writer.stop()

    app = threading.Thread(target=draw_then_shut_down, daemon=True)
    app.start()
    app.join(5)
    assert not app.is_alive()
    with contextlib.suppress(OSError):  # what is still buffered cannot go anywhere
        file.close()


def test_the_app_runs_on_the_hang_up_safe_driver_where_textual_would_use_its_linux_driver() -> None:
    assert ConvscopeApp().driver_class is HangUpSafeDriver
    assert hang_up_safe(LinuxDriver) is HangUpSafeDriver
    assert hang_up_safe(HeadlessDriver) is HeadlessDriver


def test_the_tui_quits_when_its_terminal_hangs_up_and_its_turns_are_saved(tmp_path: Path) -> None:
    home = tmp_path / "home"
    config = write_config(tmp_path / "c.toml", ("Agent-A", SLOW_REPLY), ("Agent-B", SLOW_REPLY), rounds=100)
    store = SessionStore(home / "sessions")
    with TuiOnPty("run", str(config), home=home, hangup_signal=False) as tui:
        wait_for(lambda: any(summary.turns >= 2 for summary in store.list()), seconds=90, what="two turns")
        tui.hang_up()
        status = tui.wait(TERMINAL_CHECK_S * 10)

    assert status == HUNG_UP_EXIT_STATUS
    [summary] = store.list()
    assert summary.turns >= 2
    assert summary.status == "stopped"  # as after quitting: not "interrupted", as after a crash


def test_the_tui_takes_the_hang_up_signal_and_stops_its_session_as_quitting_does(tmp_path: Path) -> None:
    home = tmp_path / "home"
    config = write_config(tmp_path / "c.toml", ("Agent-A", SLOW_REPLY), ("Agent-B", SLOW_REPLY), rounds=100)
    store = SessionStore(home / "sessions")
    with TuiOnPty("run", str(config), home=home) as tui:
        wait_for(lambda: any(summary.turns >= 2 for summary in store.list()), seconds=90, what="two turns")
        tui.hang_up()  # the kernel sends SIGHUP to the terminal's session leader: convscope here
        status = tui.wait(30)

    assert status == HUNG_UP_EXIT_STATUS
    [summary] = store.list()
    assert summary.status == "stopped"
