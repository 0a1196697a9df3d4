"""Chart geometry for the dashboard, drawn as inline SVG by ``templates/_charts.html``.

No script draws anything: the server computes every bar, point and label, so the charts show
without JavaScript and print as they look. Every value is written beside its mark, and series
differ by pattern as well as shade, so nothing is told by colour alone."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

#: Fills of the series, dark to light, each with its own pattern (see ``_charts.html``).
FILLS = ("url(#fill-solid)", "url(#fill-hatch)", "url(#fill-dots)", "url(#fill-light)")
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 36


def nice_top(largest: float) -> float:
    """A round number at least ``largest``, for the top of the value axis."""
    if largest <= 0:
        return 1
    step = 1.0
    while step * 10 < largest:
        step *= 10
    for factor in (1, 2, 2.5, 5, 10):
        if step * factor >= largest:
            return step * factor
    return step * 10


def ticks(top: float, count: int = 4) -> list[float]:
    return [top * i / count for i in range(count + 1)]


def number_text(value: float | Decimal) -> str:
    as_float = float(value)
    return str(int(as_float)) if as_float == int(as_float) else f"{as_float:.1f}"


@dataclass
class Mark:
    x: float
    y: float
    width: float = 0
    height: float = 0
    fill: str = ""
    text: str = ""


@dataclass
class Chart:
    width: int
    height: int
    marks: list[Mark] = field(default_factory=list)
    labels: list[Mark] = field(default_factory=list)  # value labels
    axis: list[Mark] = field(default_factory=list)  # tick labels (x, y, text)
    gridlines: list[float] = field(default_factory=list)
    categories: list[Mark] = field(default_factory=list)
    line: str = ""  # an SVG path for a line chart
    legend: list[tuple[str, str]] = field(default_factory=list)  # (fill, series name)
    reference: Mark | None = None  # a reference line with its label
    plot_left: float = LEFT
    plot_right: float = 0
    plot_bottom: float = 0


def stacked_columns(categories: list[str], series: list[tuple[str, list[int]]],
                    width: int = 640, height: int = 280) -> Chart:
    """One column per category, its series stacked, each segment with its count; the total
    above the column."""
    chart = Chart(width, height, plot_right=width - RIGHT, plot_bottom=height - BOTTOM)
    totals = [sum(values[i] for _, values in series) for i in range(len(categories))]
    top = nice_top(max(totals, default=0))
    plot_height = height - TOP - BOTTOM
    slot = (width - LEFT - RIGHT) / max(1, len(categories))
    column = slot * 0.6
    chart.gridlines = [height - BOTTOM - plot_height * t / top for t in ticks(top)]
    chart.axis = [Mark(LEFT - 6, height - BOTTOM - plot_height * t / top + 4, text=number_text(t))
                  for t in ticks(top)]
    for i, name in enumerate(categories):
        x = LEFT + slot * i + (slot - column) / 2
        base = height - BOTTOM
        for s, (_, values) in enumerate(series):
            value = values[i]
            if not value:
                continue
            h = plot_height * value / top
            base -= h
            chart.marks.append(Mark(x, base, column, h, FILLS[s % len(FILLS)], str(value)))
            if h >= 14:
                chart.labels.append(Mark(x + column / 2, base + h / 2 + 4, text=str(value)))
        if totals[i]:
            chart.labels.append(Mark(x + column / 2, base - 4, text=str(totals[i])))
        chart.categories.append(Mark(x + column / 2, height - BOTTOM + 16, text=name))
    chart.legend = [(FILLS[s % len(FILLS)], name) for s, (name, _) in enumerate(series)]
    return chart


def line_points(categories: list[str], values: list[Decimal],
                width: int = 640, height: int = 260) -> Chart:
    """A line through the values, each point labelled with its value."""
    chart = Chart(width, height, plot_right=width - RIGHT, plot_bottom=height - BOTTOM)
    top = nice_top(float(max(values, default=Decimal(0))))
    plot_height = height - TOP - BOTTOM
    slot = (width - LEFT - RIGHT) / max(1, len(categories))
    chart.gridlines = [height - BOTTOM - plot_height * t / top for t in ticks(top)]
    chart.axis = [Mark(LEFT - 6, height - BOTTOM - plot_height * t / top + 4, text=number_text(t))
                  for t in ticks(top)]
    path = []
    for i, (name, value) in enumerate(zip(categories, values, strict=True)):
        x = LEFT + slot * i + slot / 2
        y = height - BOTTOM - plot_height * max(0.0, float(value)) / top
        path.append(f"{'M' if not path else 'L'}{x:.1f},{y:.1f}")
        chart.marks.append(Mark(x, y, text=number_text(value)))
        chart.labels.append(Mark(x, y - 8, text=number_text(value)))
        chart.categories.append(Mark(x, height - BOTTOM + 16, text=name))
    chart.line = " ".join(path)
    return chart


def horizontal_bars(names: list[str], percents: list[Decimal | None], reference: int = 100,
                    width: int = 640) -> Chart:
    """One bar per name, its percent written after it; a holder without a target shows a dash.
    A dashed line marks ``reference`` percent."""
    row, name_width = 24, 150
    height = TOP + row * max(1, len(names)) + BOTTOM
    chart = Chart(width, height, plot_left=name_width, plot_right=width - RIGHT - 48,
                  plot_bottom=height - BOTTOM)
    top = max([float(reference)] + [float(p) for p in percents if p is not None])
    scale = (chart.plot_right - name_width) / top
    for i, (name, percent) in enumerate(zip(names, percents, strict=True)):
        y = TOP + row * i
        chart.categories.append(Mark(name_width - 6, y + row / 2 + 4, text=name))
        if percent is None:
            chart.labels.append(Mark(name_width + 4, y + row / 2 + 4, text="—"))
            continue
        bar = float(percent) * scale
        chart.marks.append(Mark(name_width, y + 4, bar, row - 8,
                                FILLS[0] if percent >= reference else FILLS[1], f"{percent}%"))
        chart.labels.append(Mark(name_width + bar + 4, y + row / 2 + 4, text=f"{percent}%"))
    x = name_width + reference * scale
    chart.reference = Mark(x, TOP, height=row * len(names), text=f"{reference}%")
    chart.axis = [Mark(name_width + t * scale, height - BOTTOM + 16, text=f"{number_text(t)}%")
                  for t in ticks(top)]
    return chart
