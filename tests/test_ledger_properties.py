"""Property: the ledger's totals equal the pure scoring function's, for every period and every
as-of moment sampled, over random sequences of facts (hypothesis)."""

from __future__ import annotations

import tempfile
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from domain.application import CommandMeta, Tally
from domain.errors import TallyError
from domain.identity import derived_id
from domain.period import Period
from domain.standings import standings
from domain.values import HolderKind
from projections.registry import open_projection
from projections.runner import catch_up
from projections.scores import ScoreReports
from store.bootstrap import init_database, open_tally
from store.settings import DatabaseSettings

ZONE = ZoneInfo("Asia/Shanghai")
START = datetime(2025, 1, 1, 9, tzinfo=ZONE)
UNITS = ("u1", "u2", "u3")
OFFICERS = {"o1": "u1", "o2": "u1", "o3": "u2", "o4": "u3", "o5": "u3"}
OUTLETS = {"nat": ("国务院办公厅", "national"), "prov": ("省委办公厅", "provincial"),
           "city": ("市委办公室", "city"), "county": ("县委办公室", "county")}
PERIODS = ("2025", "2025-H1", "2025-H2", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4",
           "2025-03", "2025-12")

METHOD = """
[method]
code = "{code}"
name = "性质测试办法"
effective_from = {effective}
levels = "{levels}"
split = "{split}"
period_score = "{period_score}"

[adoption.info]
national = {{ full = 30, merged = 15, excerpt = 10 }}
provincial = {{ full = 20, merged = 10, excerpt = 6 }}
city = {{ full = 10, merged = 5, excerpt = 3 }}
county = {{ full = 5, merged = 3, excerpt = 2 }}

[forwarding]
provincial = 2
national = 5

[submission]
provincial = 5
national = 30

[instruction]
national = 50
provincial = 40
city = 30
county = 10

[category.new_measure]
multiplier = 2

[category.typical_experience]
bonus = 5

[timeliness]
late_after_days = 5
late_deduction = 2

[deductions]
missed = 5
error = 3

[limits]
floor = 0
period_cap = {cap}

[quota]
monthly_base = 10
yearly_cap = 60

[cliff]
min_items = 2

[rewards]
national = 2000
provincial = 500
"""

day_of_2025 = st.integers(min_value=0, max_value=364).map(
    lambda n: date(2025, 1, 1) + timedelta(days=n))

operation = st.one_of(
    st.tuples(st.just("item"), st.sampled_from(["new_measure", "typical_experience", "other"]),
              st.lists(st.sampled_from(sorted(OFFICERS)), min_size=1, max_size=3, unique=True),
              st.booleans(), day_of_2025, st.integers(0, 10)),
    st.tuples(st.just("adopt"), st.integers(0, 30), st.sampled_from(sorted(OUTLETS)),
              st.sampled_from(["full", "merged", "excerpt"]),
              st.sampled_from(["direct", "forwarded"]), st.integers(0, 60)),
    st.tuples(st.just("retract"), st.integers(0, 30), st.sampled_from(sorted(OUTLETS))),
    st.tuples(st.just("instruct"), st.integers(0, 30),
              st.sampled_from(["national", "provincial", "city", "county"]), st.integers(0, 60)),
    st.tuples(st.just("send"), st.integers(0, 30), st.sampled_from(sorted(OUTLETS)),
              st.integers(0, 20)),
    st.tuples(st.just("finding"), st.sampled_from(sorted(OFFICERS) + list(UNITS)),
              st.sampled_from(["missed", "error"]), day_of_2025),
    st.tuples(st.just("transfer"), st.sampled_from(sorted(OFFICERS)), st.sampled_from(UNITS),
              day_of_2025),
)

method_versions = st.tuples(
    st.sampled_from(["cumulative", "highest"]), st.sampled_from(["even", "shares"]),
    st.sampled_from(["sum", "average"]), st.sampled_from([60, 200, 10_000]),
    st.one_of(st.none(), day_of_2025),
    st.sampled_from(["cumulative", "highest"]),
)


def set_up(app: Tally, versions: tuple) -> None:
    levels, split, period_score, cap, second_from, second_levels = versions
    meta = CommandMeta(actor="admin", known_at=START)
    app.publish_method(METHOD.format(code="v1", effective="2025-01-01", levels=levels,
                                     split=split, period_score=period_score, cap=cap),
                       meta=meta)
    if second_from is not None and second_from != date(2025, 1, 1):
        app.publish_method(METHOD.format(code="v2", effective=second_from.isoformat(),
                                         levels=second_levels, split=split,
                                         period_score=period_score, cap=cap), meta=meta)
    for unit in UNITS:
        app.register_unit(unit, f"单位{unit}", "A类", "2025-01-01", meta=meta)
        app.open_account(f"approver-{unit}", "审核人", ["approver"], unit=unit, meta=meta)
    for officer, unit in OFFICERS.items():
        app.enrol_officer(officer, f"信息员{officer}", unit, "2025-01-01", meta=meta)
        app.set_target("officer", officer, 2025, items=12, meta=meta)
    for code, (name, level) in OUTLETS.items():
        app.register_outlet(code, name, "info", level, meta=meta)


