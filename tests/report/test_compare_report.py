"""``convscope report --compare A B``: the two sessions' metrics as overlaid curves, the final
values with B - A and the aligned transcripts, in one self-contained HTML file."""

from __future__ import annotations

from pathlib import Path

import pytest

from convscope.cli import main
from convscope.compare.pair import compare_pair
from convscope.compare.plots import compare_plots
from convscope.compare.render import FIRST_DIFFERENCE
from convscope.core.metrics import catalogue as m
from convscope.plotdata import LineChart
from tests.compare.sessions import parent_and_branch


async def test_the_compare_report_overlays_both_sessions_and_marks_the_first_difference(
    tmp_path: Path,
) -> None:
    parent, branch = await parent_and_branch()
    plots = compare_plots(compare_pair(parent, branch))
    assert [table.title for table in plots.tables] == ["Sessions", "Final metrics", "Transcripts by round"]
    transcript = plots.tables[2]
    assert [row[4] for row in transcript.rows].index(FIRST_DIFFERENCE) == 3
    assert transcript.rows[3][2].startswith("Agent-A:") and transcript.rows[3][3].startswith("Zed:")
    charts = [chart for chart in plots.charts if isinstance(chart, LineChart)]
    assert charts and len(charts) == len(plots.charts)
    assert all([s.label for s in chart.series] == ["A", "B"] for chart in charts)
    assert all([marker.label for marker in chart.markers] == ["first difference"] for chart in charts)
    distance = next(chart for chart in charts if chart.key == f"compare-{m.LOOP_DISTANCE['bleu'].key}")
    assert distance.xlabel == "turn" and distance.markers[0].x == 3  # a turn measure, marked at its turn
    thresholds = {f"compare-{entry.key}" for entry in m.LOOP_THRESHOLD.values()}
    assert not thresholds & {chart.key for chart in charts}  # one flat line both share: not drawn

    output = tmp_path / "compare.html"
    assert main(["report", "--compare", parent.id, branch.id, "-o", str(output)]) == 0
    html = output.read_text(encoding="utf-8")
    assert html.count("<img ") == len(plots.charts)
    assert "first difference at turn 3 (round 1)" in html and FIRST_DIFFERENCE in html


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "report needs a session, a folder of sessions, or --compare A B"),
        (["x", "--compare", "a", "b"], "takes no other"),
    ],
)
def test_report_without_a_target_or_with_two_is_one_line(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", *args]) == 2
    assert message in capsys.readouterr().err
