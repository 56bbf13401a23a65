"""The behaviour codebook of seed 003 and its offline ``rules`` coder (English and French).

Flags of one message (seed 003, appendix A):
- PHATIC: under 15 words and no substantive content;
- META: comments on the conversation itself;
- LEAD: assigns a task to a named agent other than the speaker;
- ARCH: names two or more specific technologies or tools;
- AGREE: names another agent and agrees with it;
- COMP: refers specifically to the crashed agent; ``COMP_level`` 1 notes its absence,
  2 takes over its work, 3 redistributes its work (0 when COMP is false);
- has_xref: names at least one other agent, @-lists included.
The first five are the "trait" flags the profiles are made of; COMP is reactive.

The broadcast filter is the paper's correction after human validation: an @-list that
addresses everyone ("@Agent-A, @Agent-B, ... @Agent-H", or "@all") names the crashed agent
only because it names everybody, so it is not a specific reference; neither is it a task
assignment or an agreement with anyone in particular. A run of consecutive mentions is a
broadcast when it says "@all"/"@tous"... or names every other agent (all but one when there
are four or more others, since a dropped agent is often left out of such lists).

The rules are cue lists (``behaviour_cues``) looked up where the codebook says: LEAD and
AGREE need their cue in the sentence naming the agent (AGREE: or the sentence after it);
LEAD also reads bullet lines and owner columns of tables ("- @Agent-C: backend",
"| Auth | @Agent-B |"). They are a fast offline approximation; the ``judge`` coder
(``behaviour_judge``) is the paper's method.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

from convscope.core.metrics import behaviour_cues as cues
from convscope.core.metrics.tokenize import words

TRAITS = ("PHATIC", "META", "LEAD", "ARCH", "AGREE")
FLAGS = (*TRAITS, "COMP")
PHATIC_MAX_WORDS = 15

BehaviourCodes = dict[str, bool | int]

# Models write "Agent‑B" with a non-breaking hyphen and names with no-break spaces.
_NORMALISE = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u00a0": " ", "\u202f": " "})
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_BETWEEN_MENTIONS = re.compile(r"[\s,;:/|*_+&()-]*(?:(?:and|et)\b[\s,]*)?", re.IGNORECASE)
_BULLET_BEFORE = re.compile(r"^\s*(?:[-*•+]|\d+[.)])\s*[*_]*$")
_AFTER_BULLET_NAME = re.compile(r"^[*_]*\s*(?::|→|->|–|—|-)\s*\S")
_BULLET_LINE = re.compile(r"^\s*(?:[-*•+]|\d+[.)])\s")
_ENDS_WITH_ASSIGN = re.compile(r"(?::|→|->|–|—|-|\()\s*[*_]*$")
_NOTHING_AFTER = re.compile(r"^[\s*_.;,)\]]*$")
_DIGIT = re.compile(r"\d")


def _any_of(patterns: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns), re.IGNORECASE)


_LEAD = _any_of(cues.LEAD)
_AGREE = _any_of(cues.AGREE)
_META = _any_of(cues.META)
_FAILURE = _any_of(cues.FAILURE)
_ABSENCE = _any_of((*cues.ABSENCE, *cues.TAKE_OVER, *cues.REDISTRIBUTE))
_REDISTRIBUTE = _any_of(cues.REDISTRIBUTE)
_TAKE_OVER = _any_of(cues.TAKE_OVER)
_OWNER_COLUMNS = re.compile(cues.OWNER_COLUMNS, re.IGNORECASE)
_EVERYONE = re.compile(cues.EVERYONE, re.IGNORECASE)
_SUBSTANCE = re.compile(cues.SUBSTANCE, re.IGNORECASE)


@cache
def _technology_patterns() -> tuple[re.Pattern[str], dict[str, str]]:
    """One regex for every written form of every technology, and form -> canonical name."""
    canonical: dict[str, str] = {}
    insensitive: list[str] = []
    sensitive: list[str] = []
    for name, forms in cues.TECHNOLOGIES.items():
        for form in forms:
            canonical[form.lower()] = name
            (sensitive if form in cues.CASE_SENSITIVE else insensitive).append(form)
    by_length = sorted(insensitive, key=len, reverse=True)
    alternatives = "|".join(re.escape(form) for form in by_length)
    exact = "|".join(re.escape(form) for form in sorted(sensitive, key=len, reverse=True))
    pattern = rf"(?<![\w.])(?:(?i:{alternatives})|{exact})(?![\w])"
    return re.compile(pattern), canonical


def technologies(text: str) -> set[str]:
    """The distinct technologies and tools ``text`` names (canonical names)."""
    pattern, canonical = _technology_patterns()
    return {canonical[match.group().lower()] for match in pattern.finditer(text)}


@lru_cache(maxsize=256)
def _name_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])@?(?:{alternatives})(?![\w-])", re.IGNORECASE)


@dataclass(frozen=True)
class Mention:
    """An agent named in a message; ``name`` is lower-case, None for "@all" and the like."""

    name: str | None
    start: int
    end: int
    broadcast: bool = False


def find_mentions(text: str, names: Iterable[str], others: set[str]) -> list[Mention]:
    """Every agent name (with or without "@") and every "@all" in ``text``, with the
    broadcast lists marked. ``others`` are the lower-case names other than the speaker's."""
    key = tuple(sorted({name for name in names if name}))
    found = [Mention(None, m.start(), m.end()) for m in _EVERYONE.finditer(text)]
    if key:
        for match in _name_pattern(key).finditer(text):
            found.append(Mention(match.group().lstrip("@").lower(), match.start(), match.end()))
    found.sort(key=lambda mention: mention.start)
    needed = len(others) if len(others) <= 3 else len(others) - 1
    result: list[Mention] = []
    run: list[Mention] = []
    for mention in [*found, None]:
        if mention is not None and run and _BETWEEN_MENTIONS.fullmatch(text, run[-1].end, mention.start):
            run.append(mention)
            continue
        if run:
            named = {m.name for m in run if m.name in others}
            broadcast = any(m.name is None for m in run) or (len(run) >= 2 and len(named) >= max(needed, 2))
            result.extend(Mention(m.name, m.start, m.end, broadcast) for m in run)
        run = [] if mention is None else [mention]
    return result


