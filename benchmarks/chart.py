"""A small hand-written SVG: rebuild time and as-of ranking latency against log size.

``python -m benchmarks.chart docs/bench/results-*.json --out docs/bench/scaling.svg``"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

WIDTH, HEIGHT, PAD = 760, 360, 60
SERIES = (
    ("rebuild of every projection (s)", "#1f77b4", lambda r: r["rebuild"]["seconds"]),
    ("as-of ranking p50 (s)", "#2ca02c", lambda r: r["as_of"]["p50_ms"] / 1000),
    ("as-of ranking p95 (s)", "#d62728", lambda r: r["as_of"]["p95_ms"] / 1000),
    ("as-of ranking by replay p50 (s)", "#9467bd", lambda r: r["as_of"]["naive"]["p50_ms"] / 1000),
)


def _scale(value: float, low: float, high: float, size: float) -> float:
    return (math.log10(value) - low) / (high - low) * size


def _value(value: Any, result: dict[str, Any]) -> float | None:
    """A series' point, or None where the run stopped before measuring it."""
    try:
        return float(value(result))
    except (KeyError, TypeError):
        return None


def chart(results: list[dict[str, Any]]) -> str:
    results = sorted((r for r in results if "import" in r), key=lambda r: r["import"]["events"])
    sizes = [r["import"]["events"] for r in results]
    values = [v for _, _, f in SERIES for r in results if (v := _value(f, r)) is not None]
    x_low, x_high = math.log10(min(sizes)) - 0.1, math.log10(max(sizes)) + 0.1
    y_low = math.floor(math.log10(min(v for v in values if v > 0)))
    y_high = math.ceil(math.log10(max(values)))
    plot_w, plot_h = WIDTH - 2 * PAD - 180, HEIGHT - 2 * PAD
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
           f'<text x="{PAD}" y="24" font-size="14">Tally on PostgreSQL: time against log size '
           f'(log-log)</text>']
    for exponent in range(y_low, y_high + 1):
        y = PAD + plot_h - _scale(10 ** exponent, y_low, y_high, plot_h)
        out.append(f'<line x1="{PAD}" x2="{PAD + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
                   'stroke="#ddd"/>')
        label = f"{10 ** exponent:g} s"
        out.append(f'<text x="{PAD - 6}" y="{y + 4:.1f}" text-anchor="end">{label}</text>')
    for size in sizes:
        x = PAD + _scale(size, x_low, x_high, plot_w)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{PAD}" y2="{PAD + plot_h}" '
                   'stroke="#eee"/>')
        out.append(f'<text x="{x:.1f}" y="{PAD + plot_h + 18}" text-anchor="middle">'
                   f'{size / 1000:,.0f}k events</text>')
    for index, (name, colour, value) in enumerate(SERIES):
        points = [(PAD + _scale(s, x_low, x_high, plot_w),
                   PAD + plot_h - _scale(v, y_low, y_high, plot_h))
                  for s, r in zip(sizes, results, strict=True)
                  if (v := _value(value, r)) is not None and v > 0]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        out += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in points]
        legend_y = PAD + 16 * index
        out.append(f'<rect x="{PAD + plot_w + 16}" y="{legend_y - 9}" width="12" height="12" '
                   f'fill="{colour}"/>')
        out.append(f'<text x="{PAD + plot_w + 32}" y="{legend_y + 1}">{name}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write_chart(paths: list[Path], out: Path) -> None:
    results = [json.loads(path.read_text(encoding="utf-8")) for path in paths]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(chart(results), encoding="utf-8")


def main(argv: list[str]) -> None:
    out = Path("docs/bench/scaling.svg")
    if "--out" in argv:
        index = argv.index("--out")
        out = Path(argv[index + 1])
        argv = argv[:index] + argv[index + 2:]
    write_chart([Path(a) for a in argv], out)
    print(f"chart written to {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
