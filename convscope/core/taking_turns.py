"""Processes that would make the same cache entry together take turns on a lock file.

Two convscope processes started together on an empty cache (a sweep's workers, two
terminals, two pytest workers) would otherwise each convert the same model, tens of
seconds and gigabytes each, and keep one result. With an exclusive ``flock`` on a sibling
``.locks/<name>.lock`` (a folder of their own, as Hugging Face's cache keeps them, so that
the entries' folder lists entries only), the first makes the entry and the others wait,
then find it made. The kernel drops the lock when its holder dies, however it dies; the
empty lock files stay, since deleting one another process has open would let a third in.
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

logger = logging.getLogger(__name__)


def lock_path(entry: Path) -> Path:
    """The lock file of ``entry``, in a ``.locks`` folder beside it."""
    return entry.parent / ".locks" / f"{entry.name}.lock"


@contextmanager
def taking_turns(entry: Path) -> Iterator[None]:
    """Hold the lock of ``entry`` (blocking until the process holding it lets go).

    Where no lock file can be made (a read-only cache), go on without one: the entry's own
    writer copes with that, and waiting on nothing would help nobody.
    """
    try:
        lock_path(entry).parent.mkdir(parents=True, exist_ok=True)
        lock = open(lock_path(entry), "a")  # noqa: SIM115 (closed below, after the body ran)
    except OSError as error:
        logger.debug("no lock file beside %s: %s", entry, error)
        yield
        return
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
