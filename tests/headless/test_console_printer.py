"""The headless console: each turn's text under its own header, live when turns take turns."""

from __future__ import annotations

import io
import re
from pathlib import Path

from convscope.core.agents import AgentSpec
from convscope.core.config import SessionConfig
from convscope.core.engine import Engine
from convscope.core.events import (
    Event,
    MetricsUpdated,
    SessionEnded,
    StreamReset,
    TokenDelta,
    TurnCompleted,
    TurnFailed,
    TurnStarted,
)
from convscope.core.records import Turn
from convscope.headless.console_printer import ConsolePrinter
from convscope.headless.runner import run_headless
from convscope.sessions.store import SessionStore
from tests.core.engine_support import scripted_config
from tests.sessions.builders import control_event

HEADER = re.compile(r"^\[round (\d+)\] (\S+) \(")


def reply(name: str) -> str:
    return f"{name} holds that {name} was right all along, word after word."


def headers_and_the_line_after(output: str) -> list[tuple[str, str, str]]:
    """(round, nickname, the line right after the header) for every turn header."""
    lines = output.splitlines()
    return [
        (match[1], match[2], lines[position + 1])
        for position, line in enumerate(lines)
        if (match := HEADER.match(line))
    ]


async def test_simultaneous_turns_each_print_whole_under_their_own_header(tmp_path: Path) -> None:
    names = ["Agent-A", "Agent-B", "Agent-C", "Agent-D"]
    agents = tuple(
        # a pause before every word, so that the round's four turns stream at the same time
        AgentSpec(id=f"a{i}", nickname=name, provider=f"scripted:text:{reply(name)}?delay=0.002")
        for i, name in enumerate(names)
    )
    config = SessionConfig(
        protocol="network",
        rounds=2,
        agents=agents,
        options={"graph": "complete", "topic": "Vaping", "scorer": "pattern"},
    )
    out = io.StringIO()
    await run_headless(config, store=SessionStore(tmp_path / "store"), file=out)

    printed = headers_and_the_line_after(out.getvalue())
    assert sorted((r, name) for r, name, _ in printed) == [(str(r), n) for r in range(2) for n in names]
    assert all(line == reply(name) for _, name, line in printed), out.getvalue()


async def test_turn_taking_turns_print_every_token_as_it_arrives() -> None:
    out = io.StringIO()
    engine = Engine(scripted_config("one two three four", "five six seven eight", rounds=2))
    engine.subscribe(ConsolePrinter(out))
    tokens: list[str] = []

    def token_already_printed(event: Event) -> None:  # called just after the printer saw the event
        if isinstance(event, TokenDelta):
            tokens.append(event.text)
            assert out.getvalue().endswith(event.text)

    engine.subscribe(token_already_printed)
    await engine.run()
    assert len(tokens) == 16
    assert [line for _, _, line in headers_and_the_line_after(out.getvalue())] == [
        "one two three four",
        "five six seven eight",
    ] * 2


def completed(index: int, nickname: str) -> TurnCompleted:
    return TurnCompleted(
        Turn(index=index, round=0, agent_id=nickname, nickname=nickname, model="m", started_at=0, ended_at=0)
    )


def printed(events: list[Event]) -> list[str]:
    """The lines a printer writes for ``events``."""
    out = io.StringIO()
    printer = ConsolePrinter(out)
    for event in events:
        printer(event)
    return out.getvalue().splitlines()


def test_a_turn_held_back_and_retried_prints_its_retry_and_only_the_text_after_it() -> None:
    events: list[Event] = [
        TurnStarted(0, 0, "A", "A", "m"),
        TurnStarted(1, 0, "B", "B", "m"),
        TokenDelta(1, "B", "lost words"),
        StreamReset(1, "B", 2, "rate limited", 0.0),
        TokenDelta(1, "B", "kept words"),
        TokenDelta(0, "A", "A speaks"),
        completed(1, "B"),  # while A still owns the console
        TokenDelta(0, "A", " on"),
        completed(0, "A"),
    ]
    assert printed(events) == [
        "",
        "[round 0] A (m)",
        "A speaks on",
        "",
        "[round 0] B (m)",
        "↻ retry 2: rate limited",
        "kept words",
    ]


