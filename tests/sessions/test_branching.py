"""Which sessions are branches of which: the tree the home screen draws."""

from __future__ import annotations

from convscope.sessions.branching import branch_mark, session_tree
from convscope.sessions.schema import BranchOrigin, SessionSummary


def summary(
    session_id: str, created_at: float, parent: str | None = None, at_turn: int = 0
) -> SessionSummary:
    origin = BranchOrigin(session_id=parent, at_turn=at_turn) if parent else None
    return SessionSummary(
        id=session_id, title=session_id, protocol="group_chat", agents=[], turns=9,
        created_at=created_at, updated_at=created_at, status="finished", parent=origin,
    )  # fmt: skip


def test_branches_follow_their_parent_by_branch_turn_and_a_lost_parents_branch_is_a_root() -> None:
    newest_first = [
        summary("late-branch", 6, parent="old", at_turn=2),
        summary("orphan", 5, parent="deleted", at_turn=3),
        summary("new", 4),
        summary("grandchild", 3, parent="early-branch", at_turn=5),
        summary("early-branch", 2, parent="old", at_turn=6),
        summary("old", 1),
    ]
    tree = [(s.id, depth) for s, depth in session_tree(newest_first)]
    assert tree == [
        ("orphan", 0),
        ("new", 0),
        ("old", 0),
        ("late-branch", 1),
        ("early-branch", 1),
        ("grandchild", 2),
    ]
    assert branch_mark(newest_first[0]) == "old @2" and branch_mark(newest_first[2]) == ""
