"""A sweep's sessions as Ray tasks (``convscope sweep --ray ADDRESS``; extra ``convscope[ray]``).

The driver keeps the ledger and the progress bar; each task runs one session on a worker,
into the sweep folder, which must therefore be a directory every worker sees (a shared
file system), with convscope installed on every node. ``ADDRESS`` is what ``ray.init``
takes: ``auto`` for the cluster this machine belongs to, ``ray://host:10001`` for a
remote one, ``local`` to start a private instance on this machine.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from convscope.core.errors import UserError
from convscope.sessions.store import SessionStore
from convscope.sweep.folder import SweepFolder
from convscope.sweep.run import Outcome, SweepProgress, prepare, run_session
from convscope.sweep.spec import Run, Sweep


def _session_task(sessions_root: str, key: str, session_id: str) -> Outcome:
    """Runs on a worker: one session to its end."""
    try:
        row = asyncio.run(run_session(SessionStore(Path(sessions_root)), session_id))
    except Exception as error:  # reported as a failed session, like a local run
        return Outcome(key, session_id, error=f"{type(error).__name__}: {error}")
    return Outcome(key, session_id, row)


def run_on_ray(
    folder: SweepFolder, sweep: Sweep, todo: list[Run], state: SweepProgress, limit: int, *, address: str
) -> None:
    """The sessions of ``todo`` as Ray tasks, at most ``limit`` in flight."""
    try:
        import ray
    except ImportError:
        raise UserError("--ray needs Ray: pip install 'convscope[ray]'") from None
    ray.init(address=address, include_dashboard=False, log_to_driver=False)
    try:
        task = ray.remote(_session_task)
        queue = list(todo)
        in_flight: dict[Any, str] = {}  # object ref -> run key
        while queue or in_flight:
            while queue and len(in_flight) < limit:
                run = queue.pop(0)
                in_flight[task.remote(str(folder.sessions.root), run.key, prepare(folder, sweep, run))] = (
                    run.key
                )
            ready, _ = ray.wait(list(in_flight), num_returns=1)
            for ref in ready:
                key = in_flight.pop(ref)
                try:
                    outcome: Outcome = ray.get(ref)
                except ray.exceptions.RayError as error:  # the worker died
                    outcome = Outcome(key, folder.ledger[key], error=f"Ray: {error}")
                if outcome.row is not None:
                    folder.save_result(outcome.row)
                    state.add_turns(outcome.row["turns"], outcome.row["failed_turns"])
                state.finished(outcome)
    finally:
        ray.shutdown()
