"""The province benchmark runs whole at a tiny size on both backends and prints every figure."""

from __future__ import annotations

import json
import math
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from tests.conftest import PG_ADMIN

FIGURES = (
    "raw batched append", "raw append, one event per transaction", "raw read + decode", "import",
    "rebuild, all projections",
    "as-of ranking (ledger)", "as-of ranking by replay", "HTTP commands",
    "projection lag under load", "history into the live store",
    "rebuild after the history", "write floor of a rebuild", "peak RSS",
)


def _run(database: str, out: Path) -> tuple[str, dict]:
    result = CliRunner().invoke(app, [
        "bench", "--events", "4000", "--units", "12", "--officers", "60", "--batch", "500",
        "--queries", "10", "--naive", "2", "--http-seconds", "1", "--http-clients", "4",
        "--database", database,
        "--out", str(out), "--drop-after",
    ], terminal_width=200)
    assert result.exit_code == 0, result.output
    return result.output, json.loads(out.read_text(encoding="utf-8"))


def _check(output: str, results: dict) -> None:
    for figure in FIGURES:
        assert figure in output
    assert 3500 <= results["import"]["events"] <= 4500
    # The import phase measures import_ledgers of the generated year's ledger folder: every
    # generated event comes back through it.
    assert "import_ledgers" in results["import"]["path"]
    assert results["import"]["events"] == results["workload"]["events"]
    assert set(results["import"]["timings"]) == {"read", "check", "record", "write"}
    assert results["raw"]["append"]["events"] == results["import"]["events"]
    assert results["raw"]["read_decode"]["events"] == results["import"]["events"]
    assert results["raw"]["append_one"]["events"] == min(1_000, results["import"]["events"])
    assert results["rebuild"]["events"] == results["import"]["events"]
    for rate in (results["import"]["rate"], results["raw"]["append"]["rate"],
                 results["raw"]["read_decode"]["rate"], results["rebuild"]["rate"],
                 results["raw"]["append_one"]["rate"]):
        assert rate > 0 and math.isfinite(rate)
    queries = results["as_of"]
    assert queries["queries"] == 10 and 0 < queries["p50_ms"] <= queries["p95_ms"]
    assert queries["holders"] == 60
    assert queries["naive"]["queries"] == 2 and queries["naive"]["agree"]
    assert 0 < results["import"]["rss_mb"] < 2000 and 0 < results["rebuild"]["rss_mb"] < 2000
    # History known in the log's first month rewinds the ledger over every fact after it
    # (the HTTP phase's commands included, on PostgreSQL), and the rankings still answer.
    rewind = results["rewind"]
    assert rewind["history"] == 72 and rewind["rewinds"] >= 1
    assert rewind["rewound_from"].startswith("2025-01-01T")
    assert rewind["facts"] > results["import"]["events"] // 2
    assert 0 < rewind["rss_mb"] < 2000 and rewind["seconds"] > 0
    assert rewind["as_of"]["queries"] == 5 and 0 < rewind["as_of"]["p50_ms"]
    # the old register's officers left before the log's first day: the same officers ranked
    assert rewind["as_of"]["holders"] == queries["holders"]
    assert rewind["as_of_before"]["queries"] == 5
    assert rewind["as_of_before"]["holders"] == queries["holders"]
    # then every projection rebuilt over the log with the history recorded after it
    again = results["rebuild_after_history"]
    assert again["events"] > results["rebuild"]["events"] and again["seconds"] > 0
    assert 0 < again["rss_mb"] < 2000
    floor = results["write_floor"]
    if floor["measured"]:  # every row the views hold after that rebuild, written again
        assert floor["events"] == again["events"] and floor["tables"] >= 20
        assert floor["rows"] > floor["events"] and floor["indexes"] >= floor["tables"]
        assert 0 < floor["load_seconds"] < floor["seconds"]
    else:
        assert floor["reason"] == "PostgreSQL only"
    http = results["http"]
    assert http["measured"] or http["reason"]
    if http["measured"]:  # one level of 4 clients: the levels' loop is the same at any count
        assert [level["concurrency"] for level in http["levels"]] == [4]
        assert http["levels"] and all(level["rate"] > 0 for level in http["levels"])
        assert 0 < http["p50_ms"] <= http["p95_ms"] <= http["p99_ms"]
        assert not http["failures"]
    assert set(results["ratios"]) == {"import_vs_raw_append", "rebuild_vs_raw_read",
                                      "as_of_speedup"}


@pytest.mark.slow
def test_the_benchmark_prints_every_figure_on_sqlite(tmp_path: Path) -> None:
    output, results = _run(f"sqlite:///{tmp_path / 'bench.db'}", tmp_path / "results.json")
    _check(output, results)
    assert not (tmp_path / "bench.db").exists()  # dropped after


@pytest.mark.slow
@pytest.mark.postgres
def test_the_benchmark_prints_every_figure_on_postgres(
        tmp_path: Path, postgres_available: bool) -> None:
    if not postgres_available:
        pytest.skip("PostgreSQL is not reachable (it never skips with CI=true)")
    url = f"{PG_ADMIN}?schema=bench_{uuid.uuid4().hex[:10]}"
    output, results = _run(url, tmp_path / "results.json")
    _check(output, results)
    assert results["server"].startswith("PostgreSQL")
    assert results["write_floor"]["measured"]


def test_the_benchmark_refuses_a_store_that_holds_events(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'bench.db'}"
    from store.bootstrap import init_database, open_tally
    from store.settings import DatabaseSettings

    settings = DatabaseSettings(database)
    init_database(settings)
    tally = open_tally(settings)
    from benchmarks.province import Scale, generate

    generate(tally, Scale(events=400, units=3, officers=6, batch=100))
    tally.close()
    result = CliRunner().invoke(app, ["bench", "--database", database, "--events", "100"])
    assert result.exit_code == 1
    assert "empty store" in result.output
