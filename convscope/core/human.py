"""How a person's part in a session reads, in one place: a human turn's speaker and
addressee, and the mark of a turn the person interrupted. The chat view, the panes, the
headless console, replay and every export word them with these."""

from __future__ import annotations

from collections.abc import Mapping

from convscope.core.records import Turn

INTERRUPTED = "interrupted"  # the mark of a turn the person cut short (``Engine.interrupt``)


def speaker_label(turn: Turn, names: Mapping[str, str]) -> str:
    """``Moderator`` for a message to everyone, ``Moderator → Agent-B`` for one to an agent
    (by its name in ``names``, or its id when the name is not known)."""
    if turn.to is None:
        return turn.nickname
    return f"{turn.nickname} → {names.get(turn.to, turn.to)}"
