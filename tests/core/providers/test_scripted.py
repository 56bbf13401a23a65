"""Scripted replies: lossless chunks, cycling, echo, text, files, delays, the spec grammar."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from convscope.core.agents import AgentSpec
from convscope.core.providers.base import ChatMessage, ChatRequest
from convscope.core.providers.scripted import ScriptedProvider, create, parse_target, split_chunks
from tests.support.streams import collect


def agent(spec: str) -> AgentSpec:
    return AgentSpec(id="s", nickname="S", provider=spec)


@pytest.mark.parametrize(
    "text",
    ["", " ", "one", "  lead and trail  ", "lines\n\nand\ttabs\n", "naïve — ünïcödé 🙂 text", "a  b   c"],
)
def test_chunks_join_back_to_the_text_exactly(text: str) -> None:
    chunks = split_chunks(text)

    assert "".join(chunks) == text
    assert all(chunk for chunk in chunks)


def test_chunks_are_words_with_their_leading_space() -> None:
    assert split_chunks("Hello  brave\nworld ") == ["Hello", "  brave", "\nworld", " "]


async def test_streamed_reply_is_lossless_and_chunked() -> None:
    reply = "  Two spaces lead,\nthen a newline and a tail.  "

    items = await collect(ScriptedProvider(replies=[reply]))

    assert "".join(str(item) for item in items) == reply
    assert len(items) == len(split_chunks(reply))


async def test_replies_cycle_in_order_one_per_call() -> None:
    provider = ScriptedProvider(replies=["first", "second", "third"])

    texts = ["".join(map(str, await collect(provider))) for _ in range(5)]

    assert texts == ["first", "second", "third", "first", "second"]


async def test_echo_repeats_the_last_user_message() -> None:
    provider = create("echo", agent("scripted:echo"))
    request = ChatRequest(
        (
            ChatMessage("system", "be brief"),
            ChatMessage("user", "older"),
            ChatMessage("assistant", "answer"),
            ChatMessage("user", "  latest, verbatim\n"),
        )
    )

    assert "".join(map(str, await collect(provider, request))) == "  latest, verbatim\n"
    assert await collect(provider, ChatRequest((ChatMessage("system", "alone"),))) == []


async def test_text_spec_replies_with_the_text_every_time() -> None:
    provider = create("text:Hello there, are you ok?", agent("scripted:text:Hello there, are you ok?"))

    for _ in range(2):
        assert "".join(map(str, await collect(provider))) == "Hello there, are you ok?"
    assert provider.name == "scripted:text:Hello there, are you ok?"


async def test_file_spec_gives_one_reply_per_paragraph(tmp_path: Path) -> None:
    script = tmp_path / "lines.txt"
    script.write_text(
        "First reply,\non two lines.\n\nSecond reply.\n   \n\n\nThird reply.\n", encoding="utf-8"
    )
    provider = create(f"file:{script}", agent(f"scripted:file:{script}"))

    texts = ["".join(map(str, await collect(provider))) for _ in range(4)]

    assert texts == [
        "First reply,\non two lines.",
        "Second reply.",
        "Third reply.",
        "First reply,\non two lines.",
    ]


async def test_reply_fn_gets_the_request() -> None:
    provider = ScriptedProvider(reply_fn=lambda request: f"{len(request.messages)} message(s)")

    assert "".join(map(str, await collect(provider))) == "1 message(s)"


async def test_delay_sleeps_once_per_chunk() -> None:
    sleeps: list[float] = []

    async def record(seconds: float) -> None:
        sleeps.append(seconds)

    provider = ScriptedProvider(replies=["one two three"], delay_s=0.25, sleep=record)
    await collect(provider)

    assert sleeps == [0.25, 0.25, 0.25]


async def test_delay_suffix_really_slows_the_stream() -> None:
    provider = create("text:a b c d e?delay=0.02", agent("scripted:text:a b c d e?delay=0.02"))
    started = time.monotonic()

    assert "".join(map(str, await collect(provider))) == "a b c d e"
    assert time.monotonic() - started >= 5 * 0.02


@pytest.mark.parametrize(
    ("target", "replies", "echo", "delay_s"),
    [
        ("echo", (), True, 0.0),
        ("echo?delay=0.5", (), True, 0.5),
        ("text:Are you there?", ("Are you there?",), False, 0.0),
        ("text:Why?delay=.01", ("Why",), False, 0.01),
        ("text:a:b:c", ("a:b:c",), False, 0.0),
    ],
)
def test_target_grammar(target: str, replies: tuple[str, ...], echo: bool, delay_s: float) -> None:
    parsed = parse_target(target)

    assert (parsed.replies, parsed.echo, parsed.delay_s) == (replies, echo, delay_s)


@pytest.mark.parametrize("target", ["echoes", "text:", "file:", "lines.txt", "words:hi"])
def test_unknown_targets_name_the_accepted_forms(target: str) -> None:
    with pytest.raises(ValueError, match="scripted:echo"):
        parse_target(target)


def test_missing_or_empty_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read scripted replies"):
        parse_target(f"file:{tmp_path / 'absent.txt'}")
    (tmp_path / "empty.txt").write_text("\n  \n", encoding="utf-8")
    with pytest.raises(ValueError, match="is empty"):
        parse_target(f"file:{tmp_path / 'empty.txt'}")


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"replies": ["a"], "reply_fn": lambda r: "b"}, {"replies": []}, {"replies": ["a"], "delay_s": -1.0}],
)
def test_constructor_refuses_ambiguous_or_empty_scripts(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        ScriptedProvider(**kwargs)  # type: ignore[arg-type]
