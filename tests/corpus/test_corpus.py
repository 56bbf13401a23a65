"""Corpus analysis: the War Room corpus grouped by series, beside the paper's figures."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from rich.console import Console
from scipy.stats import kruskal

from convscope.core.metrics.behaviour import TRAITS
from convscope.corpus import CorpusAnalysis, analyse_corpus, field_value, find_sessions
from convscope.corpus.groups import kruskal_per_run
from convscope.corpus.render import render_tables, to_csv, to_json
from convscope.corpus.sessions import AgentCounts, BehaviourCounts, SessionRow, session_row
from convscope.sessions.export import export_session
from convscope.sessions.importers import importer
from convscope.sessions.importers.folder import import_file, import_folder
from convscope.sessions.store import SessionStore
from tests.e2e.cli_support import convscope
from tests.support.warroom import SERIES, transcripts
from tests.tui.support import record_session, scripted_config


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> CorpusAnalysis:
    """All 208 runs imported and analysed once (lexical and behaviour metrics, two processes)."""
    store = SessionStore(tmp_path_factory.mktemp("corpus"))
    import_folder(importer("warroom"), transcripts(), store)
    return analyse_corpus(find_sessions(store.root), "series", jobs=2)


def _small_store(root: Path, *runs: str) -> SessionStore:
    store = SessionStore(root)
    for run in runs:
        series = run.split("-")[1]
        import_file(importer("warroom"), transcripts() / series / f"{run}.json", store)
    return store


@pytest.mark.timeout(1800)
def test_the_corpus_by_series_has_one_group_per_series_with_the_papers_figures_beside(
    corpus: CorpusAnalysis,
) -> None:
    assert tuple(corpus.groups) == SERIES
    assert {name: g.sessions for name, g in corpus.groups.items()} == {
        "A": 21, "B": 21, "C": 21, "E": 21, "F": 21, "G": 21, "H": 15, "I": 11, "J": 11,
        "K1": 15, "K2": 15, "K3": 15,
    }  # fmt: skip
    assert corpus.skipped == []
    assert corpus.paper["A"]["profile_similarity"] == 0.56
    assert corpus.paper["F"]["any_trait_share"] == 0.042
    console = Console(record=True, width=160)
    render_tables(corpus, console)
    text = console.export_text()
    for line in (
        "Profile similarity",
        "0.56 [0.48, 0.65]",
        "0.85 [0.80, 0.89]",
        "64.3%",
        "4.2%",
        "A (paper)",
    ):
        assert line in text


def test_heterogeneous_groups_differ_more_than_homogeneous_ones_as_in_the_paper(
    corpus: CorpusAnalysis,
) -> None:
    groups = corpus.groups
    a, b, k3 = groups["A"], groups["B"], groups["K3"]
    assert a.profile_similarity is not None and b.profile_similarity is not None
    assert a.profile_similarity_ci is not None and b.profile_similarity_ci is not None
    assert a.profile_similarity_ci[1] < b.profile_similarity_ci[0]  # non-overlapping, as published
    assert k3.profile_similarity is not None and k3.profile_similarity > b.profile_similarity
    assert b.versus is not None and b.versus.reference == "A" and b.versus.p < 0.001
    assert groups["K1"].versus is not None and groups["K1"].versus.p > 0.05  # no effect, as published
    isolated = groups["F"].trait_shares
    assert isolated["PHATIC"] == isolated["LEAD"] == isolated["AGREE"] == 0.0
    assert groups["F"].comp_per_run == 0.0 and groups["B"].comp_per_run == 0.0
    assert all(g.kruskal["ARCH"]["H"] is not None for g in groups.values())


def test_csv_has_one_row_per_series_with_our_and_the_papers_columns(corpus: CorpusAnalysis) -> None:
    rows = list(csv.DictReader(io.StringIO(to_csv(corpus))))
    assert [row["group"] for row in rows] == list(SERIES)
    a = rows[0]
    assert float(a["profile_similarity"]) == pytest.approx(corpus.groups["A"].profile_similarity)
    assert a["paper.profile_similarity"] == "0.56"
    assert float(a["kruskal.PHATIC.H"]) > 0
    assert {f"trait_shares.{flag}" for flag in TRAITS} <= set(a)
    assert rows[SERIES.index("G")]["paper.profile_similarity"] == ""


def test_json_holds_groups_sessions_and_paper_figures(corpus: CorpusAnalysis) -> None:
    data = json.loads(to_json(corpus))
    assert list(data["groups"]) == list(SERIES)
    assert len(data["sessions"]) == 208
    assert data["groups"]["B"]["versus"]["reference"] == "A"
    assert data["paper"]["K3"]["profile_similarity"] == 0.89
    assert len(data["groups"]["A"]["similarities"]) == 21


def test_kruskal_takes_one_share_per_agent_and_session() -> None:
    def row(counts: dict[str, tuple[int, int]]) -> SessionRow:
        agents = {
            agent: AgentCounts(n, {flag: (k if flag == "LEAD" else 0) for flag in TRAITS})
            for agent, (n, k) in counts.items()
        }
        behaviour = BehaviourCounts(agents, 0, 0, None, {})
        return SessionRow("s", "t", "g", None, 1, 0, 1, {}, None, False, None, None, behaviour)

    rows = [
        row({"x": (10, 5), "y": (4, 0)}),
        row({"x": (2, 2), "y": (5, 1)}),
        row({"x": (8, 6), "y": (3, 0)}),
    ]
    expected = kruskal([0.5, 1.0, 0.75], [0.0, 0.2, 0.0])
    result = kruskal_per_run(rows)["LEAD"]
    assert result["H"] == pytest.approx(expected.statistic)
    assert result["p_bonferroni"] == pytest.approx(min(1.0, expected.pvalue * 5))
    assert kruskal_per_run(rows)["PHATIC"]["H"] is None  # every share is 0: undefined


def test_sessions_are_grouped_by_any_provenance_or_config_field(tmp_path: Path) -> None:
    store = _small_store(tmp_path, "warroom-I-run01")
    document = store.load(store.list()[0].id)
    assert field_value(document, "series") == "I"
    assert field_value(document, "condition.temperature") == "0.95"
    assert field_value(document, "options.naming") == "neutral"
    assert field_value(document, "config.title") == "War Room I, run01"
    assert field_value(document, "status") == "finished"
    assert field_value(document, "no.such.field") == "-"


def test_a_folder_of_store_sessions_and_exported_files_is_found_and_bad_files_reported(
    tmp_path: Path,
) -> None:
    store = _small_store(tmp_path / "corpus" / "store", "warroom-A-run01", "warroom-K3-run01")
    exports = tmp_path / "corpus" / "exports"
    exports.mkdir()
    a_run = next(summary.id for summary in store.list() if "-A-" in summary.id)
    export_session(store.load(a_run), "json", exports / "one.json")
    (exports / "junk.json").write_text("[]", encoding="utf-8")

    paths = find_sessions(tmp_path / "corpus")
    analysis = analyse_corpus(paths, "series", jobs=1)

    assert len(paths) == 4
    assert sorted(row.group for row in analysis.rows) == ["A", "A", "K3"]
    assert [Path(path).name for path, _ in analysis.skipped] == ["junk.json"]


def test_analyze_command_prints_tables_csv_and_json_for_a_folder(tmp_path: Path) -> None:
    store = _small_store(tmp_path / "store", "warroom-A-run02", "warroom-B-run02", "warroom-B-run03")
    home = tmp_path / "home"

    tables = convscope("analyze", str(store.root), "--by", "series", home=home)
    as_csv = convscope("analyze", str(store.root), "--csv", "--jobs", "1", home=home)
    as_json = convscope("analyze", str(store.root), "--by", "condition.cloneMode", "--json", home=home)

    assert tables.returncode == 0, tables.stderr
    assert "Profile similarity" in tables.stdout and "0.85 [0.80, 0.89]" in tables.stdout
    assert "analysed 3/3 sessions" in tables.stderr
    assert [row["group"] for row in csv.DictReader(io.StringIO(as_csv.stdout))] == ["A", "B"]
    assert list(json.loads(as_json.stdout)["groups"]) == ["False", "True"]


def test_analyze_refuses_a_folder_without_sessions(tmp_path: Path) -> None:
    result = convscope("analyze", str(tmp_path), "--by", "series", home=tmp_path / "home")
    assert result.returncode == 2
    assert "no session in" in result.stderr and "convscope import warroom" in result.stderr


async def test_a_turn_cut_before_it_said_anything_is_no_message_in_the_behaviour_counts() -> None:
    replies = ("I agree with Agent-B, we should lead.", "Hello, thanks all!", "Sure, I agree.")
    document = await record_session(scripted_config(replies, rounds=3))
    silent = document.turns[3].model_copy(update={"text": "", "cut_by": "interrupt"})
    turns = [silent if turn.index == silent.index else turn for turn in document.turns]

    row = session_row(document.model_copy(update={"turns": turns}), "series")

    assert row.behaviour is not None
    counts = row.behaviour.agents[silent.agent_id]
    assert counts.messages == 2  # of its three turns, the one cut silent is no message
    assert max(counts.traits.values()) <= counts.messages  # coded as the tracker coded them
