"""One session, one set of numbers: for every protocol, the metrics a headless run saved live,
a replay's recomputation (what the replay screen and the plots use) and ``convscope analyze
--json`` give the same per-round series.

Each scripted agent says something different in every round (and, in a coding panel, in its
codes and its summaries), so that a consumer measuring the wrong turns, or with the wrong
tracker, gets different numbers. The same holds with a person's message in the session: a
consumer that measured it as an agent's output would disagree with the others.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from convscope.cli import main
from convscope.core.config_files import load_config
from convscope.core.events import Event, TurnCompleted
from convscope.plotdata.points import recompute_points
from convscope.runtime.session import SessionRuntime
from convscope.sessions.schema import SessionDocument
from convscope.sessions.store import SessionStore


def _replies(folder: Path, name: str, replies: Sequence[str]) -> str:
    path = folder / f"{name}.txt"
    path.write_text("\n\n".join(replies), encoding="utf-8")
    return f"scripted:file:{path}"


def _agents(providers: Sequence[str]) -> str:
    return "\n".join(
        f'[[agents]]\nid = "a{i}"\nnickname = "Agent-{chr(65 + i)}"\nprovider = "{provider}"\n'
        for i, provider in enumerate(providers)
    )


def group_chat(folder: Path) -> str:
    speakers = [
        ["I will design the API first.", "The API needs a budget, Agent-B.", "I agree, ship it on Monday."],
        ["I take the budget and the venue.", "The budget is fine for the API.", "Monday works, I agree."],
        ["Who handles the music?", "I can book the band for the venue.", "Let us ship it on Monday then."],
    ]
    providers = [_replies(folder, f"g{i}", texts) for i, texts in enumerate(speakers)]
    return 'protocol = "group_chat"\nrounds = 3\nbrief = "Plan a festival."\n' + _agents(providers)


def relay(folder: Path) -> str:
    speakers = [
        ["The cat sat on the warm mat.", "A dog sat on the cold mat.", "The dog slept all day."],
        ["The cat sat on a mat by the fire.", "A dog and a cat on the mat.", "All day long the dog slept."],
    ]
    providers = [_replies(folder, f"r{i}", texts) for i, texts in enumerate(speakers)]
    return 'protocol = "relay"\nrounds = 5\nbrief = "The cat sat on the mat."\n' + _agents(providers)


def coding(folder: Path) -> str:
    """Codes that share a word or two between agents, summaries that share most of theirs: a
    panel measured on its summaries would report ROUGE that its codes do not have."""
    codes = [
        ["parking loss downtown", "lost parking", "parking loss for shops"],
        ["council ignored shopkeepers downtown", "ignored shopkeepers", "shops ignored"],
        ["cycling progress", "progress for cyclists and parking", "cycling progress"],
    ]
    summaries = ["I summarised the comment as a code.", "I refined my code about the comment."]
    providers = [
        _replies(folder, f"c{i}", [codes[i][0], summaries[0], codes[i][1], summaries[1], codes[i][2]])
        for i in range(3)
    ]
    return 'protocol = "coding"\nrounds = 3\nbrief = "My shop lost its parking to bike lanes."\n' + _agents(
        providers
    )


def network(folder: Path) -> str:
    options = '[options]\ngraph = "ring"\nscorer = "pattern"\ntopic = "Tea"\n'
    options += 'initial = ["for", "against", "neutral", "for"]\n'
    return 'protocol = "network"\nrounds = 4\nseed = 3\n' + options + _agents(["degroot:4"] * 4)


PROTOCOLS: dict[str, Callable[[Path], str]] = {
    "group_chat": group_chat,
    "relay": relay,
    "coding": coding,
    "network": network,
}


def run_headless(folder: Path, protocol: str, capsys: pytest.CaptureFixture[str]) -> SessionDocument:
    config = folder / "session.toml"
    config.write_text(f'title = "{protocol}"\n' + PROTOCOLS[protocol](folder), encoding="utf-8")
    assert main(["run", str(config), "--headless"]) == 0, capsys.readouterr().err
    capsys.readouterr()
    [summary] = SessionStore().list()
    document = SessionStore().load(summary.id)
    assert document.status == "finished"
    return document


def analyzed(session_id: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["analyze", session_id, "--json"]) == 0
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result


def rouge_series(rounds: Sequence[dict[str, Any]]) -> list[list[Any]]:
    return [[r["round"], r["rouge1"], r["rouge2"], r["rougeL"]] for r in rounds]


def rounds_agree(
    document: SessionDocument, capsys: pytest.CaptureFixture[str]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Asserts that the live round snapshots, their recomputation and ``analyze --json``'s
    are the same, one per round; returns the live values and the analysis."""
    live = [point.values for point in document.metrics if point.is_round]
    replayed = [point.values for point in recompute_points(document) if point.is_round]
    summary = analyzed(document.id, capsys)
    assert len(live) == document.config.rounds
    assert replayed == live
    assert [point["values"] for point in summary["by_round"]] == live
    return live, summary


@pytest.mark.parametrize("protocol", list(PROTOCOLS))
def test_live_replay_and_analyze_give_the_same_round_series(
    protocol: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = run_headless(tmp_path, protocol, capsys)
    live, summary = rounds_agree(document, capsys)
    assert rouge_series(summary["rouge"]["by_round"]) == rouge_series(live)
    assert any(r["rouge1"] for r in live)  # the series says something: not all zero


def run_with_a_message(folder: Path, protocol: str) -> SessionDocument:
    """The protocol's session, run through the session runtime, with a person's message (one
    whose words the agents use) said once turn 1 has ended (at the next boundary: after the
    network's first round)."""
    config = folder / "session.toml"
    config.write_text(f'title = "{protocol}"\n' + PROTOCOLS[protocol](folder), encoding="utf-8")
    runtime = SessionRuntime.start(load_config(str(config)))

    def say_once(event: Event) -> None:
        if isinstance(event, TurnCompleted) and event.turn.index == 1:
            runtime.engine.say("The budget is fine, ship the API on Monday.")

    runtime.subscribe(say_once)
    asyncio.run(runtime.run())
    document = SessionStore().load(runtime.session_id)
    assert document.status == "finished"
    assert sum(turn.human for turn in document.turns) == 1
    return document


@pytest.mark.parametrize("protocol", list(PROTOCOLS))
def test_a_human_turn_leaves_live_replay_and_analyze_agreeing(
    protocol: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = run_with_a_message(tmp_path, protocol)
    rounds_agree(document, capsys)
    live_turns = [(p.turn_index, p.values) for p in document.metrics if not p.is_round]
    assert live_turns == [(p.turn_index, p.values) for p in recompute_points(document) if not p.is_round]
    [human] = [turn for turn in document.turns if turn.human]
    identity = {"turn.index": human.index, "turn.round": human.round, "turn.agent_id": "@human"}
    assert (human.index, identity) in live_turns
