"""Processes that would make the same cache entry together take turns on a lock file.

Two convscope processes started together on an empty cache (a sweep's workers, two
terminals, two pytest workers) would otherwise each convert the same model, tens of
seconds and gigabytes each, and keep one result. With an exclusive ``flock`` on
``.locks/<name>.lock`` (a folder of their own, as Hugging Face's cache keeps them, so that
the entries' folder lists entries only), the first makes the entry and the others wait,
then find it made. The kernel drops the lock when its holder dies, however it dies; the
empty lock files stay, since deleting one another process has open would let a third in.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

logger = logging.getLogger(__name__)

# A holder that never lets go (suspended with ctrl-z, stuck) must not hang every other
# process for good: past this, they go on without the lock (writes are atomic renames, so
# the worst case is the work done twice). A cold conversion takes 10-80 s.
WAIT_LIMIT_S = 900.0
_POLL_S = 0.2


def lock_path(entry: Path) -> Path:
    """The lock file of ``entry``, in a ``.locks`` folder beside it."""
    return entry.parent / ".locks" / f"{entry.name}.lock"


@contextmanager
def taking_turns(entry: Path, *, wait_limit_s: float = WAIT_LIMIT_S) -> Iterator[None]:
    """Hold the lock of ``entry`` while the body runs, waiting (at most ``wait_limit_s``)
    for a process that holds it. Not re-entrant: a nested call on the same entry waits for
    itself.

    Where no lock file can be opened (a cache that cannot be written to), go on without one:
    the entry's own writer copes with that, and waiting on nothing would help nobody.
    """
    descriptor = _open_lock(entry)
    if descriptor is None:
        yield
        return
    try:
        locked = _lock(descriptor, entry, wait_limit_s)
        try:
            yield
        finally:
            if locked:
                fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


def _open_lock(entry: Path) -> int | None:
    path = lock_path(entry)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Read-only is enough for flock, so another user's lock file in a shared cache serves too.
        return os.open(path, os.O_RDONLY | os.O_CREAT, 0o644)
    except OSError as error:
        logger.debug("no lock file for %s: %s", entry, error)
        return None


def _lock(descriptor: int, entry: Path, wait_limit_s: float) -> bool:
    """Take the lock, saying once that we wait for another process; False past the limit."""
    deadline = time.monotonic() + wait_limit_s
    said = False
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if not said:
                logger.info("waiting for another convscope process making %s", entry.name)
                said = True
            if time.monotonic() >= deadline:
                logger.warning(
                    "gave up waiting for %s after %.0f s; going on without it", entry.name, wait_limit_s
                )
                return False
            time.sleep(_POLL_S)
