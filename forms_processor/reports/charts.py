"""The reports' charts, drawn with matplotlib (Agg, no display needed) as PNG bytes.

Each function takes figures already computed (and already suppressed: a chart is
never given a cell about fewer than 5 pupils) and returns the PNG. A ``Figure`` is
made directly (not through pyplot), so nothing is kept between calls.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # matplotlib is imported when a chart is drawn, not when a command starts
    from matplotlib.figure import Figure

_COLOURS = ("#1d4f7a", "#4f9bd1", "#f0a030", "#b0b7c0")
_MET_COLOURS = {"Exceeded": "#1b7f3b", "Met": "#6cc070", "Partially met": "#f0c040", "Not met": "#d9534f"}
DPI = 110


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def _png(fig: Figure) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


def _empty(message: str) -> bytes:
    fig = _figure(7, 1.2)
    ax = fig.add_subplot()
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=11, color="#555555")
    return _png(fig)


def money_by_school(schools: Sequence[str], series: Mapping[str, Sequence[Decimal]]) -> bytes:
    """Grouped horizontal bars: for each school, one bar per series (e.g. entitlement,
    awarded, spent), in pounds."""
    if not schools:
        return _empty("No schools to show.")
    n = len(series)
    height = 0.8 / max(n, 1)
    fig = _figure(8, 0.18 * len(schools) * max(n, 1) + 1.2)
    ax = fig.add_subplot()
    ys = range(len(schools))
    for k, (name, values) in enumerate(series.items()):
        offs = [y - 0.4 + height * (k + 0.5) for y in ys]
        ax.barh(offs, [float(v) for v in values], height=height, label=name, color=_COLOURS[k % len(_COLOURS)])
    ax.set_yticks(list(ys), list(schools), fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("£")
    ax.xaxis.set_major_formatter(lambda x, _pos: f"£{x:,.0f}")
    ax.grid(axis="x", color="#e0e0e0")
    ax.set_axisbelow(True)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _png(fig)


def outcomes_by_area(counts: Mapping[str, Mapping[str, int]], hidden: int = 0) -> bytes:
    """Stacked horizontal bars: per area of need, the share of outcomes Exceeded / Met /
    Partially met / Not met (percent of that area's outcomes). Each area is labelled with
    its number of outcomes; ``hidden`` areas left out (too few pupils) are said under the chart."""
    areas = [a for a, c in counts.items() if sum(c.values()) > 0]
    left_out = f"{hidden} area(s) of need with fewer than 5 pupils are not shown." if hidden else ""
    if not areas:
        return _empty("No outcomes to show" + (f": {left_out}" if left_out else "."))
    fig = _figure(8, 0.6 * len(areas) + 1.5)
    ax = fig.add_subplot()
    left = [0.0] * len(areas)
    labels = [f"{a}\n({sum(counts[a].values())} outcome{'s' if sum(counts[a].values()) != 1 else ''})"
              for a in areas]
    for label, colour in _MET_COLOURS.items():
        values = []
        for a in areas:
            total = sum(counts[a].values())
            values.append(100.0 * counts[a].get(label, 0) / total)
        ax.barh(labels, values, left=left, color=colour, label=label)
        left = [x + v for x, v in zip(left, values, strict=True)]
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of outcomes" + (f"\n{left_out}" if left_out else ""))
    ax.invert_yaxis()
    ax.tick_params(axis="y", labelsize=8)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=4, fontsize=8, frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _png(fig)


def gains_by_measure(gains: Mapping[str, Decimal]) -> bytes:
    """One small panel per measure (never one axis across measures: their points are
    not comparable), each showing the mean gain in that measure's own points."""
    if not gains:
        return _empty("No gains to show (or too few pupils to show them).")
    items = list(gains.items())
    cols = min(3, len(items))
    rows = (len(items) + cols - 1) // cols
    fig = _figure(2.9 * cols, 2.2 * rows + 0.3)
    for i, (measure, gain) in enumerate(items):
        ax = fig.add_subplot(rows, cols, i + 1)
        value = float(gain)
        ax.bar([0], [value], color="#1b7f3b" if value >= 0 else "#d9534f", width=0.5)
        ax.axhline(0, color="#888888", linewidth=0.8)
        top = max(abs(value), 1.0) * 1.3
        ax.set_ylim(min(0.0, value * 1.3), top if value >= 0 else abs(value) * 0.3)
        ax.set_xticks([])
        ax.set_title(measure, fontsize=8.5)
        ax.text(0, value, f"{value:+.1f}", ha="center", va="bottom" if value >= 0 else "top", fontsize=9)
        ax.tick_params(axis="y", labelsize=7)
        ax.set_ylabel("points", fontsize=7)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    fig.suptitle("Mean gain, in each measure's own points (better direction = up)", fontsize=9)
    fig.tight_layout()
    return _png(fig)
