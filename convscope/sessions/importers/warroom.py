"""War Room transcripts (the War Room paper's public data set) as convscope group-chat sessions.

One transcript file is one run: ``condition`` (the series' switches), ``environment``
(the agents, ``maxRounds``, the prompt template, the time the run was saved),
``conversation.messages`` and ``stats``. The mapping:

- agents: ``environment.agentRanking`` in speaking-position order, each a Groq model as
  an ``openai-compatible`` provider (key in ``GROQ_API_KEY``) at the series' temperature;
  series E's shuffled order is the order the run actually used, so it needs no switch;
- the first user message is the brief; agent messages are turns, numbered in the order
  they were posted (the War Room posts replies as they complete, not in position order);
- "— Round N —" system messages only mark rounds (every agent message carries its own
  0-based ``round``; a marker that disagrees with it is noted); the "⏹ ... stopping."
  notice becomes a ``stopped`` control record and the session's status;
- a message marked ``isError`` is a failed turn, permanent when ``stats.agentsWhoErrored``
  lists its agent as permanent and transient otherwise. The War Room marked every reply
  starting with "⚠" as an error, so two real replies carry the mark: an error is one line
  of API text, and a multi-line "error" is imported as the reply it is (and noted);
- the condition becomes ``GroupChatOptions`` (real names, isolation, prompt ablation,
  dropping a permanently failing agent); the raw condition, environment and stats stay
  in the provenance, next to the source file's path and SHA-256.

Message times are "HH:MM" on the clock of ``environment.timestamp`` (UTC, written when the
run was saved), so turns are stamped to the minute.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from convscope.core.agents import AgentSpec, GenerationParams
from convscope.core.config import SessionConfig
from convscope.core.protocols.group_chat import ERROR_SIGN, GroupChatOptions, system_prompt
from convscope.core.records import ControlRecord, Stopped, Turn
from convscope.sessions.importers.base import ImportFormatError, ImportResult, source_provenance
from convscope.sessions.schema import SessionDocument

GROQ_BASE_URL = "https://api.groq.com/openai/v1"
KEY_ENV = "GROQ_API_KEY"
MAX_TOKENS = 1024  # the transcripts do not record it; the warroom preset's value
STOP_SIGN = "⏹"

_ROUND_MARKER = re.compile(r"^\W*Round\s+(\d+)\W*$", re.IGNORECASE)
_HH_MM = re.compile(r"^(\d{1,2}):(\d{2})$")
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9._-]+")
_MAPPED_FIELDS = frozenset(
    ["sender", "text", "system", "time", "agent", "agent_nickname", "model_id", "round", "isError"]
)


def groq_provider(model: str) -> str:
    return f"openai-compatible:{GROQ_BASE_URL}#{model}"


class _Clock:
    """Turns "HH:MM" into epoch seconds, rolling over midnight, ending at the run's save time."""

    def __init__(self, saved_at: datetime, first: str | None) -> None:
        start = self._on(saved_at, first) if first else saved_at
        self._last = start - timedelta(days=1) if start > saved_at else start

    @staticmethod
    def _on(day: datetime, hh_mm: str) -> datetime:
        match = _HH_MM.match(hh_mm)
        if match is None:
            return day
        return day.replace(hour=int(match[1]), minute=int(match[2]), second=0, microsecond=0)

    def at(self, hh_mm: Any) -> float:
        """The time of the next message; a missing or unreadable time repeats the previous one."""
        if isinstance(hh_mm, str) and _HH_MM.match(hh_mm):
            moment = self._on(self._last, hh_mm)
            if moment < self._last:
                moment += timedelta(days=1)
            self._last = moment
        return self._last.timestamp()


def _get(mapping: Any, key: str, kind: type | tuple[type, ...], path: Path) -> Any:
    if not isinstance(mapping, dict) or not isinstance(mapping.get(key), kind):
        raise ImportFormatError(f"{path}: not a War Room transcript (no valid '{key}')")
    return mapping[key]


