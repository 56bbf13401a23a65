"""The ``convscope compare`` command: what it prints, and one line and exit 2 for a bad request."""

from __future__ import annotations

import json

import pytest

from convscope.cli import main
from tests.compare.sessions import parent_and_branch


async def test_compare_prints_the_branch_turn_as_tables_json_and_csv(
    capsys: pytest.CaptureFixture[str],
) -> None:
    parent, branch = await parent_and_branch()
    assert main(["compare", parent.id, branch.id]) == 0
    assert "B branches from A at turn 3; first difference at turn 3 (round 1)" in capsys.readouterr().out
    assert main(["compare", parent.id, branch.id, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["first_difference"] == {"turn": 3, "round": 1}
    assert main(["compare", "--a", parent.id, "--b", branch.id, "--csv"]) == 0
    assert capsys.readouterr().out.startswith("key,label,a.n,a.mean")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["only-one"], "compare takes two sessions"),
        (["--a", "x"], "both --a and --b: --b is missing"),
        (["--b", "x"], "both --a and --b: --a is missing"),
        (["s", "--a", "x", "--b", "y"], "takes no session ids besides"),
        (["x", "y", "--json", "--csv"], "--json or --csv, not both"),
        (["nowhere-1", "nowhere-2"], "no session 'nowhere-1'"),
        (["--a", "/nonexistent:series=A", "--b", "x"], "no session '/nonexistent:series=A'"),
    ],
)
def test_a_bad_request_is_one_line_and_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compare", *args]) == 2
    error = capsys.readouterr().err
    assert message in error and len(error.strip().splitlines()) == 1