def test_turns_still_running_when_the_session_ends_print_what_they_had_marked_cut_short() -> None:
    events: list[Event] = [
        TurnStarted(0, 0, "A", "A", "m"),
        TurnStarted(1, 0, "B", "B", "m"),
        TokenDelta(0, "A", "A half"),
        TokenDelta(1, "B", "B half"),
        SessionEnded("stopped"),
    ]
    assert printed(events) == [
        "",
        "[round 0] A (m)",
        "A half [cut short]",
        "",
        "[round 0] B (m)",
        "B half [cut short]",
        "",
        "session stopped",
    ]


async def test_interventions_print_as_the_chat_describes_them_with_the_agents_names() -> None:
    engine = Engine(scripted_config("x", "y", rounds=1))
    out = io.StringIO()
    engine.subscribe(ConsolePrinter(out))

    def intervene(event: Event) -> None:
        if isinstance(event, TurnCompleted) and event.turn.index == 0:
            engine.rename("a1", "Zed")
            engine.inject_failure("a1", "decommissioned")

    engine.subscribe(intervene)
    await engine.run()

    lines = out.getvalue().splitlines()
    assert "· Agent-B renamed to Zed (before turn 1)" in lines
    assert "· failure injected into Zed: decommissioned (before turn 1)" in lines


def test_a_turn_that_failed_after_retries_prints_the_error_then_what_retrying_cost() -> None:
    failed = Turn(
        index=0, round=0, agent_id="A", nickname="A", model="m", started_at=10.0, ended_at=18.0,
        error="Error code: 503 - down", error_kind="transient", retries=3,
    )  # fmt: skip

    assert printed([TurnStarted(0, 0, "A", "A", "m"), TurnFailed(failed)])[-1] == (
        "⚠ Error code: 503 - down  (gave up after 4 attempts in 8.0 s)"
    )


def test_the_provider_spec_retry_reasons_and_controls_print_without_terminal_escapes() -> None:
    hostile = "openai-compatible:http://h/v1#m\x1b]0;pwned\x07\x9b2J"
    events: list[Event] = [
        TurnStarted(0, 0, "A", "A", hostile),
        StreamReset(0, "A", 2, "server said \x1b[31mno\x85", 0.0),
        completed(0, "A"),
        control_event("renamed", 1, agent_id="a", name="B\x1b[2J\x9d", previous="Ada"),
    ]
    assert printed(events) == [
        "",
        "[round 0] A (openai-compatible:http://h/v1#m2J)",
        "",
        "↻ retry 2: server said no",
        "",
        "· Ada renamed to B (before turn 1)",
    ]


def test_a_rounds_measures_arriving_while_the_next_turn_streams_print_after_that_turn() -> None:
    """The metrics worker reports round 0 while round 1's first turn is already streaming."""
    measures = {"round": 0, "rouge1": 0.5, "rouge2": 0.25, "rougeL": 0.5, "confidence.mean": 0.75}
    events: list[Event] = [
        TurnStarted(0, 0, "A", "A", "m"),
        TokenDelta(0, "A", "first"),
        completed(0, "A"),
        TurnStarted(1, 1, "A", "A", "m"),
        TokenDelta(1, "A", "second"),
        MetricsUpdated(None, 0, measures),
        TokenDelta(1, "A", " words"),
        completed(1, "A"),
    ]
    assert printed(events)[4:] == [
        "[round 1] A (m)",
        "second words",
        "round 0 · ROUGE-1/2/L 0.500/0.250/0.500 · confidence +0.750 · loop: 0 converged steps",
    ]


async def test_a_persons_message_prints_under_its_nickname_and_addressee_between_the_turns() -> None:
    engine = Engine(scripted_config("x", "y", rounds=1))
    out = io.StringIO()
    engine.subscribe(ConsolePrinter(out, engine.names))
    engine.subscribe(
        lambda event: (
            engine.say("Only you, B.", speaker="Ada", to="a1")
            if isinstance(event, TurnCompleted) and event.turn.index == 0
            else None
        )
    )
    await engine.run()

    lines = out.getvalue().splitlines()
    at = lines.index("[round 0] Ada → Agent-B (person)")
    assert lines[at + 1] == "Only you, B."
    assert lines.index("x") < at < lines.index("y")  # between Agent-A's turn and Agent-B's


def test_an_interrupted_turn_prints_its_text_then_the_mark() -> None:
    cut = Turn(
        index=0, round=0, agent_id="A", nickname="A", model="m", started_at=1.0, ended_at=2.0,
        text="half a", cut_by="interrupt",
    )  # fmt: skip
    assert printed([TurnStarted(0, 0, "A", "A", "m"), TokenDelta(0, "A", "half a"), TurnCompleted(cut)])[
        -1
    ] == ("half a [interrupted]")
