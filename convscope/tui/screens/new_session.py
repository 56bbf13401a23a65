"""New session: start from a preset (or blank), edit the agents and parameters, start.

The form is validated as it is edited, by the same code the CLI uses: pydantic for the
config and the agents, the provider registry's ``check`` for each agent's backend, and the
preflight for the protocol's options and the models it calls itself (a network's judge,
whose problems show under the options that name it). Each problem shows next to the field
it is about.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

import tomli_w
from pydantic import ValidationError
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static, TextArea

from convscope.core.agents import AgentSpec
from convscope.core.config import SessionConfig
from convscope.core.config_files import load_config, parse_toml, preset_names
from convscope.core.errors import ConfigError
from convscope.core.preflight import model_problems
from convscope.core.protocols import PROTOCOLS
from convscope.core.providers.failures import parse_failure
from convscope.core.providers.registry import ProviderConfigError, check
from convscope.runtime.session import SessionRuntime
from convscope.sessions.store import SessionStore
from convscope.tui.widgets.key_footer import KeyFooter
from convscope.tui.widgets.status_bar import StatusBar

BLANK = SessionConfig(
    title="new session",
    brief="",
    agents=(
        AgentSpec(id="a", nickname="Agent-A", provider="scripted:echo"),
        AgentSpec(id="b", nickname="Agent-B", provider="scripted:echo"),
    ),
)
_AGENT_FIELDS = ("nickname", "provider", "failure", "temperature", "max_tokens")


class AgentRow(Vertical):
    """One agent's editable fields; keeps the parts of the spec the form does not show."""

    def __init__(self, agent: AgentSpec) -> None:
        super().__init__(classes="agent-row")
        self.agent = agent
        self.error = Static("", classes="field-error", markup=False)

    def compose(self) -> ComposeResult:
        agent = self.agent
        with Horizontal(classes="form-row"):
            yield Label(agent.id, classes="form-label")
            yield Input(agent.nickname, placeholder="nickname", classes="agent-nickname", compact=True)
            yield Input(agent.provider, placeholder="backend:model", classes="agent-provider", compact=True)
            yield Input(
                agent.failure or "", placeholder="failure mode", classes="agent-failure", compact=True
            )
            temperature = "" if agent.params.temperature is None else f"{agent.params.temperature:g}"
            yield Input(temperature, placeholder="temp", classes="agent-temperature", compact=True)
            max_tokens = str(agent.params.max_tokens)
            yield Input(max_tokens, placeholder="max tok", classes="agent-max_tokens", compact=True)
            yield Button("✕", classes="agent-remove", tooltip="remove this agent", compact=True)
        yield self.error

    def field(self, name: str) -> str:
        return self.query_one(f".agent-{name}", Input).value.strip()

    def data(self) -> dict[str, Any]:
        """The agent as a raw mapping, for pydantic to validate."""
        params = self.agent.params.model_dump()
        params["temperature"] = self.field("temperature") or None
        params["max_tokens"] = self.field("max_tokens")
        return {
            **self.agent.model_dump(),
            "nickname": self.field("nickname"),
            "provider": self.field("provider"),
            "failure": self.field("failure") or None,
            "params": params,
        }

    def show_errors(self, errors: Iterable[str]) -> None:
        text = "\n".join(errors)
        self.error.update(text)
        self.error.display = bool(text)