def _sentences(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for boundary in _SENTENCE_END.finditer(text):
        spans.append((start, boundary.start()))
        start = boundary.end()
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if b > a]


def _line_of(text: str, position: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    return start, len(text) if end == -1 else end


def _table_header(text: str, line_start: int) -> str:
    """The first line of the markdown table holding the line that starts at ``line_start``."""
    header_start = line_start
    while header_start > 0:
        previous_start = text.rfind("\n", 0, header_start - 1) + 1
        if not text[previous_start:header_start].lstrip().startswith("|"):
            break
        header_start = previous_start
    return text[header_start : _line_of(text, header_start)[1]]


def _assigns_in_line(text: str, mention: Mention) -> bool:
    """A bullet that opens or closes with the agent's name, or a row of an owner table."""
    start, end = _line_of(text, mention.start)
    before, after = text[start : mention.start], text[mention.end : end]
    if _BULLET_BEFORE.match(before) and _AFTER_BULLET_NAME.match(after):
        return True
    if _BULLET_LINE.match(before) and _ENDS_WITH_ASSIGN.search(before) and _NOTHING_AFTER.match(after):
        return True
    return before.lstrip().startswith("|") and bool(_OWNER_COLUMNS.search(_table_header(text, start)))


def _comp_level(text: str) -> int:
    if _REDISTRIBUTE.search(text):
        return 3
    if _TAKE_OVER.search(text):
        return 2
    return 1


def code_behaviour(
    text: str, *, speaker: str, agents: Sequence[str], crashed: Sequence[str] = ()
) -> BehaviourCodes:
    """Code one message with the ``rules`` coder.

    ``speaker`` is the name the author had, ``agents`` the names of everyone in the chat
    (the speaker may be among them), ``crashed`` the names by which the crashed agent(s)
    can be referred to (nickname, model name...). Returns the six flags, ``COMP_level``
    and ``has_xref``.
    """
    text = text.translate(_NORMALISE)
    me = speaker.translate(_NORMALISE).lower()
    crashed_names = {name.translate(_NORMALISE).lower() for name in crashed} - {me}
    names = [name.translate(_NORMALISE) for name in (*agents, *crashed)]
    others = {name.lower() for name in names} - {me}
    mentions = [m for m in find_mentions(text, names, others) if m.name != me]
    specific = [m for m in mentions if m.name is not None and not m.broadcast]

    sentences = _sentences(text)
    named_in = [{m.name for m in specific if a <= m.start < b} for a, b in sentences]
    lead = any(
        bool(named) and _LEAD.search(text, a, b) is not None
        for named, (a, b) in zip(named_in, sentences, strict=True)
    ) or any(_assigns_in_line(text, m) for m in specific)
    agree = bool(specific) and _AGREE.search(text) is not None
    tools = technologies(text)

    without_names = " ".join(text[a:b] for a, b in _gaps(mentions, len(text)))
    content = words(without_names)
    substance = bool(tools) or lead or bool(_DIGIT.search(without_names) or _SUBSTANCE.search(without_names))
    comp = bool(crashed_names) and (
        _FAILURE.search(text) is not None
        or any(
            bool(named & crashed_names) and _ABSENCE.search(text, a, _next_end(sentences, i)) is not None
            for i, (named, (a, _)) in enumerate(zip(named_in, sentences, strict=True))
        )
    )
    return {
        "PHATIC": 0 < len(content) < PHATIC_MAX_WORDS and not substance,
        "META": bool(_META.search(text)),
        "LEAD": lead,
        "ARCH": len(tools) >= 2,
        "AGREE": agree,
        "COMP": comp,
        "COMP_level": _comp_level(text) if comp else 0,
        "has_xref": any(m.name is not None for m in mentions),
    }


def _next_end(sentences: Sequence[tuple[int, int]], i: int) -> int:
    """Where the sentence after sentence ``i`` ends (or sentence ``i`` itself, if last)."""
    return sentences[min(i + 1, len(sentences) - 1)][1]


def _gaps(mentions: Sequence[Mention], length: int) -> list[tuple[int, int]]:
    """The spans of text between mentions, as (start, end) pairs."""
    edges = [0]
    for mention in mentions:
        edges.extend((mention.start, mention.end))
    edges.append(length)
    return list(zip(edges[::2], edges[1::2], strict=True))
