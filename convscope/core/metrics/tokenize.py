"""The one word tokenizer shared by ROUGE, Jaccard, confidence and coherence.

Lower-case ``\\w+`` runs, Unicode-aware: French accents, Cyrillic, Greek and Japanese
written with spaces all survive. The rouge-score default tokenizer keeps only ``[a-z0-9]``,
so "délai" becomes "d lai" and "привет" vanishes; one shared tokenizer also means that
the "same words" behind ROUGE, Jaccard and the lexicons are the same words.
Script without spaces (Japanese, Chinese) comes out as one token per run of characters.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """The lower-cased word tokens of ``text`` (``\\w+`` runs, Unicode-aware)."""
    return _WORD.findall(text.lower())


class UnicodeTokenizer:
    """:func:`words` in the shape rouge-score's ``RougeScorer(tokenizer=...)`` expects."""

    def tokenize(self, text: str) -> list[str]:
        return words(text)