class NewSessionScreen(Screen[SessionRuntime | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "start", "Start"),
        Binding("ctrl+a", "add_agent", "Add agent"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, store: SessionStore) -> None:
        super().__init__()
        self.store = store
        self.config: SessionConfig | None = None
        self._errors: dict[str, Static] = {}

    def _error(self, key: str) -> Static:
        widget = self._errors[key] = Static("", classes="field-error", markup=False)
        return widget

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with VerticalScroll(id="new-session"):
            presets = [(name, name) for name in preset_names()]
            protocols = [(name, name) for name in sorted(PROTOCOLS)]
            with Horizontal(classes="form-row"):
                yield Label("Preset", classes="form-label")
                yield Select(presets, prompt="blank session", id="preset", compact=True)
                yield Label("Protocol", classes="form-label")
                yield Select(protocols, allow_blank=False, id="protocol", compact=True)
                yield Label("Rounds", classes="form-label")
                yield Input(id="rounds", type="integer", compact=True)
                yield Label("Seed", classes="form-label")
                yield Input(id="seed", type="integer", compact=True)
            for key in ("protocol", "rounds", "seed"):
                yield self._error(key)
            with Horizontal(classes="form-row"):
                yield Label("Title", classes="form-label")
                yield Input(id="title", compact=True)
                yield Checkbox(
                    "live embedding distances",
                    id="semantic",
                    compact=True,
                    tooltip="MiniLM cosine distances in loop detection: about 65 ms of CPU per turn",
                )
            yield self._error("title")
            with Horizontal(classes="form-row"):
                yield Label("Brief", classes="form-label")
                yield TextArea(id="brief", soft_wrap=True, compact=True)
            yield self._error("brief")
            with Horizontal(classes="form-row"):
                yield Label("Options", classes="form-label")
                yield TextArea(id="options", compact=True)
            yield self._error("options")
            yield Static(
                "Agents: id, nickname, backend:model, failure mode, temperature, max tokens",
                classes="form-heading",
                markup=False,
            )
            yield Vertical(id="agents")
            yield self._error("agents")
            with Horizontal(id="form-buttons"):
                yield Button("Add agent", id="add-agent", compact=True)
                yield Button("Start", id="start", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)
        yield KeyFooter()

    async def on_mount(self) -> None:
        self.query_one(StatusBar).show("new session", "setup", ["ctrl+s start", "escape cancel"])
        await self.fill(BLANK)
        self.query_one("#preset", Select).focus()

    async def fill(self, config: SessionConfig) -> None:
        """Put a config into the form (a preset was picked)."""
        self.query_one("#title", Input).value = config.title
        self.query_one("#protocol", Select).value = config.protocol
        self.query_one("#rounds", Input).value = str(config.rounds)
        self.query_one("#seed", Input).value = str(config.seed)
        self.query_one("#semantic", Checkbox).value = config.semantic_metrics
        self.query_one("#brief", TextArea).text = config.brief
        self.query_one("#options", TextArea).text = tomli_w.dumps(config.options)
        agents = self.query_one("#agents", Vertical)
        await agents.remove_children()
        await agents.mount_all([AgentRow(agent) for agent in config.agents])
        self.validate()

    # -- validation

    def raw(self) -> dict[str, Any]:
        protocol = self.query_one("#protocol", Select).value
        return {
            "title": self.query_one("#title", Input).value.strip(),
            "protocol": protocol if isinstance(protocol, str) else "",
            "rounds": self.query_one("#rounds", Input).value.strip(),
            "seed": self.query_one("#seed", Input).value.strip(),
            "brief": self.query_one("#brief", TextArea).text,
            "semantic_metrics": self.query_one("#semantic", Checkbox).value,
            "agents": [row.data() for row in self.query(AgentRow)],
        }

    def validate(self) -> SessionConfig | None:
        """Check the whole form, show every problem next to its field; the config if none."""
        errors: dict[str, list[str]] = {}
        rows = list(self.query(AgentRow))
        data = self.raw()
        try:
            data["options"] = parse_toml(self.query_one("#options", TextArea).text, "options")
        except ConfigError as exc:
            errors.setdefault("options", []).append(str(exc).removeprefix("options: "))
            data["options"] = {}
        config: SessionConfig | None = None
        try:
            config = SessionConfig.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors():
                loc = error["loc"]
                if loc and loc[0] == "agents" and len(loc) > 2 and isinstance(loc[1], int):
                    key = f"agents.{loc[1]}"
                    detail = ".".join(str(part) for part in loc[2:])
                    errors.setdefault(key, []).append(f"{detail}: {error['msg']}")
                else:
                    key = str(loc[0]) if loc else "agents"
                    errors.setdefault(key, []).append(str(error["msg"]).removeprefix("Value error, "))
        for position, row in enumerate(rows):
            failure = row.field("failure")
            try:
                if failure:
                    parse_failure(failure)
                spec = AgentSpec(
                    id=row.agent.id,
                    nickname="x",
                    provider=row.field("provider") or "-",
                    key_env=row.agent.key_env,
                )
                check(spec)
            except (ValueError, ProviderConfigError) as exc:
                errors.setdefault(f"agents.{position}", []).append(str(exc))
        if config is not None and "options" not in errors:
            try:
                for model, problem in model_problems(config):
                    if model not in config.agents:  # the rows above report their own agents
                        errors.setdefault("options", []).append(str(problem))
            except ValueError as exc:
                errors.setdefault("options", []).append(str(exc))
        for key, widget in self._errors.items():
            widget.update("\n".join(errors.get(key, [])))
            widget.display = key in errors
        for position, row in enumerate(rows):
            row.show_errors(dict.fromkeys(errors.get(f"agents.{position}", [])))
        self.config = config if not errors else None
        self.query_one("#start", Button).disabled = self.config is None
        return self.config

    @on(Input.Changed)
    @on(TextArea.Changed)
    def _edited(self) -> None:
        self.validate()

    @on(Select.Changed, "#protocol")
    def _protocol_changed(self) -> None:
        self.validate()

    @on(Select.Changed, "#preset")
    async def _preset_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            try:
                await self.fill(load_config(event.value))
            except ConfigError as exc:
                self.notify(str(exc), severity="error", markup=False)

    # -- actions

    @on(Button.Pressed, ".agent-remove")
    async def _remove_agent(self, event: Button.Pressed) -> None:
        row = next(a for a in event.button.ancestors if isinstance(a, AgentRow))
        await row.remove()
        self.validate()

    @on(Button.Pressed, "#add-agent")
    async def action_add_agent(self) -> None:
        rows = list(self.query(AgentRow))
        taken = {row.agent.id for row in rows}
        number = len(rows) + 1
        while f"agent{number}" in taken:
            number += 1
        provider = rows[-1].field("provider") if rows else "scripted:echo"
        nickname = f"Agent-{chr(ord('A') + len(rows) % 26)}"
        agent = AgentSpec(id=f"agent{number}", nickname=nickname, provider=provider or "scripted:echo")
        await self.query_one("#agents", Vertical).mount(AgentRow(agent))
        self.validate()

    @on(Button.Pressed, "#start")
    def action_start(self) -> None:
        config = self.validate()
        if config is None:
            self.notify("Fix the errors shown in red first.", severity="warning", markup=False)
            return
        try:
            session = SessionRuntime.start(config, store=self.store)
        except OSError as exc:
            self.notify(f"Cannot create the session: {exc}", severity="error", markup=False)
            return
        self.dismiss(session)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
