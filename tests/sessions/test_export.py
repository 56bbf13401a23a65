"""Exports: the JSON document loads again, JSONL and CSV have their shapes, Markdown reads right
and no model text can change its structure."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from convscope.core.config import SessionConfig
from convscope.core.events import MetricsUpdated, SessionEnded
from convscope.core.records import Turn
from convscope.sessions.export import export_session
from convscope.sessions.schema import SCHEMA_VERSION, SessionDocument
from convscope.sessions.store import SessionStore
from tests.sessions.builders import control_event, conversation, turn_event

HOSTILE = "\n".join(
    [
        "# Not a heading",
        "Title underline",
        "===",
        "---",
        "- not a list",
        "1. nor an ordered one",
        "> nor a quote",
        "```python",
        "print('an unclosed fence')",
        "    indented, not code",
        "",
        "<script>alert('not html')</script>",
        "| not | a table |",
        "|-----|---------|",
        "[not a link](http://example.com) ![nor an image](x.png)",
        "**not bold** _nor italic_ ~~nor struck~~ $x^2$ &copy; \\",
        "\x1b[31mno escape codes\x1b[0m",
    ]
)


@pytest.fixture
def document(store: SessionStore, config: SessionConfig) -> SessionDocument:
    """Two rounds, a failed turn, controls between turns and after the last one."""
    with store.create(config) as writer:
        writer.on_event(control_event("paused", 0))
        writer.on_event(control_event("resumed", 0))
        for event in conversation(4):
            writer.on_event(event)
        writer.on_event(control_event("stopped", 4))
        writer.on_event(SessionEnded("stopped"))
    return writer.document


def _markdown_tokens(text: str) -> list[str]:
    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    tokens = parser.parse(text)
    return [token.type for token in tokens] + [
        child.type for token in tokens if token.children for child in token.children
    ]


def test_the_json_export_is_the_whole_document_and_loads_again(
    document: SessionDocument, store: SessionStore, tmp_path: Path
) -> None:
    out = tmp_path / "session.json"

    assert export_session(document, "json", out) is None

    assert store.load(out) == document
    assert store.load(str(out)) == document
    assert out.read_text(encoding="utf-8") == export_session(document, "json")


def test_the_jsonl_export_is_a_header_then_one_turn_per_line(document: SessionDocument) -> None:
    lines = [json.loads(line) for line in export_session(document, "jsonl").splitlines()]

    header, turns = lines[0], lines[1:]
    assert header["id"] == document.id
    assert header["schema_version"] == SCHEMA_VERSION
    assert header["config"] == document.config.model_dump(mode="json")
    assert "turns" not in header
    assert [Turn.model_validate(turn) for turn in turns] == document.turns


def test_the_markdown_transcript_has_rounds_turns_failures_and_controls_in_place(
    document: SessionDocument,
) -> None:
    text = export_session(document, "md")
    lines = [line for line in text.splitlines() if line]

    assert lines[0] == "# a test session"
    assert "- **Protocol** group\\_chat, 3 rounds, seed 0" in lines
    assert "  - **Ada** (a): openai:gpt-4o-mini, max tokens 256, temperature 0.8" in lines
    body = lines[lines.index("## Round 1") :]
    assert body == [
        "## Round 1",
        "_⚙ paused_",
        "_⚙ resumed_",
        "**Ada** (openai:gpt-4o-mini): turn 0: I propose the name Lumen-0.",
        "**Bo** (local:smollm2-135m): turn 1: I propose the name Lumen-1.",
        "## Round 2",
        "_⚙ Ada renamed to Ada Prime_",
        "**Ada Prime** (openai:gpt-4o-mini): turn 2: I propose the name Lumen-2.",
        "_⚙ failure injected into Bo: transient:1.0_",
        "⚠️ **Bo** (local:smollm2-135m): failed (transient): simulated transient failure",
        "_⚙ stopped_",
    ]
    assert _markdown_tokens(text).count("heading_open") == 3


def test_model_text_cannot_change_the_markdown_structure(store: SessionStore, config: SessionConfig) -> None:
    with store.create(config.model_copy(update={"brief": HOSTILE})) as writer:
        writer.on_event(turn_event(0, text=HOSTILE))
        writer.on_event(turn_event(1, error="# not a heading\n<b>nor html</b>"))
        writer.on_event(turn_event(2, text="after the hostile turns"))
    text = export_session(writer.document, "md")

    tokens = _markdown_tokens(text)
    assert tokens.count("heading_open") == 3  # the title and two rounds
    assert tokens.count("blockquote_open") == 1  # the brief
    assert tokens.count("bullet_list_open") == 2  # the session summary and its agents
    for structure in (
        "fence",
        "code_block",
        "html_block",
        "html_inline",
        "hr",
        "table_open",
        "ordered_list_open",
    ):
        assert structure not in tokens
    for inline in ("link_open", "image", "em_open", "s_open"):
        assert inline not in tokens
    assert tokens.count("strong_open") == 9  # the six summary labels and the three speakers
    html = MarkdownIt("commonmark").render(text)
    assert "# Not a heading" in html
    assert "&lt;script&gt;alert('not html')&lt;/script&gt;" in html
    assert "&amp;copy;" in html
    assert "\x1b" not in text
    assert text.rstrip().endswith("**Ada** (openai:gpt-4o-mini): after the hostile turns")


TERMINAL_ATTACKS = "title\x1b]0;pwned\x07 clear\x9b2J next\x85line bell\x07 csi\x1b[2J end\u009d"


def test_the_markdown_keeps_no_control_character_or_terminal_escape_from_model_text(
    store: SessionStore, config: SessionConfig
) -> None:
    with store.create(config) as writer:
        writer.on_event(turn_event(0, text=TERMINAL_ATTACKS))
        writer.on_event(turn_event(1, error=TERMINAL_ATTACKS))
    text = export_session(writer.document, "md")

    controls = [char for char in text if (ord(char) < 32 and char != "\n") or 0x7F <= ord(char) <= 0x9F]
    assert controls == []
    assert text.count("title clear2J nextline bell csi end") == 2  # the words stay, nothing else


def test_the_csv_export_has_one_column_per_scalar_metric_with_nested_keys_flattened(
    store: SessionStore, config: SessionConfig
) -> None:
    with store.create(config) as writer:
        writer.on_event(turn_event(0))
        writer.on_event(
            MetricsUpdated(0, 0, {"similarity": 0.5, "per_agent": {"a": {"length": 3}}, "ids": [1, 2]})
        )
        writer.on_event(turn_event(1))
        writer.on_event(MetricsUpdated(1, 0, {"similarity": 0.75, "label": "converging", "flag": True}))
    text = export_session(writer.document, "csv")

    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["turn_index", "round", "similarity", "per_agent.a.length", "label", "flag"],
        ["0", "0", "0.5", "3", "", ""],
        ["1", "0", "0.75", "", "converging", "True"],
    ]


def test_exporting_to_a_file_writes_exactly_the_returned_text(
    document: SessionDocument, tmp_path: Path
) -> None:
    for fmt in ("json", "jsonl", "md", "csv"):
        out = tmp_path / f"export.{fmt}"
        export_session(document, fmt, out)
        assert out.read_bytes() == export_session(document, fmt).encode()


def test_an_unknown_format_is_refused(document: SessionDocument) -> None:
    with pytest.raises(ValueError, match="unknown export format 'html'"):
        export_session(document, "html")  # type: ignore[call-overload]


def test_a_session_without_turns_exports_cleanly(store: SessionStore, config: SessionConfig) -> None:
    with store.create(config) as writer:
        pass

    assert export_session(writer.document, "csv") == "turn_index,round\r\n"
    assert len(export_session(writer.document, "jsonl").splitlines()) == 1
    assert "## Round" not in export_session(writer.document, "md")
