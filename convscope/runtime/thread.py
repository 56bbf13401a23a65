"""Runs a session on its own thread and event loop, away from a front end's loop (the TUI's).

Everything the engine does on its loop (streaming, journal fsyncs, metrics hand-offs)
then costs the UI nothing but a share of the GIL. The engine's commands are already
thread-safe; anything else that touches the session writer (a snapshot, an export)
must run on the engine's loop too, through ``call``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Callable
from typing import TypeVar

from convscope.core.providers.local import wait_for_generation_threads
from convscope.runtime.session import SessionRuntime

T = TypeVar("T")


class SessionThread:
    def __init__(
        self, runtime: SessionRuntime, *, on_exit: Callable[[BaseException | None], None] | None = None
    ) -> None:
        """``on_exit(error)`` runs on the session's thread once the session has ended and been
        saved (``error`` when it crashed)."""
        self.runtime = runtime
        self._on_exit = on_exit
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._main, name="convscope-session", daemon=True)

    def start(self) -> None:
        self._thread.start()
        self._started.wait()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def call(self, fn: Callable[[], T]) -> concurrent.futures.Future[T]:
        """Run ``fn`` on the engine loop (between two engine steps); the future holds its result."""
        future: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn())
                except BaseException as exc:
                    future.set_exception(exc)

        if self._loop is None or self._loop.is_closed() or not self.alive:
            raise RuntimeError("the engine is not running")
        self._loop.call_soon_threadsafe(run)
        return future

    def cancel(self) -> None:
        """Abandon the turn in flight now (the engine records the session as stopped).

        The engine may have returned in the meantime: its loop is then closed (while the
        thread still runs ``on_exit``), and there is nothing left to cancel.
        """
        if self._loop is None or self._task is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop has closed
            self._loop.call_soon_threadsafe(self._task.cancel)

    def join(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _main(self) -> None:
        error: BaseException | None = None
        try:
            asyncio.run(self._run())
        except asyncio.CancelledError:
            pass
        except BaseException as exc:
            error = exc
        finally:
            self._started.set()  # never leave start() waiting, even when the loop failed
            wait_for_generation_threads()
            if self._on_exit is not None:
                self._on_exit(error)

    async def _run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.current_task()
        self._started.set()
        await self.runtime.run()
