"""Noticing that the app's terminal has gone (its window closed, tmux killed), so the app quits,
and quitting then without a terminal to restore.

A process whose terminal hangs up gets SIGHUP, which by default kills it mid-turn; the app
takes it instead and quits as on ``q``. But the signal does not come when a parent holds the
terminal's session: under ``make demo`` make gets it and waits for its child, and Textual's
input thread then reads end-of-file in a loop, most of a core for ever. So the app also looks
at its terminal every few seconds and quits when it has hung up. Either way the live session
stops as on quitting, everything before the turn in flight saved.
"""

from __future__ import annotations

import asyncio
import errno
import signal
import sys
import termios
from collections.abc import Callable
from typing import Any, TextIO

from textual.app import App
from textual.driver import Driver
from textual.drivers.linux_driver import LinuxDriver

# How often the app looks; a hung-up terminal costs a core's worth of spinning until then.
TERMINAL_CHECK_S = 2.0
# What a shell reports for a process ended by SIGHUP: the app ends because its terminal did.
HUNG_UP_EXIT_STATUS = 129


def terminal_hung_up(fd: int) -> bool:
    """True when ``fd`` is a terminal that has hung up; False for a live terminal, a pipe or a
    file (input that is not a terminal is not watched)."""
    try:
        termios.tcgetattr(fd)
    except termios.error as error:
        return bool(error.args) and error.args[0] == errno.EIO
    return False


def input_terminal_hung_up() -> bool:
    """Whether the terminal the app reads its keys from has hung up."""
    stdin = sys.__stdin__
    return stdin is not None and terminal_hung_up(stdin.fileno())


def on_hang_up(callback: Callable[[], None]) -> Callable[[], None]:
    """Call ``callback`` on the running loop when the terminal hangs up (SIGHUP), instead of
    dying of it; returns what puts the signal back as it was. A SIGHUP ignored already
    (``nohup``) stays ignored. Where the loop cannot take signals (a loop off the main thread)
    the check above is all there is."""
    hang_up = signal.SIGHUP
    before = signal.getsignal(hang_up)
    if before is signal.SIG_IGN:
        return lambda: None
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(hang_up, callback)
    except (ValueError, RuntimeError):  # a loop off the main thread
        return lambda: None

    def forget() -> None:
        loop.remove_signal_handler(hang_up)  # which leaves SIGHUP at its default, not ``before``
        signal.signal(hang_up, before)

    return forget


class _TerminalOutput:
    """The terminal as Textual's writer thread writes to it, writing nothing once the terminal
    has gone: on the first failed write that thread dies, and the app, shutting down, waited
    for ever to hand it the last escape codes (a process left behind by ``tmux kill-server``)."""

    def __init__(self, file: TextIO) -> None:
        self._file = file
        self.gone = False

    def write(self, text: str) -> int:
        if not self.gone:
            try:
                return self._file.write(text)
            except OSError:
                self.gone = True
        return len(text)

    def flush(self) -> None:
        if not self.gone:
            try:
                self._file.flush()
            except OSError:
                self.gone = True

    def fileno(self) -> int:
        return self._file.fileno()


class HangUpSafeDriver(LinuxDriver):
    """Textual's Linux driver, for a terminal that may go away while the app runs."""

    def __init__(self, app: App[Any], **options: Any) -> None:
        super().__init__(app, **options)
        if self._file is not None:
            self._file = _TerminalOutput(self._file)  # type: ignore[assignment]  # all the writer uses

    def _sigcont_application(self, *args: object) -> None:
        """SIGCONT resumes the app after a suspension (``ctrl+z``); the kernel also sends it
        with the SIGHUP of a hang-up, and then there is no terminal to resume on."""
        if not input_terminal_hung_up():
            super()._sigcont_application(*args)


def hang_up_safe(driver: type[Driver]) -> type[Driver]:
    """``driver``, or the hang-up safe one in its place when it is Textual's Linux driver."""
    return HangUpSafeDriver if driver is LinuxDriver else driver
