"""Noticing that the app's terminal has gone (its window closed, tmux killed), so the app quits.

A process normally dies of SIGHUP when its terminal hangs up, but not when a parent holds
the terminal's session: under ``make demo`` make gets the signal and waits for its child, and
Textual's input thread then reads end-of-file in a loop, most of a core for ever. The app
looks at its terminal every few seconds instead and exits when it has hung up: the live
session stops as on quitting, everything before the turn in flight saved.
"""

from __future__ import annotations

import errno
import sys

# How often the app looks; a hung-up terminal costs a core's worth of spinning until then.
TERMINAL_CHECK_S = 2.0


def terminal_hung_up(fd: int) -> bool:
    """True when ``fd`` is a terminal that has hung up; False for a live terminal, a pipe or a
    file (input that is not a terminal is not watched), and where there are no terminals to ask."""
    try:
        import termios
    except ImportError:  # Windows: its console driver ends the app itself
        return False
    try:
        termios.tcgetattr(fd)
    except termios.error as error:
        return bool(error.args) and error.args[0] == errno.EIO
    return False


def input_terminal_hung_up() -> bool:
    """Whether the terminal the app reads its keys from has hung up."""
    stdin = sys.__stdin__
    return stdin is not None and terminal_hung_up(stdin.fileno())