def _saved_at(environment: dict[str, Any], path: Path) -> datetime:
    stamp = _get(environment, "timestamp", str, path)
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ImportFormatError(f"{path}: unreadable environment.timestamp {stamp!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _options(condition: dict[str, Any], environment: dict[str, Any], path: Path) -> GroupChatOptions:
    remove = condition.get("removeErrored", environment.get("removeErrored", False))
    try:
        return GroupChatOptions(
            naming="real" if condition.get("useRealNames") else "neutral",
            isolated=bool(condition.get("isolatedMode")) or environment.get("mode") == "single",
            ablation=condition.get("promptAblation") or None,
            on_permanent_failure="drop" if remove else "keep",
        )
    except ValidationError as exc:
        raise ImportFormatError(f"{path}: condition has no group-chat equivalent: {exc}") from exc


def _agents(environment: dict[str, Any], temperature: float, path: Path) -> tuple[AgentSpec, ...]:
    ranking = _get(environment, "agentRanking", list, path)
    params = GenerationParams(temperature=temperature, max_tokens=MAX_TOKENS)
    try:
        return tuple(
            AgentSpec(
                id=entry["key"],
                nickname=entry["nickname"],
                provider=groq_provider(entry["model"]),
                key_env=KEY_ENV,
                params=params,
            )
            for entry in sorted(ranking, key=lambda entry: entry.get("position", 0))
            if entry.get("enabled", True)
        )
    except (KeyError, TypeError, ValidationError) as exc:
        raise ImportFormatError(f"{path}: unreadable environment.agentRanking: {exc}") from exc


def real_reply_marked_as_error(text: str) -> bool:
    """An API error is one line of text; the War Room also marked real replies starting with ⚠."""
    return "\n" in text.strip()


class _Transcript:
    """Walks the messages once, building turns and controls and collecting what does not fit."""

    def __init__(self, raw: dict[str, Any], config_agents: tuple[AgentSpec, ...], clock: _Clock) -> None:
        self.agents = {agent.id: agent for agent in config_agents}
        errored = raw["stats"].get("agentsWhoErrored") or {}
        self.permanent = set(errored.get("permanent") or [])
        self.clock = clock
        self.brief: str | None = None
        self.turns: list[Turn] = []
        self.controls: list[ControlRecord] = []
        self.unmapped: list[dict[str, Any]] = []
        self.notes: list[str] = []
        self.fields_not_kept: set[str] = set()
        self.marker_round: int | None = None

    def skip(self, index: int, message: Any, reason: str) -> None:
        self.unmapped.append({"index": index, "reason": reason, "message": message})

    def add(self, index: int, message: Any) -> None:
        if not isinstance(message, dict):
            self.skip(index, message, "not a JSON object")
            return
        self.fields_not_kept |= set(message) - _MAPPED_FIELDS
        sender = message.get("sender")
        if sender == "user":
            self._user(index, message)
        elif sender == "system":
            self._system(index, message)
        elif isinstance(sender, str) and sender in self.agents:
            self._agent(index, message)
        else:
            self.skip(index, message, f"sender {sender!r} is not an agent of this run")

    def _user(self, index: int, message: dict[str, Any]) -> None:
        text = message.get("text")
        if self.brief is None and isinstance(text, str):
            self.brief = text
        else:
            self.skip(index, message, "a user message after the brief has no place in a group chat session")

    def _system(self, index: int, message: dict[str, Any]) -> None:
        text = str(message.get("system", message.get("text", "")))
        marker = _ROUND_MARKER.match(text)
        if marker:
            self.marker_round = int(marker[1]) - 1  # the War Room shows round r as "Round r+1"
        elif text.lstrip().startswith(STOP_SIGN):
            reason = text.lstrip().removeprefix(STOP_SIGN).strip()
            at = self.clock.at(message.get("time"))
            self.controls.append(Stopped(turn_index=len(self.turns), at=at, reason=reason))
        else:
            self.skip(index, message, "a system message that is neither a round marker nor a stop notice")

    def _agent(self, index: int, message: dict[str, Any]) -> None:
        round_index, text = message.get("round"), message.get("text")
        if not isinstance(round_index, int) or round_index < 0 or not isinstance(text, str):
            self.skip(index, message, "an agent message without a round number or a text")
            return
        if self.marker_round is not None and round_index != self.marker_round:
            self.notes.append(
                f"message {index}: round {round_index} under the marker of round {self.marker_round}"
            )
        agent = self.agents[message["sender"]]
        error = kind = None
        if message.get("isError"):
            if real_reply_marked_as_error(text):
                self.notes.append(f"message {index}: a real reply marked as an error, imported as a reply")
            else:
                error = text.strip().removeprefix(ERROR_SIGN).strip()
                kind = "permanent" if message.get("agent") in self.permanent else "transient"
                text = ""
        at = self.clock.at(message.get("time"))
        model = message.get("model_id")
        self.turns.append(
            Turn(
                index=len(self.turns),
                round=round_index,
                agent_id=agent.id,
                nickname=str(message.get("agent_nickname") or agent.nickname),
                model=groq_provider(model) if isinstance(model, str) else agent.provider,
                text=text,
                error=error,
                error_kind=kind,
                started_at=at,
                ended_at=at,
            )
        )


def _run_number(stem: str) -> int | None:
    match = re.search(r"run(\d+)", stem, re.IGNORECASE)
    return int(match[1]) if match else None


class WarRoomImporter:
    name = "warroom"

    def can_read(self, path: Path) -> bool:
        if path.suffix.lower() != ".json" or not path.is_file():
            return False
        try:
            raw = json.loads(path.read_bytes())
        except (OSError, ValueError):
            return False
        return isinstance(raw, dict) and {"condition", "environment", "conversation"} <= raw.keys()

    def group(self, document: SessionDocument) -> str:
        return str((document.provenance or {}).get("series", "?"))

    def read(self, path: Path) -> ImportResult:
        data = path.read_bytes()
        try:
            raw = json.loads(data)
        except ValueError as exc:
            raise ImportFormatError(f"{path}: not JSON ({exc})") from exc
        condition = _get(raw, "condition", dict, path)
        environment = _get(raw, "environment", dict, path)
        messages = _get(_get(raw, "conversation", dict, path), "messages", list, path)
        _get(raw, "stats", dict, path)
        saved_at = _saved_at(environment, path)
        series = str(condition.get("series") or condition.get("label") or "?")
        options = _options(condition, environment, path)
        agents = _agents(environment, float(condition.get("temperature", 0.8)), path)
        if not agents:
            raise ImportFormatError(f"{path}: no enabled agent in environment.agentRanking")

        first_time = next((m.get("time") for m in messages if isinstance(m, dict)), None)
        transcript = _Transcript(raw, agents, _Clock(saved_at, first_time))
        for index, message in enumerate(messages):
            transcript.add(index, message)
        notes = transcript.notes + self._template_notes(environment, options)

        max_rounds = environment.get("maxRounds")
        planned = 1 if not isinstance(max_rounds, int) else max_rounds + (0 if options.isolated else 1)
        observed = max((turn.round + 1 for turn in transcript.turns), default=1)
        stem = path.stem
        config = SessionConfig(
            title=f"War Room {series}, {stem.rsplit('-', 1)[-1]}",
            protocol="group_chat",
            brief=transcript.brief or str(raw["conversation"].get("userPrompt", "")),
            rounds=max(planned, observed),
            agents=agents,
            options=options.model_dump(),
        )
        provenance = {
            **source_provenance(path, data, self.name),
            "series": series,
            "run": _run_number(stem),
            "condition": condition,
            "environment": environment,
            "stats": raw["stats"],
            "batch": raw.get("batch"),
            "unmapped": transcript.unmapped,
            "notes": notes,
            "message_fields_not_kept": sorted(transcript.fields_not_kept),
        }
        turns = transcript.turns
        document = SessionDocument(
            id=_UNSAFE_ID.sub("-", f"{stem}-{provenance['source']['sha256'][:12]}"),
            created_at=turns[0].started_at if turns else saved_at.timestamp(),
            updated_at=saved_at.timestamp(),
            status="stopped" if transcript.controls else "finished",
            config=config,
            turns=turns,
            controls=transcript.controls,
            provenance=provenance,
        )
        unmapped = [f"message {u['index']}: {u['reason']}" for u in transcript.unmapped]
        return ImportResult(document, unmapped, notes)

    @staticmethod
    def _template_notes(environment: dict[str, Any], options: GroupChatOptions) -> list[str]:
        """Say so when the run's prompt template is not what the mapped options would send."""
        template = environment.get("systemPromptTemplate")
        expected = system_prompt("{name}", ["{others}"], options) or "(empty)"
        if template is None or template == expected:
            return []
        return [f"the run's system prompt template {template!r} differs from the mapped {expected!r}"]
