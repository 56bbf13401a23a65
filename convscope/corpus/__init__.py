"""Many sessions at once: ``convscope analyze <folder> --by <field>``."""

from __future__ import annotations

from convscope.corpus.groups import GroupStats
from convscope.corpus.run import CorpusAnalysis, analyse_corpus
from convscope.corpus.sessions import SessionRow, field_value
from convscope.sessions.folders import find_sessions

__all__ = ["CorpusAnalysis", "GroupStats", "SessionRow", "analyse_corpus", "field_value", "find_sessions"]
