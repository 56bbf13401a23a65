"""Holding a reply's text back to whole sentences, so that a reply cut by max_tokens ends
at its last sentence end instead of mid-word.

The text is released sentence by sentence as it streams; at a natural end the rest goes
out as it is, at a cut the unfinished sentence is dropped (unless it is all there is).
"""

from __future__ import annotations

import re

# A sentence ends at . ! ? or … (closing quotes and brackets included) followed by white space.
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*(?=\s)")
# At the very end of a cut reply nothing follows, so the end of the text counts as white space.
_FINAL_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*\s*$")


class SentenceGate:
    """Takes a reply's text deltas; gives back the text that may be shown now."""

    def __init__(self) -> None:
        self._held = ""
        self._released_any = False

    def push(self, delta: str) -> str:
        """The text up to the last sentence end seen so far, not given out before."""
        self._held += delta
        ends = list(_SENTENCE_END.finditer(self._held))
        if not ends:
            return ""
        return self._release(ends[-1].end())

    def finish(self, cut: bool) -> str:
        """What is left to show: everything after a natural end; after a cut, only a sentence
        the cut happened to complete, or the fragment if the reply has nothing else."""
        if not cut or _FINAL_SENTENCE_END.search(self._held) or not self._released_any:
            return self._release(len(self._held))
        self._held = ""
        return ""

    def _release(self, upto: int) -> str:
        released, self._held = self._held[:upto], self._held[upto:]
        self._released_any = self._released_any or bool(released.strip())
        return released
