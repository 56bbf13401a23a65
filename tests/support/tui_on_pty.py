"""The real ``convscope`` command with its TUI drawing on a pseudo-terminal that is its
controlling terminal, as in a terminal window: keys go in, what it draws is read and dropped
(so that it never blocks on a full terminal), and closing the terminal's other end hangs it
up as closing the window does (the kernel then sends SIGHUP to the command)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

# Run first in the child, which leads a session of its own: its standard input, the terminal,
# becomes its controlling terminal (the kernel signals a hang-up to the session's leader).
# Then the command runs in its place ("leader": it gets the SIGHUP), or as its child ("below"):
# then the leader takes the SIGHUP and waits for the command, as make does under make demo.
_TAKE_THE_TERMINAL = """
import fcntl, os, signal, subprocess, sys, termios
fcntl.ioctl(0, termios.TIOCSCTTY, 0)
if sys.argv[1] == "leader":
    os.execvp(sys.argv[2], sys.argv[2:])
signal.signal(signal.SIGHUP, lambda *_: None)
sys.exit(subprocess.call(sys.argv[2:]))
"""


class TuiOnPty:
    """``convscope ARGS`` on a 100x30 terminal of its own, with ``CONVSCOPE_HOME`` at ``home``.

    ``hangup_signal=False`` starts it under a parent that leads the terminal's session, takes
    its hang-up signal and waits, as make does under ``make demo``: the signal never reaches
    convscope.
    """

    def __init__(
        self, *args: str, home: Path, env: dict[str, str] | None = None, hangup_signal: bool = True
    ) -> None:
        self._master, terminal = os.openpty()
        fcntl.ioctl(self._master, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        place = "leader" if hangup_signal else "below"
        convscope = [sys.executable, "-m", "convscope.cli", *args]
        command = [sys.executable, "-c", _TAKE_THE_TERMINAL, place, *convscope]
        full_env = {
            **os.environ,
            "CONVSCOPE_HOME": str(home),
            "TERM": "xterm-256color",
            "HF_HUB_OFFLINE": "1",
            **(env or {}),
        }
        self.process = subprocess.Popen(
            command,
            stdin=terminal,
            stdout=terminal,
            stderr=terminal,
            env=full_env,
            start_new_session=True,
        )
        os.close(terminal)
        self._stop = threading.Event()
        self._drain = threading.Thread(target=self._read_and_drop, daemon=True)
        self._drain.start()
        self._open = True

    def send(self, keys: str) -> None:
        os.write(self._master, keys.encode())

    def hang_up(self) -> None:
        """Close the terminal's other end, as closing its window (or killing tmux) does."""
        self._close_terminal()

    def wait(self, seconds: float) -> int:
        return self.process.wait(timeout=seconds)

    def __enter__(self) -> TuiOnPty:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        with contextlib.suppress(ProcessLookupError):  # the command's whole session, child included
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self._close_terminal()

    def _close_terminal(self) -> None:
        if self._open:
            self._stop.set()
            self._drain.join()
            os.close(self._master)
            self._open = False

    def _read_and_drop(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.1)
            if ready:
                try:
                    os.read(self._master, 65536)
                except OSError:  # the app has ended and the terminal has no one on the other end
                    return


def wait_for(condition: Callable[[], bool], *, seconds: float, what: str) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {seconds} s"
        time.sleep(0.2)
