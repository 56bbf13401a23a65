"""Headless sessions: the engine, the session writer and a live console printer, no TUI."""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.text import Text

from convscope.core.config import SessionConfig
from convscope.core.engine import Engine
from convscope.core.events import (
    ControlApplied,
    Event,
    MetricsUpdated,
    SessionEnded,
    StreamReset,
    TokenDelta,
    TurnCompleted,
    TurnFailed,
    TurnStarted,
)
from convscope.core.providers.local import wait_for_generation_threads
from convscope.core.text import terminal_safe
from convscope.core.tracking import tracker_for
from convscope.sessions.schema import SessionDocument
from convscope.sessions.store import SessionStore, SessionWriter


def _fmt(value: object) -> str:
    return f"{value:.2f}" if isinstance(value, float) else "n/a"


def round_line(values: dict[str, object]) -> str:
    """One line of a round's headline measures, for people watching a headless run."""
    loop = "LOOP" if values.get("loop.active") else f"{values.get('loop.converged_steps', 0)} converged steps"
    parts = [
        f"round {values['round']}",
        f"ROUGE-1/2/L {_fmt(values.get('rouge1'))}/{_fmt(values.get('rouge2'))}/{_fmt(values.get('rougeL'))}",
        f"confidence {_fmt(values.get('confidence.mean'))}",
        f"loop: {loop}",
    ]
    if values.get("disagreement.std") is not None:
        parts.append(f"disagreement STD {_fmt(values['disagreement.std'])}")
    if values.get("theory.lambda2") is not None:  # an opinion network: what DeGroot predicts
        parts.append(
            f"DeGroot |λ2| {_fmt(values['theory.lambda2'])}, halving {_fmt(values['theory.halving_time'])} "
            f"rounds, forecast {_fmt(values['theory.forecast'])}"
        )
    return " · ".join(parts)


class ConsolePrinter:
    """Prints the conversation as it streams; model text is printed literally."""

    def __init__(self, file: TextIO | None = None) -> None:
        self.console = Console(file=file, highlight=False, soft_wrap=True)

    def __call__(self, event: Event) -> None:
        match event:
            case TurnStarted():
                header = Text(f"\n[round {event.round}] ", style="dim")
                header.append(terminal_safe(event.nickname), style="bold cyan")
                header.append(f" ({event.model})", style="dim")
                self.console.print(header)
            case TokenDelta():
                self.console.print(Text(terminal_safe(event.text)), end="")
            case StreamReset():
                self.console.print(Text(f"\n↻ retry {event.attempt}: {event.reason}", style="yellow"))
            case TurnCompleted():
                self.console.print()
            case TurnFailed():
                self.console.print(Text(f"⚠ {terminal_safe(event.turn.error or '')}", style="bold red"))
            case ControlApplied():
                record = event.record
                detail = " ".join(str(x) for x in (record.agent_id, record.value) if x)
                self.console.print(Text(f"· {record.kind} {detail} (before turn {record.turn_index})", "dim"))
            case MetricsUpdated() if "round" in event.values:  # a round's snapshot, not a turn's
                self.console.print(Text(round_line(event.values), style="magenta"))
            case SessionEnded():
                self.console.print(Text(f"\nsession {event.reason}", style="bold"))


def engine_for(writer: SessionWriter, document: SessionDocument | None = None) -> Engine:
    """An engine recording into ``writer``; given a saved document, it continues it."""
    config = writer.document.config
    return Engine(
        config,
        transcript=document.turns if document else (),
        controls=document.controls if document else (),
        observers=[writer.on_event],
        metrics=tracker_for(config),  # the protocol's live tracker; embeddings are opt-in
    )


async def run_headless(
    config: SessionConfig,
    *,
    store: SessionStore | None = None,
    resume_id: str | None = None,
    file: TextIO | None = None,
) -> SessionWriter:
    """Run a new session (or continue ``resume_id``) to its end, printing it live."""
    store = store or SessionStore()
    if resume_id is None:
        writer, document = store.create(config), None
    else:
        document = store.load(resume_id)
        writer = store.open_writer(document.id)
    engine = engine_for(writer, document)
    engine.subscribe(ConsolePrinter(file))
    try:
        await engine.run()
    finally:
        writer.close()
        wait_for_generation_threads()  # Ctrl+C mid-turn: let torch finish its token before exit
    return writer
