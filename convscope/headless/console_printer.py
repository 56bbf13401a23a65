"""The headless run's console: the conversation as it streams, and each round's measures.

Turn-taking sessions stream one turn at a time, printed token by token under its header.
Simultaneous turns (an opinion-network round) would interleave their tokens under a pile
of headers, so only one turn owns the console at a time: the others keep their text until
it is free, then print whole, and the last one still running streams live again.
Lines of convscope's own (a round's measures, a command) never cut into a turn's text:
the metrics of a round arrive while the next turn streams, so they wait for its end.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TextIO

from rich.console import Console
from rich.text import Text

from convscope.core.controls import describe
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
from convscope.core.human import INTERRUPTED, speaker_label
from convscope.core.metrics import catalogue as m
from convscope.core.providers.retry import gave_up_note
from convscope.core.text import terminal_safe


def round_line(round_index: int, values: Mapping[str, object]) -> str:
    """One line of a round's headline measures, for people watching a headless run; each
    value written as the catalogue writes it (as the sidebar shows it)."""
    steps = values.get(m.LOOP_CONVERGED_STEPS.key, 0)
    loop = "LOOP" if values.get(m.LOOP_ACTIVE.key) else f"{steps} {m.LOOP_CONVERGED_STEPS.label}"
    rouge = "/".join(entry.format(values.get(entry.key)) for entry in m.ROUGE)
    parts = [
        f"round {round_index}",
        f"ROUGE-1/2/L {rouge}",
        f"confidence {m.CONFIDENCE_MEAN.format(values.get(m.CONFIDENCE_MEAN.key))}",
        f"loop: {loop}",
    ]
    if values.get(m.DISAGREEMENT.key) is not None:
        parts.append(f"{m.DISAGREEMENT.label} {m.DISAGREEMENT.format(values[m.DISAGREEMENT.key])}")
    if values.get(m.THEORY_LAMBDA2.key) is not None:  # an opinion network: what DeGroot predicts
        theory = (m.THEORY_LAMBDA2, m.THEORY_HALVING, m.THEORY_FORECAST)
        parts.append(", ".join(f"{entry.label} {entry.format(values.get(entry.key))}" for entry in theory))
    return " · ".join(parts)


@dataclass
class _HeldTurn:
    """A turn not yet wholly printed: what it has to show, and the line that ends it once it has ended."""

    header: Text
    notes: list[Text] = field(default_factory=list)  # retries, in order
    parts: list[str] = field(default_factory=list)  # text streamed since the last retry
    ending: Text | None = None


class ConsolePrinter:
    """Prints the conversation as it streams; model text is printed literally."""

    def __init__(self, file: TextIO | None = None, names: Mapping[str, str] | None = None) -> None:
        self.console = Console(file=file, highlight=False, soft_wrap=True)
        self._turns: dict[int, _HeldTurn] = {}  # turn index -> turn started and not wholly printed
        self._ended: list[int] = []  # turns that ended while another owned the console, in that order
        self._live: int | None = None  # the turn that owns the console: its tokens print as they come
        self._waiting: list[Text] = []  # our own lines that came while a turn owned the console
        self._names = dict(names or {})  # agent id -> its name now, for whom a person addressed

    def __call__(self, event: Event) -> None:
        match event:
            case TurnStarted():
                header = Text(f"\n[round {event.round}] ", style="dim")
                header.append(terminal_safe(event.nickname), style="bold cyan")
                header.append(f" ({terminal_safe(event.model)})", style="dim")
                self._turns[event.turn_index] = _HeldTurn(header)
                self._settle()
            case TokenDelta():
                if event.turn_index == self._live:
                    self.console.print(Text(terminal_safe(event.text)), end="")
                else:
                    self._turns[event.turn_index].parts.append(event.text)
            case StreamReset():
                note = Text(f"↻ retry {event.attempt}: {terminal_safe(event.reason)}", style="yellow")
                if event.turn_index == self._live:
                    self.console.print(Text("\n") + note)
                else:
                    held = self._turns[event.turn_index]
                    held.notes.append(note)
                    held.parts.clear()
            case TurnCompleted(turn=turn) if turn.human:  # a person's message: no stream to end
                line = Text(f"\n[round {turn.round}] ", style="dim")
                line.append(terminal_safe(speaker_label(turn, self._names)), style="bold magenta")
                self._say(line.append(f" (person)\n{terminal_safe(turn.text)}"))
            case TurnCompleted(turn=turn):
                self._end(
                    turn.index, Text(f" [{INTERRUPTED}]", style="yellow") if turn.interrupted else Text()
                )
            case TurnFailed():
                turn = event.turn
                ending = Text(f"⚠ {terminal_safe(turn.error or '')}", style="bold red")
                if turn.retries:  # convscope's bookkeeping: for the person, never in the agents' chat
                    ending.append(f"  ({gave_up_note(turn.retries, turn.ended_at - turn.started_at)})", "dim")
                self._end(turn.index, ending)
            case ControlApplied():
                self._names = dict(event.roster.names)
                text = terminal_safe(describe(event.record, event.roster.names))
                self._say(Text(f"· {text} (before turn {event.record.turn_index})", "dim"))
            case MetricsUpdated(turn_index=None):  # a round's snapshot, not a turn's
                self._say(Text(round_line(event.round, event.values), style="magenta"))
            case SessionEnded():
                self._cut_short()
                detail = f": {terminal_safe(event.detail)}" if event.detail else ""
                self.console.print(Text(f"\nsession {event.reason}{detail}", style="bold"))

    def _say(self, line: Text) -> None:
        """Print a line of ours now if no turn owns the console, else once that turn has ended."""
        if self._live is None:
            self.console.print(line)
        else:
            self._waiting.append(line)

    def _free(self) -> None:
        """The live turn has ended: the console is ours until the next turn shows."""
        self._live = None
        for line in self._waiting:
            self.console.print(line)
        self._waiting.clear()

    def _end(self, index: int, ending: Text) -> None:
        self._turns[index].ending = ending
        if index != self._live:
            self._ended.append(index)
        self._settle()

    def _settle(self) -> None:
        """Finish the live turn if it has ended, print the turns that ended meanwhile, then
        let the one turn still running, if it is alone, stream live."""
        while True:
            if self._live is not None:
                ending = self._turns[self._live].ending
                if ending is None:
                    return
                self.console.print(ending)
                del self._turns[self._live]
                self._free()
            if self._ended:
                self._show(self._ended.pop(0))
            elif len(self._turns) == 1:
                self._show(next(iter(self._turns)))
            else:
                return

    def _cut_short(self) -> None:
        """The session ended with turns still running (a stop mid-round): print what each had,
        marked as cut short, rather than drop the text of those held back."""
        cut = Text(" [cut short]", style="dim")
        if self._live is not None:
            self.console.print(self._turns.pop(self._live).ending or cut)
            self._free()
        for index in list(self._turns):
            self._show(index)
            self.console.print(self._turns.pop(index).ending or cut)
            self._free()
        self._ended.clear()

    def _show(self, index: int) -> None:
        """Give the console to a turn: its header, its retries and its text so far."""
        held = self._turns[index]
        self.console.print(held.header)
        for note in held.notes:
            self.console.print(note)
        self.console.print(Text(terminal_safe("".join(held.parts))), end="")
        self._live = index
