"""A branch's first document: its parent's record before the branch point, copied verbatim.

A branch at turn ``k`` starts with what the parent had recorded before turn ``k`` (no model
is called again): the parent's latest turns ``0..k-1``, the control records stamped before
``k`` and the metrics snapshots of those turns and of the rounds closed before the last of
them. The round that turn ``k-1`` belongs to is still open at the branch point: the branch
closes it itself, as the parent did, once it knows whether turn ``k`` starts a new round.
Inside a simultaneous round (an opinion network) the branch keeps the round's turns before
``k`` and its protocol asks only the agents the round is missing, as after a batch cut short.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from convscope.core.config import SessionConfig
from convscope.core.errors import UserError
from convscope.core.reruns import latest_turns
from convscope.sessions.schema import BranchOrigin, SessionDocument, SessionSummary


class BranchPointError(UserError, ValueError):
    """A branch turn the parent cannot branch at (before its start or after its end)."""


def check_branch_point(parent: SessionDocument, at_turn: int) -> None:
    """Refuse a turn outside ``0..len(turns)`` of the parent, in one line."""
    count = len(latest_turns(parent.turns))
    if not 0 <= at_turn <= count:
        raise BranchPointError(
            f"cannot branch session {parent.id} at turn {at_turn}: it has {count} turns "
            f"(branch at 0 to {count})"
        )


def branch_document(
    parent: SessionDocument, at_turn: int, config: SessionConfig, session_id: str, now: float
) -> SessionDocument:
    """The new session ``session_id`` branching from ``parent`` at ``at_turn``, run with ``config``."""
    check_branch_point(parent, at_turn)
    turns = [turn for turn in latest_turns(parent.turns) if turn.index < at_turn]
    open_round = turns[-1].round if turns else None
    metrics = [
        point
        for point in parent.metrics
        if (point.turn_index is not None and point.turn_index < at_turn)
        or (point.is_round and open_round is not None and point.round < open_round)
    ]
    return SessionDocument(
        id=session_id,
        created_at=now,
        updated_at=now,
        status="running",
        config=config,
        turns=turns,
        controls=[record for record in parent.controls if record.turn_index < at_turn],
        metrics=metrics,
        parent=BranchOrigin(session_id=parent.id, at_turn=at_turn),
    )


def branches_of(session_id: str, sessions: Iterable[SessionSummary]) -> list[SessionSummary]:
    """The sessions branched directly from ``session_id``, by branch turn then creation time."""
    children = [s for s in sessions if s.parent is not None and s.parent.session_id == session_id]
    return sorted(children, key=lambda s: (s.parent.at_turn if s.parent else 0, s.created_at))


def branch_mark(summary: SessionSummary) -> str:
    """A listing's note on a branch, e.g. ``20261203-114001-ab12 @6``; empty for other sessions."""
    return "" if summary.parent is None else f"{summary.parent.session_id} @{summary.parent.at_turn}"


def lineage_lines(document: SessionDocument, sessions: Iterable[SessionSummary]) -> list[str]:
    """Where a session comes from and which sessions branch from it, one line each."""
    lines = []
    if document.parent is not None:
        lines.append(f"branch of {document.parent.session_id} at turn {document.parent.at_turn}")
    lines += [
        f"branched at turn {child.parent.at_turn} into {child.id}"
        for child in branches_of(document.id, sessions)
        if child.parent is not None
    ]
    return lines


def session_tree(sessions: Sequence[SessionSummary]) -> list[tuple[SessionSummary, int]]:
    """``sessions`` as a tree, each with its depth: the sessions that branch from no listed
    session in their order (newest first), each followed by its branches, depth first. A
    branch whose parent is gone is listed as a root."""
    listed = {summary.id for summary in sessions}
    children: dict[str, list[SessionSummary]] = {}
    for summary in sessions:
        if summary.parent is not None:
            children.setdefault(summary.parent.session_id, []).append(summary)
    rows: list[tuple[SessionSummary, int]] = []

    def add(summary: SessionSummary, depth: int) -> None:
        rows.append((summary, depth))
        for child in branches_of(summary.id, children.get(summary.id, ())):  # sorted as everywhere
            add(child, depth + 1)

    for summary in sessions:
        if summary.parent is None or summary.parent.session_id not in listed:
            add(summary, 0)
    return rows
