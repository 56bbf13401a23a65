"""Every metric a session's snapshots can carry: its key, label, one-line help, format, which
way is better, the threshold it is held against, and whether turns or rounds report it.

The tracker (and a protocol's extra measures) compute the values; everything that shows one
(the TUI sidebar, the plots, the headless printer, ``analyze``, the HTML report) reads its
words and its format here, so a metric is named and explained once. A per-agent metric is
one pattern entry (``confidence.{agent}``), matched by :func:`metric`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from convscope.core.metrics.behaviour import TRAITS
from convscope.core.metrics.lexical import ROUGE_TYPES
from convscope.core.metrics.loops import DISTANCES

Scope = Literal["turn", "round"]
Better = Literal["higher", "lower", "neither"]
Unit = Literal["share", "score", "signed", "count", "flag", "turn", "rounds", "id", "cost"]
_TURN: frozenset[Scope] = frozenset({"turn"})
_ROUND: frozenset[Scope] = frozenset({"round"})
_BOTH: frozenset[Scope] = _TURN | _ROUND


def format_value(value: object) -> str:
    """Any measure as table text: n/a for missing, yes/no, three decimals."""
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


@dataclass(frozen=True)
class Metric:
    key: str  # as in a snapshot's values; "{agent}" in a per-agent pattern
    label: str  # a few words, for a table row, a chart legend or the headless printer
    short: str  # at most 9 characters, for a sidebar row
    help: str  # one line: what it measures and how to read it
    unit: Unit
    better: Better
    scopes: frozenset[Scope]
    family: str  # rouge, loop, behaviour...: the part of the key before its first dot, as a rule
    threshold: str | None = None  # the key of the threshold it is held against

    @property
    def standing_scope(self) -> Scope:
        """Where its value as a session stands is read: the round snapshots when it has them
        (the sidebar's value, a chart's points, a session's final value), else the turns'."""
        return "round" if "round" in self.scopes else "turn"

    @property
    def earliest_scope(self) -> Scope:
        """Where a change shows first: each turn's snapshot when it has one (what an alarm
        watches), else each round's."""
        return "turn" if "turn" in self.scopes else "round"

    def of(self, agent: str) -> str:
        """The concrete key of a per-agent metric."""
        return self.key.format(agent=agent)

    def format(self, value: object) -> str:
        """The value as this metric is shown: n/a when missing."""
        if value is None or isinstance(value, bool) or not isinstance(value, int | float):
            return format_value(value)
        match self.unit:
            case "signed":
                return f"{value:+.3f}"
            case "count" | "turn" | "id":
                return str(int(value))
            case "rounds":
                return f"{value:.2f}"
            case "cost":
                return f"{value:.4f}"
        return f"{value:.3f}"


def _family(key: str) -> str:
    return key.split(".", 1)[0]


def _m(
    key: str,
    label: str,
    help: str,
    unit: Unit,
    *,
    better: Better = "neither",
    scopes: frozenset[Scope] = _BOTH,
    short: str | None = None,
    threshold: str | None = None,
    family: str | None = None,
) -> Metric:
    return Metric(
        key, label, short or label[:9], help, unit, better, scopes, family or _family(key), threshold
    )


# -- identity of a snapshot (not measures, but saved in its values) --------------------------------
TURN_INDEX = _m("turn.index", "turn", "The turn's index in the session.", "id", scopes=_TURN)
TURN_ROUND = _m("turn.round", "round", "The round the turn belongs to.", "id", scopes=_TURN)
TURN_AGENT = _m("turn.agent_id", "agent", "The id of the agent that spoke.", "id", scopes=_TURN)
TURN_FAILED = _m(
    "turn.failed", "failed", "The turn failed: its text is an error, not measured.", "flag", scopes=_TURN
)
ROUND = _m("round", "round", "The round this snapshot closes.", "id", scopes=_ROUND)

# -- ROUGE between agents -------------------------------------------------------------------------
_ROUGE_HELP = {
    "rouge1": "shared words between the agents' last-round messages (mean F over pairs).",
    "rouge2": "shared word pairs between agents' last-round messages (mean F over pairs).",
    "rougeL": "longest common word sequence between agents' messages (mean F over pairs).",
}
ROUGE = tuple(
    _m(kind, f"ROUGE-{kind[5:]}", f"ROUGE-{kind[5:]}: {_ROUGE_HELP[kind]}", "share", family="rouge")
    for kind in ROUGE_TYPES
)
ROUGE1, ROUGE2, ROUGEL = ROUGE
ROUGE_PAIRS = _m(
    "rouge.pairs", "ROUGE pairs", "How many pairs of agents' outputs the ROUGE means are over.", "count"
)

# -- confidence ---------------------------------------------------------------------------------
_CONFIDENCE_HELP = "Confidence: (certainty cues - hedging cues) per word in the agent's last message."
CONFIDENCE_AGENT = _m("confidence.{agent}", "confidence", _CONFIDENCE_HELP, "signed")
CONFIDENCE_MEAN = _m("confidence.mean", "mean confidence", _CONFIDENCE_HELP + " Mean over agents.", "signed")

