"""One self-contained HTML file: inline CSS, every figure a base64 PNG, every table HTML.

Everything that comes from a session (titles, agent names, model text) is escaped: model
text is data, never markup. The file needs nothing else to open in a browser or to be
mailed to someone.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Sequence
from html import escape
from pathlib import Path

from convscope import __version__
from convscope.plotdata.model import Chart, Plots, Table
from convscope.report.figures import render_png

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; color: #222; }
h1 { margin-bottom: 0.2rem; } .subtitle { color: #666; margin-top: 0; }
figure { margin: 1.5rem 0; } figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { color: #555; font-size: 0.9rem; }
table { border-collapse: collapse; margin: 1rem 0; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.75rem; text-align: left; }
th { background: #f4f4f4; } footer { color: #888; font-size: 0.8rem; margin-top: 2rem; }
"""


def _table(table: Table) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in table.headers)
    rows = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in table.rows)
    return (
        f"<h2>{escape(table.title)}</h2>\n<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    )


def _figure(chart: Chart, png: bytes) -> str:
    data = base64.b64encode(png).decode("ascii")
    caption = escape(chart.title) + (f" — {escape(chart.note)}" if chart.note else "")
    return (
        f'<figure id="{escape(chart.key)}"><img alt="{escape(chart.title)}" '
        f'src="data:image/png;base64,{data}"><figcaption>{caption}</figcaption></figure>'
    )


def render_html(plots: Plots, images: Sequence[bytes]) -> str:
    """The report page; ``images`` are the PNGs of ``plots.charts``, in order."""
    figures = "\n".join(_figure(chart, png) for chart, png in zip(plots.charts, images, strict=True))
    tables = "\n".join(_table(table) for table in plots.tables)
    made = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(plots.title)}</title><style>{_STYLE}</style></head><body>\n"
        f'<h1>{escape(plots.title)}</h1><p class="subtitle">{escape(plots.subtitle)}</p>\n'
        f"{tables}\n{figures}\n"
        f"<footer>convscope {escape(__version__)} · {made}</footer>\n</body></html>\n"
    )


def write_report(plots: Plots, output: Path, *, png_dir: Path | None = None) -> list[Path]:
    """Write the HTML file (and, with ``png_dir``, every figure as ``NN-<key>.png``);
    return the PNG files written."""
    images = [render_png(chart) for chart in plots.charts]
    written: list[Path] = []
    if png_dir is not None:
        png_dir.mkdir(parents=True, exist_ok=True)
        for number, (chart, png) in enumerate(zip(plots.charts, images, strict=True), 1):
            path = png_dir / f"{number:02d}-{chart.key}.png"
            path.write_bytes(png)
            written.append(path)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render_html(plots, images), encoding="utf-8")
    return written
