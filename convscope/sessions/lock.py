"""Who is writing a session right now: an advisory ``flock`` on the session's lock file.

The kernel drops the lock when the writer's process dies, however it dies, so "the lock is
free" means "nobody is writing" without trusting a stored pid that may have been reused
(a container restart hands out the same small pids again). The pid is still written into
the file, for people and for the error message.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from convscope.sessions.errors import SessionLockedError
from convscope.sessions.paths import LOCK_NAME

_ATTEMPTS = 20  # a reader holds the lock for microseconds; ride out that window
_PAUSE_S = 0.01


class WriterLock:
    """Held by the one SessionWriter of a session for as long as it is open."""

    def __init__(self, fd: int) -> None:
        self._fd = fd

    @classmethod
    def acquire(cls, folder: Path) -> WriterLock:
        fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        for attempt in range(_ATTEMPTS):
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if attempt == _ATTEMPTS - 1:
                    holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
                    os.close(fd)
                    raise SessionLockedError(
                        f"session {folder.name} is being written by another process (pid {holder})"
                    ) from None
                time.sleep(_PAUSE_S)
        return cls(fd)

    def write_pid(self) -> None:
        """Sign the lock, once the session has been read: a refused open leaves its files as they were."""
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, f"{os.getpid()}\n".encode("ascii"), 0)

    def release(self) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)


def writer_alive(folder: Path) -> bool:
    """True while some process holds the session's writer lock. Never modifies anything."""
    try:
        fd = os.open(folder / LOCK_NAME, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)
