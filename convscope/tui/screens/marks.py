"""The home screen's marks: two sessions picked (``m``) to be compared (``v``), shown by a dot
before their titles. Marking a third unmarks the oldest, so the last two marked are the pair."""

from __future__ import annotations

from collections.abc import Mapping

from textual.widgets import DataTable

from convscope.sessions.schema import SessionSummary

MARK = "● "


class SessionMarks:
    def __init__(self) -> None:
        self.ids: list[str] = []  # oldest first

    def toggle(self, session_id: str) -> None:
        if session_id in self.ids:
            self.ids.remove(session_id)
        else:
            self.ids = [*self.ids, session_id][-2:]

    def pair(self, summaries: Mapping[str, SessionSummary]) -> tuple[str, str] | None:
        """The two marked sessions still listed, first marked first (it is A)."""
        listed = [session_id for session_id in self.ids if session_id in summaries]
        return (listed[0], listed[1]) if len(listed) == 2 else None

    def show(self, table: DataTable[str], titles: Mapping[str, str]) -> None:
        """A dot before each marked session's title as listed (``titles``: by session id,
        already indented under a parent), none before the others."""
        title = next(iter(table.columns))
        for session_id, shown in titles.items():
            mark = MARK if session_id in self.ids else ""
            table.update_cell(session_id, title, mark + shown, update_width=True)  # the dot fits
