"""The board chart: granted and used money per insats as a PNG. The only matplotlib import.

matplotlib is imported inside :func:`chart_png` (it takes a while to import) and used through its
object API with the Agg canvas, never pyplot, so that a web server can draw from several threads.
"""

from __future__ import annotations

import io
import logging

from assistant.board.overview import Overview

logger = logging.getLogger(__name__)


def chart_png(overview: Overview, *, dpi: int = 150) -> bytes | None:
    """Horizontal bars of granted and used money per insats, with the share used; None without any money.

    Args:
        overview: the comparison to draw.
        dpi: resolution of the PNG.
    """
    rows = [r for r in overview.rows if r.granted_kr is not None or r.used_kr is not None]
    if not rows:
        return None
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows.reverse()  # the first insats at the top
    height = 1.6 + 0.55 * len(rows)
    figure = Figure(figsize=(8.0, height), dpi=dpi, layout="constrained")
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    positions = list(range(len(rows)))
    bar = 0.38
    granted = [(r.granted_kr or 0) / 1e6 for r in rows]
    used = [(r.used_kr or 0) / 1e6 for r in rows]
    ax.barh([p + bar / 2 for p in positions], granted, height=bar, color="#9db4cf", label="Beviljat")
    ax.barh([p - bar / 2 for p in positions], used, height=bar, color="#2f5d8a", label="Utnyttjat")
    for p, row, value in zip(positions, rows, used, strict=True):
        if row.granted_kr and row.used_kr is not None:
            share = f"{row.used_kr / row.granted_kr * 100:.0f} %"
            ax.text(value, p - bar / 2, f" {share}", va="center", fontsize=8, color="#1d3a57")
    ax.set_yticks(positions, [_label(r.insats, r.kommun) for r in rows], fontsize=8)
    ax.set_xlabel("Miljoner kronor")
    ax.set_title("Beviljade och utnyttjade medel per insats", fontsize=10)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_xlim(0, max(granted + used) * 1.15 or 1)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    logger.info("drew the chart for %d insatser", len(rows))
    return buffer.getvalue()


def _label(name: str, kommun: str | None) -> str:
    text = name if not kommun or kommun.lower() in name.lower() else f"{name} ({kommun})"
    return text if len(text) <= 42 else text[:40] + "…"
