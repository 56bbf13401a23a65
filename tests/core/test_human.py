"""What a person types, read: ``@name text`` addresses one agent, by name or id in any case."""

from __future__ import annotations

import pytest

from convscope.core.human import Message, read_message, speaker_label
from convscope.core.records import HUMAN_ID, Turn

NAMES = {"a": "Agent-A", "b": "Zed"}


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Please converge.", Message("Please converge.")),
        ("  @all   keep it short ", Message("keep it short")),
        ("@Zed name a budget", Message("name a budget", "b")),
        ("@zed name a budget", Message("name a budget", "b")),
        ("@a you first", Message("you first", "a")),
        ("email me @ noon", Message("email me @ noon")),
    ],
)
def test_a_typed_message_is_read_with_its_addressee(typed: str, message: Message) -> None:
    assert read_message(typed, NAMES) == message


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("@Bob hi", "no agent is called 'Bob' (try @Agent-A, @Zed or @all)"),
        ("@Zed", "a message cannot be empty"),
        ("   ", "a message cannot be empty"),
    ],
)
def test_an_unknown_name_or_no_text_is_one_line_saying_why(typed: str, error: str) -> None:
    with pytest.raises(ValueError, match=error.replace("(", r"\(").replace(")", r"\)")):
        read_message(typed, NAMES)


def test_a_message_to_one_agent_is_labelled_with_that_agents_name() -> None:
    said = Turn(
        index=3, round=1, agent_id=HUMAN_ID, nickname="Ada", model="human", started_at=0, ended_at=0,
        text="hi", human=True, to="b",
    )  # fmt: skip
    assert speaker_label(said, NAMES) == "Ada → Zed"
    assert speaker_label(said.model_copy(update={"to": None}), NAMES) == "Ada"
    assert said.reaches("b") and not said.reaches("a")
