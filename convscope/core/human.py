"""How a person's part in a session reads, in one place: a human turn's speaker and
addressee, and the mark of a turn the person interrupted. The chat view, the panes, the
headless console, replay and every export word them with these."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from convscope.core.records import Turn

INTERRUPTED = "interrupted"  # the mark of a turn the person cut short (``Engine.interrupt``)


def speaker_label(turn: Turn, names: Mapping[str, str]) -> str:
    """``Moderator`` for a message to everyone, ``Moderator → Agent-B`` for one to an agent
    (by its name in ``names``, or its id when the name is not known)."""
    if turn.to is None:
        return turn.nickname
    return f"{turn.nickname} → {names.get(turn.to, turn.to)}"


EVERYONE = "all"  # ``@all text``: a message to every agent, the same as no address


@dataclass(frozen=True)
class Message:
    """What a person typed, read: the text, and the agent it is addressed to (None: all)."""

    text: str
    to: str | None = None


def read_message(typed: str, names: Mapping[str, str]) -> Message:
    """``@Agent-B text`` (a name, or an id, in any case) addresses one agent; ``@all text``
    and plain text address every agent. ValueError, in one line, for an unknown name or no text."""
    typed = typed.strip()
    to: str | None = None
    if typed.startswith("@"):
        name, _, typed = typed[1:].partition(" ")
        if name.casefold() != EVERYONE:
            matches = {
                agent
                for agent, nick in names.items()
                if name.casefold() in (agent.casefold(), nick.casefold())
            }
            if len(matches) != 1:
                known = ", ".join(f"@{nick}" for nick in names.values())
                raise ValueError(f"no agent is called {name!r} (try {known} or @{EVERYONE})")
            [to] = matches
        typed = typed.strip()
    if not typed:
        raise ValueError("a message cannot be empty")
    return Message(typed, to)
