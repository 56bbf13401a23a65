"""Two groups of sessions: per measure, means with bootstrap CIs, the difference with its CI,
Mann-Whitney U with the rank-biserial correlation, Holm's correction across the measures."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console
from scipy.stats import mannwhitneyu

from convscope.compare import groups as groups_module
from convscope.compare.group_plots import group_plots
from convscope.compare.groups import GroupComparison, MeasureComparison, compare_groups
from convscope.compare.render import groups_csv, groups_headers, groups_json, groups_rows, render_groups
from convscope.compare.sources import load_group
from convscope.core.errors import UserError
from convscope.core.metrics import catalogue as m
from convscope.core.metrics.stats import bootstrap_ci, holm
from convscope.core.snapshot import Snapshot
from convscope.corpus import CorpusAnalysis, analyse_corpus, find_sessions
from convscope.report.html import write_report
from convscope.sessions.importers import importer
from convscope.sessions.importers.folder import import_file, import_folder
from convscope.sessions.schema import SessionDocument
from convscope.sessions.store import SessionStore
from tests.e2e.cli_support import convscope
from tests.support.warroom import transcripts

RUNS = 21  # in each of series A and B


@pytest.fixture(scope="module")
def warroom(tmp_path_factory: pytest.TempPathFactory) -> tuple[SessionStore, CorpusAnalysis, GroupComparison]:
    """Series A and B imported, analysed by series (``analyze --by series``) and compared as
    groups (about 20 s: both read every session through the tracker)."""
    store = SessionStore(tmp_path_factory.mktemp("warroom"))
    for series in ("A", "B"):
        import_folder(importer("warroom"), transcripts() / series, store)
    analysis = analyse_corpus(find_sessions(store.root), "series", jobs=2)
    a, b = (load_group([f"{store.root}:series={series}"], store, jobs=1) for series in ("A", "B"))
    return store, analysis, compare_groups(a.sessions, b.sessions)


def _measure(comparison: GroupComparison, key: str) -> MeasureComparison:
    return next(measure for measure in comparison.measures if measure.key == key)


def test_war_room_series_a_against_b_reproduces_the_corpus_analysis(
    warroom: tuple[SessionStore, CorpusAnalysis, GroupComparison],
) -> None:
    _, analysis, comparison = warroom
    group_a, group_b = analysis.groups["A"], analysis.groups["B"]
    similarity = _measure(comparison, m.PROFILE_SIMILARITY.key)
    assert similarity.a.mean == pytest.approx(group_a.profile_similarity)
    assert similarity.b.mean == pytest.approx(group_b.profile_similarity)
    assert similarity.a.ci == pytest.approx(group_a.profile_similarity_ci)
    assert similarity.b.ci == pytest.approx(group_b.profile_similarity_ci)
    assert group_b.versus is not None and similarity.test is not None
    assert similarity.test.p == pytest.approx(group_b.versus.p)
    assert similarity.test.U == group_b.versus.U
    assert similarity.significant == (group_b.versus.p < 0.05) == True  # noqa: E712 (the verdict, not truthiness)
    assert similarity.test.rank_biserial > 0.5  # B's agents behave more alike, as in the paper


def test_each_measure_has_scipys_test_and_holms_correction_over_the_measures_tested(
    warroom: tuple[SessionStore, CorpusAnalysis, GroupComparison],
) -> None:
    _, _, comparison = warroom
    rouge = _measure(comparison, m.ROUGE1.key)
    assert rouge.test is not None
    assert rouge.test.p == pytest.approx(mannwhitneyu(rouge.a.values, rouge.b.values).pvalue)
    assert rouge.a.mean == pytest.approx(np.mean(rouge.a.values))
    assert rouge.a.ci == bootstrap_ci(rouge.a.values)
    tested = [measure for measure in comparison.measures if measure.test is not None]
    assert [measure.p_holm for measure in tested] == holm(
        [measure.test.p for measure in tested if measure.test]
    )
    threshold = _measure(comparison, m.LOOP_THRESHOLD["bleu"].key)
    assert threshold.test is None and threshold.p_holm is None  # the same default everywhere
    assert threshold.difference == 0


def test_agents_only_one_group_has_are_listed_apart(
    warroom: tuple[SessionStore, CorpusAnalysis, GroupComparison],
) -> None:
    _, _, comparison = warroom
    keys = {measure.key for measure in comparison.measures}
    assert not any(key.startswith("confidence.") and key != m.CONFIDENCE_MEAN.key for key in keys)
    assert comparison.only_a and comparison.only_b
    assert all(label.startswith(m.CONFIDENCE_AGENT.label) for label in comparison.only_a + comparison.only_b)


def test_json_csv_and_tables_carry_every_measure(
    warroom: tuple[SessionStore, CorpusAnalysis, GroupComparison],
) -> None:
    _, _, comparison = warroom
    data = json.loads(groups_json(comparison))
    assert len(data["a"]["sessions"]) == len(data["b"]["sessions"]) == RUNS
    rows = list(csv.DictReader(io.StringIO(groups_csv(comparison))))
    assert [row["key"] for row in rows] == [measure["key"] for measure in data["measures"]]
    similarity = next(row for row in rows if row["key"] == m.PROFILE_SIMILARITY.key)
    assert float(similarity["p_holm"]) < 0.05 and similarity["significant"] == "True"
    console = Console(record=True, width=160)
    render_groups(comparison, console)
    line = next(
        line for line in console.export_text().splitlines() if line.startswith(m.PROFILE_SIMILARITY.label)
    )
    assert line.rstrip().endswith("yes")


def test_a_group_is_ids_files_or_folders_each_session_once(
    warroom: tuple[SessionStore, CorpusAnalysis, GroupComparison], tmp_path: Path
) -> None:
    store, _, _ = warroom
    ids = [summary.id for summary in store.list()]
    (tmp_path / "not-a-session.json").write_text("{}", encoding="utf-8")
    loaded = load_group([ids[0], ids[0], str(store.root / ids[1]), str(tmp_path)], store)
    assert [session.id for session in loaded.sessions] == [ids[0], ids[1]]
    assert [path for path, _ in loaded.skipped] == [str(tmp_path / "not-a-session.json")]
    with pytest.raises(UserError, match="has series = Z"):
        load_group([f"{tmp_path}:series=Z"], store, jobs=1)


def test_a_folder_narrowed_to_a_cell_measures_only_the_cells_sessions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SessionStore(tmp_path)
    for run in ("warroom-A-run01", "warroom-A-run02", "warroom-B-run01"):
        import_file(importer("warroom"), transcripts() / run.split("-")[1] / f"{run}.json", store)
    measured: list[str] = []
    measure = groups_module.session_points

    def counted(document: SessionDocument) -> list[Snapshot]:
        measured.append(document.id)
        return measure(document)

    monkeypatch.setattr(groups_module, "session_points", counted)
    loaded = load_group([f"{store.root}:series=A"], store, jobs=1)  # in this process, where the count is
    series_a = sorted(summary.id for summary in store.list() if summary.id.startswith("warroom-A-"))
    assert len(series_a) == 2
    assert sorted(session.id for session in loaded.sessions) == series_a
    assert sorted(measured) == series_a  # series B's session was read, never measured


def test_a_group_report_holds_the_printed_table_and_a_chart_of_each_tested_measure(
    warroom: tuple[SessionStore, CorpusAnalysis, GroupComparison], tmp_path: Path
) -> None:
    _, _, comparison = warroom
    plots = group_plots(comparison)
    tested = [measure for measure in comparison.measures if measure.test is not None]
    assert [chart.title for chart in plots.charts] == [measure.label for measure in tested]
    [table] = [table for table in plots.tables if table.headers == groups_headers(comparison)]
    assert table.rows == groups_rows(comparison)  # the terminal's cells, one owner
    similarity = next(row for row in table.rows if row[0] == m.PROFILE_SIMILARITY.label)
    assert similarity[-1] == "yes"
    chart = next(chart for chart in plots.charts if chart.title == m.PROFILE_SIMILARITY.label)
    assert "Holm" in chart.note and similarity[7] in chart.note

    output = tmp_path / "groups.html"
    write_report(plots, output)
    page = output.read_text(encoding="utf-8")
    assert page.count("<img") == len(plots.charts) and page.count("<table") == len(plots.tables)


def test_report_a_b_writes_the_group_report_and_one_group_alone_is_refused(
    warroom: tuple[SessionStore, CorpusAnalysis, GroupComparison], tmp_path: Path
) -> None:
    store, _, _ = warroom
    first, second, third, fourth = (str(store.root / summary.id) for summary in store.list()[:4])
    output = tmp_path / "groups.html"
    home = tmp_path / "home"

    done = convscope("report", "--a", first, second, "--b", third, fourth, "-o", str(output), home=home)
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith(f"wrote {output} (") and "<table" in output.read_text(encoding="utf-8")

    refused = convscope("report", "--a", first, "-o", str(tmp_path / "no.html"), home=home)
    assert refused.returncode == 2
    missing = "two groups are compared with both --a and --b: --b is missing"
    assert refused.stderr == f"convscope: error: {missing}\n"
    assert not (tmp_path / "no.html").exists()
