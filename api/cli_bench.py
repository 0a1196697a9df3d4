"""``tally bench``: performance at province scale (the commands live in ``benchmarks.cli``)."""

from __future__ import annotations

from benchmarks.cli import app as bench_app

__all__ = ["bench_app"]
