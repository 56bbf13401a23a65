"""The convscope Textual app and ``run_tui``, the entry point the CLI calls.

Textual is imported only under ``convscope.tui`` and ``convscope.themes``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any, ClassVar, Literal

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.driver import Driver
from textual.screen import Screen
from textual.theme import Theme

from convscope.core.config import SessionConfig
from convscope.core.environment import config_file
from convscope.runtime.session import SessionObserverFactory, SessionRuntime
from convscope.sessions.store import SessionStore
from convscope.themes import DARK, DEFAULT_THEME, LIGHT, STYLESHEET, THEMES
from convscope.tui import settings
from convscope.tui.responsiveness import keep_ui_responsive
from convscope.tui.screens.home import HomeScreen
from convscope.tui.screens.live import LiveScreen
from convscope.tui.screens.replay import ReplayScreen
from convscope.tui.terminal import (
    HUNG_UP_EXIT_STATUS,
    TERMINAL_CHECK_S,
    hang_up_safe,
    input_terminal_hung_up,
    on_hang_up,
)

TuiMode = Literal["home", "live", "replay", "resume", "retry-failed"]
ScreenFactory = Callable[[], Screen[Any]]


class ConvscopeApp(App[None]):
    CSS_PATH = STYLESHEET
    TITLE = "convscope"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+t", "toggle_theme", "Dark/light", show=False)]

    def __init__(
        self, first_screen: ScreenFactory | None = None, *, store: SessionStore | None = None
    ) -> None:
        super().__init__()
        self.store = store or SessionStore()
        self._first_screen = first_screen or partial(HomeScreen, self.store)
        for theme in THEMES:
            self.register_theme(theme)
        remembered = settings.load_theme(DEFAULT_THEME)
        self.theme = remembered if remembered in self.available_themes else DEFAULT_THEME
        self._forget_hang_up: Callable[[], None] = lambda: None

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        self.push_screen(self._first_screen())
        self.set_interval(TERMINAL_CHECK_S, self._exit_if_terminal_gone)
        self._forget_hang_up = on_hang_up(self._terminal_gone)

    def on_unmount(self) -> None:
        self._forget_hang_up()

    def _exit_if_terminal_gone(self) -> None:
        if input_terminal_hung_up():
            self._terminal_gone()

    def _terminal_gone(self) -> None:
        """Nobody can see or steer the app any more: end it as quitting would, so that a live
        session is stopped and saved rather than killed mid-turn."""
        self.exit(return_code=HUNG_UP_EXIT_STATUS)

    def _remember_theme(self, theme: Theme) -> None:
        if not settings.save_theme(theme.name):
            self.notify(
                f"Could not save the theme: {config_file()} is not valid TOML",
                severity="warning",
                markup=False,
            )

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT.name if self.current_theme.dark else DARK.name

    def get_driver_class(self) -> type[Driver]:
        return hang_up_safe(super().get_driver_class())

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every key of the current screen is also a command in the palette."""
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            "Dark/light",
            "Switch between convscope's dark and light themes (ctrl+t)",
            self.action_toggle_theme,
        )
        for binding in screen.BINDINGS:
            if isinstance(binding, Binding) and binding.description:  # shown in the footer or not
                key = binding.key_display or binding.key
                yield SystemCommand(
                    binding.description, f"key: {key}", partial(screen.run_action, binding.action)
                )


def first_screen(mode: TuiMode, store: SessionStore, session_id: str | None) -> ScreenFactory:
    """What the app opens on when no session runs live: home, or a saved session's replay."""
    if mode == "home":
        return partial(HomeScreen, store)
    if session_id is None:
        raise ValueError(f"{mode} needs a session id")
    return partial(ReplayScreen, store.load(session_id), store=store)


def live_runtime(
    mode: TuiMode, store: SessionStore, config: SessionConfig | None, session_id: str | None
) -> SessionRuntime | None:
    """The session the app runs live, if ``mode`` runs one. Created here, before the app
    starts, so that a session that cannot be created or locked fails with a plain error."""
    if mode == "live":
        if config is None:
            raise ValueError("a live session needs a config")
        return SessionRuntime.start(config, store=store)
    if mode in ("resume", "retry-failed"):
        if session_id is None:
            raise ValueError(f"{mode} needs a session id")
        return SessionRuntime.resume(session_id, store=store, retry_failed=mode == "retry-failed")
    return None


def run_tui(
    *,
    config: SessionConfig | None = None,
    session_id: str | None = None,
    mode: TuiMode | None = None,
    runtime: SessionRuntime | None = None,
    observers: Sequence[SessionObserverFactory] = (),
) -> int:
    """Open the TUI. Without ``mode``: live when given a config, replay when given a session id,
    else the home screen; on the live screen of ``runtime`` when given one (a new branch).
    ``observers`` (the live OTLP export) watch the session the app opens live, and are closed
    when the app ends. Returns the exit status: 0, or HUNG_UP_EXIT_STATUS when the terminal
    went away (an exception raised in the app ends it with 1, as Textual does)."""
    if mode is None:
        mode = "live" if config is not None else "replay" if session_id is not None else "home"
    store = runtime.store if runtime is not None else SessionStore()
    live = runtime or live_runtime(mode, store, config, session_id)
    screen = partial(LiveScreen, live) if live is not None else first_screen(mode, store, session_id)
    attached = live.attach(observers) if live is not None else []
    app = ConvscopeApp(screen, store=store)
    keep_ui_responsive()  # process-wide: this process is the app, and its heap is built
    try:
        app.run()
    finally:
        for observer in attached:
            with contextlib.suppress(OSError):  # its one-line report, to a terminal that may be gone
                observer.close()
    return app.return_code or 0
