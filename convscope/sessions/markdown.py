"""A session as a Markdown transcript that people read and renderers cannot be fooled by.

Model text is data: every character Markdown could read as structure (headings, lists,
fences, tables, HTML, links, emphasis, math) is backslash-escaped, and a turn stays one
paragraph whatever its line breaks, so no reply can swallow or restyle the rest of the
document. Rounds are numbered from 1 for people (they are 0-based in the document). A
person's message reads ``🗣 **Ada** (person, to Agent-C): ...``; an interrupted turn ends
with ``_(interrupted)_``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime

from convscope.core.controls import Roster, describe, rosters
from convscope.core.human import INTERRUPTED
from convscope.core.records import ControlRecord, Turn
from convscope.core.text import terminal_safe
from convscope.sessions.schema import SessionDocument

_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~&$])")
_ORDERED_MARKER = re.compile(r"^(\d+)([.)])")
_LINE_MARKER = re.compile(r"^([-+=])")
_NBSP = "\u00a0"  # not blank to Markdown: keeps a paragraph going, and indentation visible


def render_markdown(doc: SessionDocument) -> str:
    return "\n".join(_document_lines(doc)) + "\n"


def _document_lines(doc: SessionDocument) -> Iterator[str]:
    config = doc.config
    created = datetime.fromtimestamp(doc.created_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
    yield f"# {_inline(config.title)}"
    yield ""
    turns = f"{len(doc.turns)} turn" + ("" if len(doc.turns) == 1 else "s")
    yield f"- **Session** `{doc.id}`: {doc.status}, created {created}, {turns}"
    yield f"- **Protocol** {_inline(config.protocol)}, {config.rounds} rounds, seed {config.seed}"
    yield "- **Agents**"
    for agent in config.agents:
        details = [_inline(agent.provider), f"max tokens {agent.params.max_tokens}"]
        if agent.params.temperature is not None:
            details.append(f"temperature {agent.params.temperature:g}")
        if agent.key_env:
            details.append(f"key from {_inline('$' + agent.key_env)}")
        if agent.failure:
            details.append(f"failure {_inline(agent.failure)}")
        yield f"  - **{_inline(agent.nickname)}** ({_inline(agent.id)}): {', '.join(details)}"
    if config.brief:
        yield "- **Brief**"
        yield ""
        yield from (f"> {line}" for line in _paragraph(config.brief).split("\n"))
    controls = rosters(config, doc.controls)
    pending = next(controls, None)
    names = Roster.initial(config).names
    current_round: int | None = None
    for turn in doc.turns:
        if turn.round != current_round:
            current_round = turn.round
            yield ""
            yield f"## Round {turn.round + 1}"
        while pending is not None and pending[0].turn_index <= turn.index:
            record, roster = pending
            yield from ("", _control_line(record, roster.names))
            names = roster.names
            pending = next(controls, None)
        yield ""
        yield _human_line(turn, names) if turn.human else _turn_line(turn)
    while pending is not None:
        yield from ("", _control_line(pending[0], pending[1].names))
        pending = next(controls, None)


def _turn_line(turn: Turn) -> str:
    speaker = f"**{_inline(turn.nickname)}** ({_inline(turn.model)})"
    if turn.failed:
        kind = f" ({turn.error_kind})" if turn.error_kind else ""
        return f"⚠️ {speaker}: failed{kind}: {_inline(turn.error or '')}"
    if turn.interrupted:
        said = f"{_paragraph(turn.text)} " if turn.text.strip() else ""
        return f"{speaker}: {said}_({INTERRUPTED})_"
    return f"{speaker}: {_paragraph(turn.text)}"


def _human_line(turn: Turn, names: Mapping[str, str]) -> str:
    to = f", to {_inline(names.get(turn.to, turn.to))}" if turn.to else ""
    return f"🗣 **{_inline(turn.nickname)}** (person{to}): {_paragraph(turn.text)}"


def _control_line(record: ControlRecord, names: Mapping[str, str]) -> str:
    return f"_⚙ {_inline(describe(record, names))}_"


def _inline(value: str) -> str:
    """A value inside a line: one line, every Markdown-significant character escaped."""
    return _SPECIAL.sub(r"\\\1", " ".join(terminal_safe(value).split()))


def _paragraph(text: str) -> str:
    """Multi-line text as one paragraph: hard line breaks, blank lines kept as NBSP lines."""
    text = terminal_safe(text.replace("\r\n", "\n").replace("\r", "\n")).strip("\n")
    return "\\\n".join(_line(line) for line in text.split("\n"))


def _line(line: str) -> str:
    body = line.lstrip(" \t")
    indent = line[: len(line) - len(body)].replace("\t", "    ")
    body = _SPECIAL.sub(r"\\\1", body.rstrip())
    body = _LINE_MARKER.sub(r"\\\1", _ORDERED_MARKER.sub(r"\1\\\2", body))
    return (_NBSP * len(indent) + body) or _NBSP
