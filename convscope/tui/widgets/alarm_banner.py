"""The banner over the panes that says the last alarm fired: live as it fires, in replay from
the turn it fired before. The roster carries the alarm (``Roster.alarm``); this only draws it."""

from __future__ import annotations

from textual.widgets import Static

from convscope.core.controls import alarm_text
from convscope.core.records import AlarmFired
from convscope.core.text import terminal_safe


class AlarmBanner(Static):
    def __init__(self) -> None:
        super().__init__(id="alarm-banner", markup=False)
        self.alarm: AlarmFired | None = None
        self.display = False

    def show(self, alarm: AlarmFired | None) -> None:
        if alarm == self.alarm:
            return
        self.alarm = alarm
        self.display = alarm is not None
        if alarm is not None:
            self.update(f"⚠ {terminal_safe(alarm_text(alarm))} (before turn #{alarm.turn_index})")
