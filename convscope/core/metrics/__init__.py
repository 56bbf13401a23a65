"""Convergence and behaviour measures of the four papers, as pure functions plus the live tracker.

The small public API; everything else lives in the module that defines it (``lexical``,
``confidence``, ``loops``, ``stability``, ``behaviour``, ``profile``, ``stats``, ``tracker``,
``summary`` and ``summary_model``, ``embeddings``, ``semantic``, ``twonn``, ``opinion``,
``opinion_dynamics``); ``catalogue`` names, explains and formats every key a snapshot carries.
"""

from __future__ import annotations

from convscope.core.metrics.behaviour import code_behaviour
from convscope.core.metrics.confidence import confidence_score
from convscope.core.metrics.lexical import bleu_distance, jaccard_distance, rouge_pairwise
from convscope.core.metrics.loops import LoopDetector, LoopThresholds, detect_loops
from convscope.core.metrics.tracker import MetricsTracker
from convscope.core.metrics.twonn import twonn_dimension

__all__ = [
    "LoopDetector",
    "LoopThresholds",
    "MetricsTracker",
    "bleu_distance",
    "code_behaviour",
    "confidence_score",
    "detect_loops",
    "jaccard_distance",
    "rouge_pairwise",
    "twonn_dimension",
]
