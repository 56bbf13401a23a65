"""The HTML report: one self-contained file whose every image decodes, for a session and a corpus."""

from __future__ import annotations

import base64
import io
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from convscope.cli import main
from convscope.core.config_files import load_config
from convscope.headless.runner import run_headless
from convscope.plotdata import LineChart, session_plots
from convscope.report import command as report_command
from convscope.report.html import write_report
from convscope.sessions.importers import importer
from convscope.sessions.importers.folder import import_file
from convscope.sessions.schema import SessionDocument
from convscope.sessions.store import SessionStore
from tests.e2e.cli_support import convscope
from tests.support.warroom import transcripts

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class _Page(HTMLParser):
    """What a browser would fetch and show: images, tables, external references."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.tables = 0
        self.external: list[str] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "img":
            self.images.append(attributes.get("src") or "")
        if tag == "table":
            self.tables += 1
        if tag in ("script", "link") or (
            tag == "img" and not (attributes.get("src") or "").startswith("data:")
        ):
            self.external.append(tag)
        self._in_title = tag == "title"

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def _decoded(src: str) -> Image.Image:
    prefix = "data:image/png;base64,"
    assert src.startswith(prefix)
    image = Image.open(io.BytesIO(base64.b64decode(src[len(prefix) :], validate=True)))
    image.load()
    return image


def _import(store: SessionStore, run: str) -> SessionDocument:
    series = run.split("-")[1]
    imported = import_file(importer("warroom"), transcripts() / series / f"{run}.json", store)
    return store.load(imported.session_id)


@pytest.fixture(scope="module")
def war_room_run(tmp_path_factory: pytest.TempPathFactory) -> SessionDocument:
    return _import(SessionStore(tmp_path_factory.mktemp("store")), "warroom-A-run03")


def test_a_session_report_is_one_html_file_whose_every_image_decodes(
    war_room_run: SessionDocument, tmp_path: Path
) -> None:
    plots = session_plots(war_room_run)
    write_report(plots, tmp_path / "report.html")

    page = _parse(tmp_path / "report.html")
    assert page.title == "War Room A, run03"
    assert page.external == []
    assert len(page.images) == len(plots.charts)
    assert [chart.key for chart in plots.charts] == [
        "rouge", "confidence", "behaviour", "stability", "distances-previous", "distances-own", "profiles",
    ]  # fmt: skip
    assert page.tables == 2
    for src in page.images:
        image = _decoded(src)
        assert image.format == "PNG" and image.width > 400 and image.height > 200


def test_model_text_in_a_report_is_escaped_not_markup(war_room_run: SessionDocument, tmp_path: Path) -> None:
    config = war_room_run.config.model_copy(update={"title": '<script>alert("x")</script> & co'})
    write_report(session_plots(war_room_run.model_copy(update={"config": config})), tmp_path / "r.html")
    text = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<script>" not in text and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in text


def test_png_dir_gets_every_figure_as_a_file(war_room_run: SessionDocument, tmp_path: Path) -> None:
    plots = session_plots(war_room_run)
    written = write_report(plots, tmp_path / "r.html", png_dir=tmp_path / "png")
    assert [path.name for path in written] == [f"{n:02d}-{c.key}.png" for n, c in enumerate(plots.charts, 1)]
    assert all(Image.open(path).format == "PNG" for path in written)


@pytest.mark.slow
def test_with_embeddings_the_report_adds_influence_projection_and_intrinsic_dimension(
    war_room_run: SessionDocument, tmp_path: Path
) -> None:
    plots = session_plots(war_room_run, embeddings=True)
    keys = [chart.key for chart in plots.charts]
    assert {"influence", "projection"} <= set(keys)
    summary = {row[0]: row[1] for row in plots.tables[0].rows}
    assert float(summary["intrinsic dimension (TwoNN)"]) > 1
    write_report(plots, tmp_path / "report.html")
    assert len(_parse(tmp_path / "report.html").images) == len(keys)


def test_report_command_writes_a_corpus_report_with_the_papers_figures(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "corpus")
    for run in ("warroom-A-run04", "warroom-A-run05", "warroom-B-run04", "warroom-B-run05"):
        _import(store, run)

    result = convscope(
        "report", str(store.root), "-o", str(tmp_path / "corpus.html"), "--png", str(tmp_path / "png"),
        home=tmp_path / "home",
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    page = _parse(tmp_path / "corpus.html")
    assert len(page.images) == 5 and all(_decoded(src).format == "PNG" for src in page.images)
    assert "0.56" in (tmp_path / "corpus.html").read_text(encoding="utf-8")  # the paper's A
    assert len(list((tmp_path / "png").glob("*.png"))) == 5


def test_report_command_on_a_session_without_embeddings(
    war_room_run: SessionDocument, tmp_path: Path
) -> None:
    exported = tmp_path / "session.json"
    exported.write_text(war_room_run.model_dump_json(), encoding="utf-8")
    result = convscope(
        "report", str(exported), "--no-embeddings", "-o", str(tmp_path / "r.html"), home=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "7 figures" in result.stderr
    assert len(_parse(tmp_path / "r.html").images) == 7


@pytest.mark.parametrize(
    "destination",
    [
        ("blocker/report.html", None, "blocker is a file"),
        ("report.html", "blocker/pngs", "blocker is a file"),
        ("a-folder", None, "it is a folder"),
        ("report.html", "blocker", "it is a file"),
    ],
    ids=["report-under-a-file", "pngs-under-a-file", "report-is-a-folder", "pngs-is-a-file"],
)
def test_report_refuses_a_destination_it_could_never_write_before_analysing_anything(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    destination: tuple[str, str | None, str],
) -> None:
    output, png, reason = destination
    (tmp_path / "blocker").write_text("a file, not a folder")
    (tmp_path / "a-folder").mkdir()
    monkeypatch.chdir(tmp_path)

    def no_analysis(*_: object, **__: object) -> None:
        raise AssertionError("the corpus was analysed before the destination was checked")

    monkeypatch.setattr(report_command, "analyse_corpus", no_analysis)
    corpus = SessionStore(tmp_path / "corpus")
    _import(corpus, "warroom-A-run04")  # a folder the report would analyse if it got that far
    args = ["report", str(corpus.root), "-o", output, *(["--png", png] if png else [])]

    assert main(args) == 2
    error = capsys.readouterr().err
    assert error.startswith("convscope: error: cannot write ") and error.count("\n") == 1
    assert reason in error


async def test_a_network_report_sets_the_opinion_spread_beside_degroots_halving_time(tmp_path: Path) -> None:
    config = load_config("network-degroot").model_copy(update={"rounds": 15})
    store = SessionStore(tmp_path / "store")
    writer = await run_headless(config, store=store, file=io.StringIO())
    plots = session_plots(store.load(writer.session_id))

    chart = next(c for c in plots.charts if c.key == "disagreement")
    assert isinstance(chart, LineChart)
    assert [s.kind for s in chart.series] == ["measured", "fit", "theory"]
    assert [m.label for m in chart.markers] == ["STD halved", "theoretical halving time"]
    assert "halving time" in chart.note and "|λ2|" in chart.note
    write_report(plots, tmp_path / "network.html")
    assert len(_parse(tmp_path / "network.html").images) == len(plots.charts)


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian package 'chromium')")
def test_headless_chromium_renders_the_report(war_room_run: SessionDocument, tmp_path: Path) -> None:
    write_report(session_plots(war_room_run), tmp_path / "report.html")
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            f"--screenshot={shot}", "--window-size=1200,1600", (tmp_path / "report.html").as_uri(),
        ],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    pixels = np.asarray(Image.open(shot).convert("L"), dtype=np.float64)
    assert pixels.shape == (1600, 1200)
    assert (pixels < 128).mean() > 0.005  # text and plot lines, not a blank page
    assert pixels[:100].std() > 10  # the title is drawn at the top
