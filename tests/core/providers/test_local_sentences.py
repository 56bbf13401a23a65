"""Whole sentences: a reply cut by max_tokens ends at its last sentence end, streamed sentence by sentence."""

from __future__ import annotations

import threading

from convscope.core.agents import GenerationParams
from convscope.core.providers.base import ChatMessage, ChatRequest, Usage
from convscope.core.providers.local_runtime import Item, Job
from convscope.core.providers.local_sentences import SentenceGate

PIECES = ["We could", " meet at", " noon. Bring", " snacks!", " Then we", " walk to the"]


def stream(gate: SentenceGate, pieces: list[str]) -> list[str]:
    return [shown for piece in pieces if (shown := gate.push(piece))]


def test_text_is_released_once_a_sentence_has_ended() -> None:
    gate = SentenceGate()

    assert stream(gate, PIECES) == ["We could meet at noon.", " Bring snacks!"]


def test_a_cut_reply_drops_its_unfinished_sentence() -> None:
    gate = SentenceGate()
    shown = stream(gate, PIECES)

    assert gate.finish(cut=True) == ""
    assert "".join(shown) == "We could meet at noon. Bring snacks!"


def test_a_natural_end_keeps_everything() -> None:
    gate = SentenceGate()
    shown = stream(gate, PIECES)

    assert "".join(shown) + gate.finish(cut=False) == "".join(PIECES)


def test_a_cut_that_completes_a_sentence_keeps_it() -> None:
    gate = SentenceGate()
    shown = stream(gate, ["It is", " sunny."])

    assert "".join(shown) + gate.finish(cut=True) == "It is sunny."


def test_a_cut_reply_of_one_unfinished_sentence_keeps_the_fragment_rather_than_nothing() -> None:
    gate = SentenceGate()
    shown = stream(gate, ["A very long", " sentence without"])

    assert shown == [] and gate.finish(cut=True) == "A very long sentence without"


def test_abbreviations_and_numbers_wait_for_white_space() -> None:
    gate = SentenceGate()

    assert stream(gate, ["Costs 3.5", " EUR"]) == []


def run_job(params: GenerationParams, pieces: list[str], completion_tokens: int) -> str:
    items: list[Item] = []
    job = Job(ChatRequest((ChatMessage("user", "hi"),), params), threading.Event(), items.append)
    for piece in pieces:
        job.text(piece)
    job.finish(Usage(prompt_tokens=5, completion_tokens=completion_tokens))
    return "".join(item for item in items if isinstance(item, str))


def test_a_job_trims_only_when_asked_and_only_when_cut_by_max_tokens() -> None:
    whole = GenerationParams(max_tokens=6, whole_sentences=True)

    assert run_job(whole, PIECES, completion_tokens=6) == "We could meet at noon. Bring snacks!"
    assert run_job(whole, PIECES, completion_tokens=5) == "".join(PIECES)  # it ended by itself
    assert run_job(GenerationParams(max_tokens=6), PIECES, completion_tokens=6) == "".join(PIECES)