# -- loops (the relay paper) -----------------------------------------------------------------------
_DISTANCE_WORDS = {  # label, short, what it measures, how to read it
    "bleu": ("BLEU distance", "BLEU d", "BLEU distance (1 - BLEU/100)", "at or under threshold: repeating"),
    "jaccard": (
        "Jaccard distance",
        "Jaccard d",
        "Jaccard distance between word sets",
        "low = same vocabulary",
    ),
    "coherence_change": (
        "coherence change",
        "coher Δ",
        "Change in unique-word share",
        "vetoes sudden shifts",
    ),
    "cosine": ("cosine distance", "cosine d", "Cosine distance of MiniLM embeddings", "needs embeddings"),
}
LOOP_THRESHOLD = {
    name: _m(
        f"loop.thresholds.{name}",
        f"{_DISTANCE_WORDS[name][0]} threshold",
        f"A step converges when its {_DISTANCE_WORDS[name][0]} is at or under this.",
        "score",
    )
    for name in DISTANCES
}
LOOP_MIN_STEPS = _m(
    "loop.thresholds.min_steps", "loop min steps", "Converged steps in a row that make a loop.", "count"
)
LOOP_DISTANCE = {
    name: _m(
        f"loop.{name}",
        _DISTANCE_WORDS[name][0],
        f"{_DISTANCE_WORDS[name][2]} from the previous output; {_DISTANCE_WORDS[name][3]}.",
        "score",
        better="higher",
        scopes=_TURN,
        short=_DISTANCE_WORDS[name][1],
        threshold=LOOP_THRESHOLD[name].key,
    )
    for name in DISTANCES
}
LOOP_OWN_DISTANCE = {
    name: _m(
        f"loop.own.{name}",
        f"{_DISTANCE_WORDS[name][0]} (own)",
        f"{_DISTANCE_WORDS[name][2]} from the same agent's previous output; {_DISTANCE_WORDS[name][3]}.",
        "score",
        better="higher",
        scopes=_TURN,
        threshold=LOOP_THRESHOLD[name].key,
    )
    for name in DISTANCES
}
LOOP_CONVERGED = _m(
    "loop.converged",
    "converged",
    "The latest step had every distance under its threshold.",
    "flag",
    better="lower",
    scopes=_TURN,
)
LOOP_CONVERGED_STEPS = _m(
    "loop.converged_steps",
    "converged steps",
    "Consecutive steps with every distance under threshold; a loop needs min steps.",
    "count",
    better="lower",
    threshold=LOOP_MIN_STEPS.key,
)
LOOP_DETECTED = _m(
    "loop.detected",
    "loop detected",
    "A loop: min steps or more consecutive converged steps (the relay paper), from its first turn.",
    "flag",
    better="lower",
)
LOOP_ACTIVE = _m(
    "loop.active", "looping now", "The conversation is in a loop at this point.", "flag", better="lower"
)
LOOP_ONSET = _m("loop.onset_turn", "loop onset (turn)", "The turn where the first loop started.", "turn")

# -- opinions (the opinion-network paper) ----------------------------------------------------------
OPINION_SCORE = _m(
    "opinion.score",
    "opinion score",
    "This answer's opinion on the topic, from 0 (against) to 1 (for).",
    "share",
    scopes=_TURN,
)
DISAGREEMENT = _m(
    "disagreement.std",
    "disagreement STD",
    "Disagreement: population STD of the agents' opinion scores in the round.",
    "score",
    short="STD",
)
THEORY_LAMBDA2 = _m(
    "theory.lambda2",
    "DeGroot |λ2|",
    "Second eigenvalue modulus of the network: how slowly it agrees.",
    "score",
    scopes=_ROUND,
)
THEORY_HALVING = _m(
    "theory.halving_time",
    "DeGroot halving time",
    "Rounds DeGroot takes to halve the disagreement.",
    "rounds",
    scopes=_ROUND,
)
THEORY_FORECAST = _m(
    "theory.forecast",
    "DeGroot forecast",
    "The opinion DeGroot predicts the network agrees on.",
    "share",
    scopes=_ROUND,
)

# -- stability between rounds (the coding-panel paper) ---------------------------------------------
STABILITY_IDENTICAL = _m(
    "stability.identical",
    "repeating verbatim",
    "Share of agents whose message is identical to their previous round's.",
    "share",
    scopes=_ROUND,
)
STABILITY_RETENTION = _m(
    "stability.retention",
    "token retention",
    "Mean share of an agent's words kept from its previous round's message.",
    "share",
    scopes=_ROUND,
)

