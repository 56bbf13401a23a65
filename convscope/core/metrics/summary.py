"""One session's metrics as one typed summary: what ``convscope analyze`` prints.

It replays the session through its protocol's tracker (the code that ran live, measuring the
turns the protocol measures, with an opinion judge's recorded scores) and adds the
measures that need the whole session at once: code stability and token retention per
agent, TF-IDF self-consistency (fitted on this session's texts), and for group chats the
behaviour profiles, their similarity, the COMP events and Kruskal-Wallis per trait flag;
and, when a local classifier is given, the toxicity of every message.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

import numpy as np

from convscope.core.config import SessionConfig
from convscope.core.metrics.behaviour import TRAITS
from convscope.core.metrics.catalogue import ROUGE1, ROUGE2, ROUGEL
from convscope.core.metrics.embeddings import default_embedder
from convscope.core.metrics.profile import any_trait_share, profile_similarity, profiles
from convscope.core.metrics.stability import code_stability, mean_token_retention, self_consistency
from convscope.core.metrics.stats import kruskal_by_flag
from convscope.core.metrics.summary_model import (
    AgentStability,
    BehaviourSummary,
    ConfidenceSummary,
    LoopSummary,
    MetricsSummary,
    RougeSummary,
    RoundRouge,
    SessionFacts,
)
from convscope.core.metrics.toxicity import ToxicityScorer, toxicity_summary
from convscope.core.metrics.tracker import MetricsTracker
from convscope.core.protocols import protocol_class, tracker_for
from convscope.core.records import ControlRecord, Turn
from convscope.core.snapshot import Snapshot


def session_summary(
    config: SessionConfig,
    turns: Sequence[Turn],
    *,
    controls: Sequence[ControlRecord] = (),
    semantic: bool | None = None,
    toxicity: ToxicityScorer | None = None,
    recorded_scores: Mapping[int, float | None] | None = None,
) -> MetricsSummary:
    """The metrics of one session; ``semantic`` adds embedding distances to loop detection
    (by default if the session measured them live, so that loops are found as they were),
    ``toxicity`` scores every message (without it the section says that none was given),
    ``recorded_scores`` are an opinion judge's live scores (a judge is never asked from here:
    without them its turns have no score)."""
    measures = protocol_class(config).measures
    semantic = config.semantic_metrics if semantic is None else semantic
    measured = [turn for turn in sorted(turns, key=lambda t: t.index) if measures.measured(turn)]
    if semantic:  # one batched encoding up front; the replay then finds every text in the cache
        default_embedder().encode([turn.text for turn in measured if turn.spoke])
    tracker = tracker_for(config, semantic=semantic, recorded_scores=recorded_scores or {})
    snapshots = tracker.run(turns, controls)
    rounds = [snapshot for snapshot in snapshots if snapshot.is_round]
    outputs: dict[str, list[str]] = defaultdict(list)
    for turn in measured:
        if turn.spoke:
            outputs[turn.agent_id].append(turn.text)

    rouge = [_round_rouge(snapshot) for snapshot in rounds]
    return MetricsSummary(
        session=SessionFacts(
            title=config.title,
            protocol=config.protocol,
            agents=len(config.agents),
            turns=len(turns),
            failed_turns=sum(turn.failed for turn in turns),
            rounds=len(rounds),
        ),
        rouge=RougeSummary(final=rouge[-1] if rouge else None, by_round=rouge),
        confidence=ConfidenceSummary(
            by_agent={agent: float(np.mean(scores)) for agent, scores in tracker.confidence.items()},
            mean=_mean([score for scores in tracker.confidence.values() for score in scores]),
        ),
        loop=LoopSummary(
            detected=tracker.loops.detected,
            onset_turn=tracker.loops.onset,
            steps=len(tracker.loops.steps),
            steps_converged=sum(tracker.loops.converged),
            thresholds=tracker.loops.thresholds,
        ),
        stability={
            agent: AgentStability(identical=code_stability(texts), retention=mean_token_retention(texts))
            for agent, texts in outputs.items()
        },
        self_consistency=self_consistency(outputs),
        toxicity=toxicity_summary(toxicity, outputs),
        behaviour=_behaviour(tracker) if measures.behaviour else None,
        by_round=rounds,
    )


def _round_rouge(snapshot: Snapshot) -> RoundRouge:
    values = snapshot.values
    return RoundRouge(
        round=snapshot.round, rouge1=values[ROUGE1.key], rouge2=values[ROUGE2.key], rougeL=values[ROUGEL.key]
    )


def _behaviour(tracker: MetricsTracker) -> BehaviourSummary:
    codes = tracker.codes
    every = [code for agent_codes in codes.values() for code in agent_codes]
    levels = Counter(int(code["COMP_level"]) for code in every if code["COMP"])
    return BehaviourSummary(
        coder="rules",
        messages=len(every),
        profiles={agent: dict(zip(TRAITS, p, strict=True)) for agent, p in profiles(codes).items()},
        profile_similarity=profile_similarity(profiles(codes)),
        any_trait_share=any_trait_share(every),
        comp_events={f"L{level}": levels.get(level, 0) for level in (1, 2, 3)},
        kruskal=kruskal_by_flag(codes),
    )


def _mean(values: Sequence[float]) -> float | None:
    return float(np.mean(values)) if values else None
