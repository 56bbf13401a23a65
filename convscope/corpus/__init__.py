"""Many sessions at once: ``convscope analyze <folder> --by <field>``."""

from __future__ import annotations

from convscope.corpus.groups import GroupStats
from convscope.corpus.run import CorpusAnalysis, analyse_corpus, find_sessions
from convscope.corpus.sessions import SessionRow, field_value

__all__ = ["CorpusAnalysis", "GroupStats", "SessionRow", "analyse_corpus", "field_value", "find_sessions"]