def run(app: Tally, operations: list[tuple], clock: list[datetime]) -> None:
    items: list[tuple[str, date]] = []
    for op in operations:
        clock.append(clock[-1] + timedelta(hours=7))
        meta = CommandMeta(actor="editor", known_at=clock[-1])
        try:
            apply(app, op, items, meta)
        except TallyError:
            pass  # refused: nothing recorded, as the property needs


def apply(app: Tally, op: tuple, items: list[tuple[str, date]], meta: CommandMeta) -> None:
    kind = op[0]
    if kind == "item":
        _, category, authors, shares, day, delay = op
        authors_text = ";".join(authors)
        if shares and len(authors) > 1:
            parts = ["0.5"] + [str(round(0.5 / (len(authors) - 1), 4))] * (len(authors) - 1)
            parts[-1] = str(1 - sum(float(p) for p in parts[:-1]))[:6]
            authors_text = ";".join(f"{o}:{p}" for o, p in zip(authors, parts, strict=True))
        submitted = min(day + timedelta(days=delay), date(2025, 12, 31))
        item = app.draft_submission("关于工作的情况", "info", category, authors_text,
                                    day.isoformat(), meta=meta)
        app.submit(item, submitted.isoformat(), meta=meta)
        unit = app.get_submission(item)["unit_id"]
        approver = next(f"approver-{u}" for u in UNITS if str(derived_id("unit", u)) == unit)
        app.approve(item, approver, f"{submitted.isoformat()}T18:00", meta=meta)
        items.append((str(item), submitted))
    elif kind in ("adopt", "retract", "instruct", "send") and items:
        item, submitted = items[op[1] % len(items)]
        later = lambda n: min(submitted + timedelta(days=n), date(2025, 12, 31)).isoformat()  # noqa: E731
        if kind == "adopt":
            app.record_adoption(item, op[2], op[3], later(op[5]), route=op[4], meta=meta)
        elif kind == "retract":
            app.retract_adoption(item, op[2], "更正", meta=meta)
        elif kind == "instruct":
            app.record_instruction(item, op[2], "领导", later(op[3]), "阅", meta=meta)
        elif kind == "send":
            app.send_to_outlet(item, op[2], "direct", later(op[3]), meta=meta)
    if kind == "finding":
        holder_kind = "unit" if op[1].startswith("u") else "officer"
        app.record_finding(op[2], holder_kind, op[1], op[3].isoformat(), "通报", meta=meta)
    elif kind == "transfer":
        app.transfer_officer(op[1], op[2], op[3].isoformat(), "调动", meta=meta)


def totals(result: list) -> dict[str, tuple[Decimal, Decimal, int, int, int]]:
    return {s.code: (s.points, s.money, s.rank, s.adoptions, s.items) for s in result}


@example(  # a transfer dated before facts already scored moves them to the other unit
    versions=("cumulative", "shares", "sum", 10_000, date(2025, 6, 1), "highest"),
    operations=[("item", "new_measure", ["o1", "o3"], True, date(2025, 3, 1), 1),
                ("adopt", 0, "prov", "full", "forwarded", 2),
                ("adopt", 0, "city", "excerpt", "direct", 120),
                ("instruct", 0, "city", 3),
                ("transfer", "o1", "u2", date(2025, 2, 1)),
                ("retract", 0, "city"),
                ("finding", "o1", "missed", date(2025, 5, 1))],
    samples=[3, 5], periods=["2025-Q1", "2025-H2"],
)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(versions=method_versions, operations=st.lists(operation, min_size=5, max_size=30),
       samples=st.lists(st.integers(0, 1000), min_size=1, max_size=2),
       periods=st.lists(st.sampled_from(PERIODS), min_size=1, max_size=3, unique=True))
def test_ledger_totals_equal_the_pure_scoring_function(versions, operations, samples,
                                                       periods) -> None:
    with tempfile.TemporaryDirectory() as folder:
        database = DatabaseSettings(f"sqlite:///{Path(folder) / 'p.db'}")
        init_database(database)
        app = open_tally(database, clock=lambda: datetime(2026, 6, 1, tzinfo=ZONE))
        set_up(app, versions)
        clock = [START]
        run(app, operations, clock)
        ledger = open_projection(database, "ledger")
        catch_up(app, ledger)
        reports = ScoreReports(ledger.view, zone=ZONE)
        moments = [None] + [clock[n % len(clock)] for n in samples]
        for moment in moments:
            facts = reports.facts(moment)
            for period in ("2025", *periods):
                for kind in HolderKind:
                    expected = standings(facts, Period.parse(period), kind)
                    actual = reports.standings(period, kind.value, moment)
                    assert totals(actual) == totals(expected), (period, kind, moment)
        ledger.view.datastore.close()
        app.close()
