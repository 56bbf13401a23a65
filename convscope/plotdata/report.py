"""A whole session, or a whole corpus, as the charts and tables of a report.

The session's metrics are its points (saved, or recomputed by its protocol's tracker);
the summary table is ``session_summary``'s, so the report says what ``convscope analyze``
says. Embedding charts are optional: they load the MiniLM model and encode every utterance.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from convscope.core.metrics import catalogue as m
from convscope.core.metrics.catalogue import format_value
from convscope.core.metrics.embeddings import Embedder, default_embedder
from convscope.core.metrics.summary import session_summary
from convscope.core.metrics.summary_model import MetricsSummary
from convscope.core.metrics.tokenize import words
from convscope.core.metrics.twonn import twonn
from convscope.core.protocols import protocol_class
from convscope.plotdata.embedding import influence_heatmap, projection_scatter
from convscope.plotdata.model import Chart, LineChart, Plots, Table
from convscope.plotdata.points import session_points
from convscope.plotdata.session import (
    behaviour_chart,
    confidence_chart,
    disagreement_chart,
    distance_chart,
    profile_chart,
    rouge_chart,
    stability_chart,
)
from convscope.sessions.saved_measures import recorded_scores
from convscope.sessions.schema import SessionDocument


def summary_table(summary: MetricsSummary, extra: Mapping[str, Any]) -> Table:
    facts, loop = summary.session, summary.loop
    final = summary.rouge.final
    rows: dict[str, Any] = {
        "protocol": facts.protocol,
        "agents": facts.agents,
        "rounds": facts.rounds,
        "turns (failed)": f"{facts.turns} ({facts.failed_turns})",
        **{f"final {entry.label}": None if final is None else getattr(final, entry.key) for entry in m.ROUGE},
        m.CONFIDENCE_MEAN.label: summary.confidence.mean,
        m.LOOP_DETECTED.label: loop.detected,
        m.LOOP_ONSET.label: loop.onset_turn,
        m.LOOP_CONVERGED_STEPS.label: f"{loop.steps_converged} of {loop.steps}",
    }
    behaviour = summary.behaviour
    if behaviour:
        rows[m.PROFILE_SIMILARITY.label] = behaviour.profile_similarity
        rows[m.BEHAVIOUR_ANY.label] = behaviour.any_trait_share
        rows["COMP events (L1/L2/L3)"] = "/".join(str(n) for n in behaviour.comp_events.values())
    rows.update(extra)
    return Table("Summary", ["measure", "value"], [[key, format_value(value)] for key, value in rows.items()])


def agents_table(summary: MetricsSummary, names: Mapping[str, str]) -> Table:
    confidence, stability, consistency = (
        summary.confidence.by_agent,
        summary.stability,
        summary.self_consistency,
    )
    rows = [
        [
            name,
            format_value(confidence.get(agent)),
            format_value(stability[agent].retention if agent in stability else None),
            format_value(consistency.get(agent)),
        ]
        for agent, name in names.items()
        if agent in confidence or agent in stability
    ]
    headers = ["agent", "confidence", m.STABILITY_RETENTION.label, "TF-IDF self-consistency"]
    return Table("Agents", headers, rows)


def messages_table(document: SessionDocument) -> Table | None:
    """The person's messages (turn, round, who, to whom, what); None when there were none."""
    names = {agent.id: agent.nickname for agent in document.config.agents}
    rows = [
        [
            str(turn.index),
            str(turn.round),
            turn.nickname,
            names.get(turn.to, turn.to) if turn.to else "all",
            turn.text,
        ]
        for turn in document.turns
        if turn.human
    ]
    return Table("Messages from people", ["turn", "round", "from", "to", "message"], rows) if rows else None


def session_plots(
    document: SessionDocument, *, embeddings: bool = False, embedder: Embedder | None = None
) -> Plots:
    """Every chart of one session; ``embeddings`` adds cosine loop distances, the influence
    heatmap, the projection and the TwoNN dimension."""
    names = {agent.id: agent.nickname for agent in document.config.agents}
    points = session_points(document, semantic=embeddings)
    group = protocol_class(document.config).measures.behaviour
    charts: list[Chart] = [rouge_chart(points), confidence_chart(points, names)]
    if group:
        charts.append(behaviour_chart(points))
    charts += [stability_chart(points), distance_chart(points, "previous"), distance_chart(points, "own")]
    disagreement = disagreement_chart(points)
    if disagreement is not None:
        charts.append(disagreement)
    extra: dict[str, Any] = {}
    if embeddings:
        spoken = [turn for turn in document.turns if not turn.failed and not turn.human and words(turn.text)]
        vectors = (embedder or default_embedder()).encode([turn.text for turn in spoken])
        charts += [
            c
            for c in (influence_heatmap(spoken, vectors, names), projection_scatter(spoken, vectors, names))
            if c
        ]
        estimate = twonn(np.asarray(vectors))
        extra["intrinsic dimension (TwoNN)"] = estimate.dimension
        extra["duplicate utterances removed"] = f"{100 * estimate.duplicate_share:.1f}%"
    if group:
        charts.append(profile_chart(points, names))
    charts = [c for c in charts if not (isinstance(c, LineChart) and c.empty)]
    summary = session_summary(
        document.config, document.turns, controls=document.controls, recorded_scores=recorded_scores(document)
    )
    tables = [summary_table(summary, extra), agents_table(summary, names)]
    messages = messages_table(document)
    if messages is not None:
        tables.append(messages)
    subtitle = f"{document.id} · {document.status} · {len(document.turns)} turns"
    return Plots(document.config.title, subtitle, charts, tables)
