"""Lexical confidence (the coding-panel paper, appendix B): (certainty cues - hedging cues) / tokens.

An output-only proxy for how assertive a text reads, not for what a model "believes".
Cues are whole words or whole phrases, case-insensitive: the text and every lexicon entry
go through the shared tokenizer and are matched as token sequences, one compiled regex
per language over the space-joined tokens. At each position the longest cue wins and a
matched span is counted once, so "one might argue" is one hedge, not two, and "sans aucun
doute" (certainty) is never read as "sans doute" (a hedge). Tokens are the shared
tokenizer's, so the score of a French text is not diluted by dropped accented words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

from convscope.core.metrics.lexicons import CERTAINTY, HEDGING
from convscope.core.metrics.tokenize import words

Language = Literal["en", "fr"]
LANGUAGES: tuple[Language, ...] = ("en", "fr")

# Function words that tell English from French on a few dozen tokens.
_MARKERS: dict[Language, frozenset[str]] = {
    "en": frozenset(words("the and is are of to we you it that this for with be will our")),
    "fr": frozenset(words("le la les et est sont de des du un une nous vous que qui dans pour avec")),
}


@dataclass(frozen=True)
class CueCounts:
    certainty: int
    hedging: int
    tokens: int

    @property
    def score(self) -> float:
        """(certainty - hedging) / tokens; 0 for a text without tokens."""
        return (self.certainty - self.hedging) / self.tokens if self.tokens else 0.0


@dataclass(frozen=True)
class _Matcher:
    pattern: re.Pattern[str]
    is_certainty: dict[str, bool]


@cache
def _matcher(lang: Language) -> _Matcher:
    """Both lexicons of ``lang`` as one regex, longest cue first, compiled on first use."""
    is_certainty: dict[str, bool] = {}
    for entries, certain in ((CERTAINTY[lang], True), (HEDGING[lang], False)):
        for entry in entries:
            is_certainty[" ".join(words(entry))] = certain
    ordered = sorted(is_certainty, key=lambda cue: (-cue.count(" "), -len(cue)))
    alternatives = "|".join(re.escape(cue) for cue in ordered)
    return _Matcher(re.compile(rf"(?<!\S)(?:{alternatives})(?!\S)"), is_certainty)


def guess_language(tokens: list[str]) -> Language:
    """English or French, whichever has more of its function words in ``tokens`` (English on a tie)."""
    en = sum(token in _MARKERS["en"] for token in tokens)
    fr = sum(token in _MARKERS["fr"] for token in tokens)
    return "fr" if fr > en else "en"


def count_cues(text: str, lang: Language | Literal["auto"] = "en") -> CueCounts:
    """Certainty and hedging cues of ``text`` with the lexicons of ``lang`` ("auto": guessed)."""
    tokens = words(text)
    matcher = _matcher(guess_language(tokens) if lang == "auto" else lang)
    certainty = hedging = 0
    for match in matcher.pattern.finditer(" ".join(tokens)):
        if matcher.is_certainty[match.group()]:
            certainty += 1
        else:
            hedging += 1
    return CueCounts(certainty, hedging, len(tokens))


def confidence_score(text: str, lang: Language | Literal["auto"] = "en") -> float:
    """(certainty cues - hedging cues) / tokens of ``text``; 0 for an empty text."""
    return count_cues(text, lang).score