# -- behaviour (the War Room paper, rules coder) ---------------------------------------------------
_FLAG_HELP = {
    "PHATIC": "under 15 words and no substantive content",
    "META": "comments on the conversation itself",
    "LEAD": "assigns a task to a named agent other than the speaker",
    "ARCH": "names two or more specific technologies or tools",
    "AGREE": "names another agent and agrees with it",
    "COMP": "refers specifically to the crashed agent (compensation)",
}
BEHAVIOUR_FLAG = {
    flag: _m(
        f"behaviour.{flag}",
        flag,
        f"{flag}: {_FLAG_HELP[flag]}; a turn's flag, a round's share of messages.",
        "share",
        scopes=_BOTH if flag in TRAITS else _TURN,  # COMP reacts to a crash: no round share
    )
    for flag in _FLAG_HELP
}
BEHAVIOUR_COMP_LEVEL = _m(
    "behaviour.COMP_level",
    "COMP level",
    "1 notes the crashed agent's absence, 2 takes over its work, 3 redistributes it (0: none).",
    "count",
    scopes=_TURN,
)
BEHAVIOUR_XREF = _m(
    "behaviour.has_xref", "names another agent", "The message names another agent.", "flag", scopes=_TURN
)
BEHAVIOUR_ANY = _m(
    "behaviour.any_share",
    "any-trait share",
    "Share of the round's messages showing at least one behaviour trait.",
    "share",
    scopes=_ROUND,
)
PROFILE_SIMILARITY = _m(
    "profile.similarity",
    "profile similarity",
    "How alike the agents' behaviour profiles are (mean pairwise cosine, 0-1).",
    "share",
    scopes=_ROUND,
)

# -- usage (what the providers reported) and its cost (the config's [prices]) ----------------------
_REPORTED = "as the providers reported them (n/a when none did)"
TOKENS_TOTAL = _m(
    "tokens.total",
    "tokens",
    f"Tokens used so far, prompt and completion, {_REPORTED}.",
    "count",
    short="tokens",
)
TOKENS_PROMPT = _m("tokens.prompt", "prompt tokens", f"Prompt tokens sent so far, {_REPORTED}.", "count")
TOKENS_COMPLETION = _m(
    "tokens.completion", "completion tokens", f"Completion tokens received so far, {_REPORTED}.", "count"
)
TOKENS_AGENT = _m(
    "tokens.agent.{agent}", "tokens", f"This agent's tokens so far, {_REPORTED}.", "count", short="tokens"
)
_PRICED = "at the config's [prices] per million tokens"
COST_TOTAL = _m("cost.total", "cost", f"What the session's tokens cost so far, {_PRICED}.", "cost")
COST_AGENT = _m("cost.agent.{agent}", "cost", f"What this agent's tokens cost so far, {_PRICED}.", "cost")

CATALOGUE: tuple[Metric, ...] = (
    TURN_INDEX, TURN_ROUND, TURN_AGENT, TURN_FAILED, ROUND,
    *ROUGE, ROUGE_PAIRS, CONFIDENCE_AGENT, CONFIDENCE_MEAN,
    *LOOP_DISTANCE.values(), *LOOP_OWN_DISTANCE.values(), *LOOP_THRESHOLD.values(), LOOP_MIN_STEPS,
    LOOP_CONVERGED, LOOP_CONVERGED_STEPS, LOOP_DETECTED, LOOP_ACTIVE, LOOP_ONSET,
    OPINION_SCORE, DISAGREEMENT, THEORY_LAMBDA2, THEORY_HALVING, THEORY_FORECAST,
    STABILITY_IDENTICAL, STABILITY_RETENTION,
    *BEHAVIOUR_FLAG.values(), BEHAVIOUR_COMP_LEVEL, BEHAVIOUR_XREF, BEHAVIOUR_ANY, PROFILE_SIMILARITY,
    TOKENS_TOTAL, TOKENS_PROMPT, TOKENS_COMPLETION, TOKENS_AGENT, COST_TOTAL, COST_AGENT,
)  # fmt: skip
TRAIT_METRICS = tuple(BEHAVIOUR_FLAG[flag] for flag in TRAITS)
IDENTITY = frozenset({TURN_INDEX, TURN_ROUND, TURN_AGENT, TURN_FAILED, ROUND})

_BY_KEY = {entry.key: entry for entry in CATALOGUE if "{" not in entry.key}
_PATTERNS = [
    (re.compile(re.escape(entry.key).replace(r"\{agent\}", r"[^.]+") + "$"), entry)
    for entry in CATALOGUE
    if "{" in entry.key
]


def metric(key: str) -> Metric | None:
    """The catalogue entry of a snapshot key (a per-agent key finds its pattern); None for a
    key the catalogue does not know (a session saved by another version)."""
    found = _BY_KEY.get(key)
    if found is not None:
        return found
    return next((entry for pattern, entry in _PATTERNS if pattern.match(key)), None)


def label(key: str) -> str:
    """A key's label, or the key itself when the catalogue does not know it."""
    found = metric(key)
    return key if found is None else found.label


def metrics(scope: Scope) -> Iterator[Metric]:
    """The measures a turn's (or a round's) snapshot reports, identity left out."""
    return (entry for entry in CATALOGUE if scope in entry.scopes and entry not in IDENTITY)
