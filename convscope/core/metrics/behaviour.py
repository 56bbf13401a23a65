"""The behaviour codebook of the War Room paper and its offline ``rules`` coder (English and French).

Flags of one message (the War Room paper, appendix A):
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

The rules are cue lists (``behaviour_cues``) looked up where the codebook says. LEAD needs
a request or assignment cue in the sentence naming another agent, or a bullet line or a row
of an owner table that names it ("- @Agent-C: backend", "| Auth | @Agent-B |"). AGREE needs
an agreement cue and a specific reference to another agent anywhere in the message (the
human coders of the War Room paper read it that way: "Merci @Agent-F ... [later] Je suis d'accord").
COMP needs either a phrase only a crash explains ("decommissioned", "n'est plus supporté")
or a specific reference to the crashed agent with an absence, take-over or redistribution
cue in the same or the next sentence: addressing a task to the crashed agent, unaware that
it crashed, is not compensation.

Checked against the 61 Series-A messages of the paper's human validation sample, Cohen's
kappa between these rules and the human coder is PHATIC 1.0, META 0.35, LEAD 0.47, ARCH
0.64, AGREE 0.32, COMP 0.25 (the paper's Gemini judge reaches 0.56-0.93 against that same
coder): a fast offline approximation for live display and for corpora without a judge
budget. The ``judge`` coder (``behaviour_judge``) is the paper's method.
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
    """One case-insensitive regex; the leading ``\\b`` most cues share is tested once, not once
    per cue, which makes a long message ten times faster to scan."""
    listed = list(patterns)
    at_word = [p.removeprefix(r"\b") for p in listed if p.startswith(r"\b")]
    anywhere = [p for p in listed if not p.startswith(r"\b")]
    groups = [rf"\b(?:{'|'.join(f'(?:{p})' for p in at_word)})"] if at_word else []
    return re.compile("|".join([*groups, *(f"(?:{p})" for p in anywhere)]), re.IGNORECASE)


_LEAD = _any_of(cues.LEAD)
_AGREE = _any_of(cues.AGREE)
_META = _any_of(cues.META)
_FAILURE = _any_of(cues.FAILURE)
_ABSENCE = _any_of((*cues.ABSENCE, *cues.TAKE_OVER, *cues.REDISTRIBUTE))
_REDISTRIBUTE = _any_of(cues.REDISTRIBUTE)
_TAKE_OVER = _any_of(cues.TAKE_OVER)
_HAND_OVER = _any_of(cues.HAND_OVER)
_OWNER_COLUMNS = re.compile(cues.OWNER_COLUMNS, re.IGNORECASE)
_EVERYONE = re.compile(cues.EVERYONE, re.IGNORECASE)
_SUBSTANCE = re.compile(cues.SUBSTANCE, re.IGNORECASE)


_TECH_TOKEN = re.compile(r"[^\W_][\w.+#]*")


def _tech_tokens(text: str) -> list[str]:
    return [match.group().rstrip(".") for match in _TECH_TOKEN.finditer(text)]


@dataclass(frozen=True)
class _TechnologyIndex:
    """Every written form of every technology as a token tuple: lower-cased, or exact for the
    forms that are also ordinary words; the lower-cased words a form can start with; the
    longest form in tokens."""

    insensitive: dict[tuple[str, ...], str]
    sensitive: dict[tuple[str, ...], str]
    starts: frozenset[str]
    longest: int


@cache
def _technology_index() -> _TechnologyIndex:
    insensitive: dict[tuple[str, ...], str] = {}
    sensitive: dict[tuple[str, ...], str] = {}
    for name, forms in cues.TECHNOLOGIES.items():
        for form in forms:
            tokens = tuple(_tech_tokens(form))
            if form in cues.CASE_SENSITIVE:
                sensitive[tokens] = name
            else:
                insensitive[tuple(token.lower() for token in tokens)] = name
    keys = [*insensitive, *sensitive]
    return _TechnologyIndex(
        insensitive, sensitive, frozenset(key[0].lower() for key in keys), max(len(key) for key in keys)
    )


def technologies(text: str) -> set[str]:
    """The distinct technologies and tools ``text`` names (canonical names).

    Words are looked up, longest form first at each word, in a table rather than matched
    with one regex of 200 alternatives: the same result, twenty times faster.
    """
    index = _technology_index()
    tokens = _tech_tokens(text)
    lowered = [token.lower() for token in tokens]
    found: set[str] = set()
    for start in (i for i, token in enumerate(lowered) if token in index.starts):
        for size in range(min(index.longest, len(tokens) - start), 0, -1):
            name = index.insensitive.get(tuple(lowered[start : start + size])) or index.sensitive.get(
                tuple(tokens[start : start + size])
            )
            if name is not None:
                found.add(name)
                break
    return found


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


def _comp_level(text: str, lead: bool) -> int:
    """3: its work is shared out or handed to a named agent; 2: the speaker takes it over; 1: noted."""
    if _REDISTRIBUTE.search(text) or (lead and _HAND_OVER.search(text)):
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
    others = {name.translate(_NORMALISE).lower() for name in agents} - {me}  # aliases are not more agents
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
        "COMP_level": _comp_level(text, lead) if comp else 0,
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
