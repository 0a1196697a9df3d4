"""Scoring-method files: a malformed one is refused naming the key to mend, and writes nothing;
the example methods in methods/ are valid and can be published."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.application import CommandMeta, Tally
from domain.method import Levels, MethodError, parse_method
from tests.conftest import event_count

METHODS = Path(__file__).resolve().parent.parent / "methods"
EXAMPLES = sorted(METHODS.glob("*.toml"))

HEAD = """
[method]
code = "test-2025"
name = "测试办法"
effective_from = 2025-01-01
"""
ADOPTION = """
[adoption.info]
provincial = { full = 20, merged = 10 }
"""
VALID = HEAD + ADOPTION


def with_head(**changes: str) -> str:
    """The valid method with keys of [method] replaced (given as TOML values) or added."""
    lines = [f"{key} = {value}" for key, value in changes.items()]
    kept = [line for line in HEAD.strip().splitlines()
            if line.split(" = ")[0] not in changes]
    return "\n".join([*kept, *lines]) + "\n" + ADOPTION


MALFORMED = [
    # (what is wrong, the file, the key the error names)
    ("unknown level", HEAD + "[adoption.info]\ngalactic = { full = 5 }\n",
     "adoption.info.galactic"),
    ("unknown level in forwarding", VALID + "[forwarding]\nworld = 2\n", "forwarding.world"),
    ("unknown level in rewards", VALID + "[rewards]\nvillage = 10\n", "rewards.village"),
    ("unknown form", HEAD + "[adoption.info]\nprovincial = { whole = 20 }\n",
     "adoption.info.provincial.whole"),
    ("unknown channel", HEAD + "[adoption.radio]\nprovincial = { full = 20 }\n",
     "adoption.radio"),
    ("unknown category", VALID + "[category.gossip]\nbonus = 5\n", "category.gossip"),
    ("negative period cap", VALID + "[limits]\nperiod_cap = -5\n", "limits.period_cap"),
    ("negative deduction cap", VALID + "[limits]\ndeduction_cap = -1\n",
     "limits.deduction_cap"),
    ("negative deduction", VALID + "[deductions]\nmissed = -3\n", "deductions.missed"),
    ("negative points", HEAD + "[adoption.info]\nprovincial = { full = -20 }\n",
     "adoption.info.provincial.full"),
    ("points that are not a number", HEAD + "[adoption.info]\ncity = { full = \"ten\" }\n",
     "adoption.info.city.full"),
    ("points given as true", HEAD + "[adoption.info]\ncity = { full = true }\n",
     "adoption.info.city.full"),
    ("a level that is not a table", HEAD + "[adoption.info]\nprovincial = 20\n",
     "adoption.info.provincial"),
    ("missing [adoption] table", HEAD, "adoption"),
    ("an [adoption] table with no points", HEAD + "[adoption]\n", "adoption"),
    ("missing [method] table", ADOPTION, "method"),
    ("unknown key in [method]", with_head(colour='"red"'), "method.colour"),
    ("unknown table", VALID + "[bonuses]\nnew_measure = 5\n", "bonuses"),
    ("unknown key in [quota]", VALID + "[quota]\nmonthly_base = 10\nmonthly = 2\n",
     "quota.monthly"),
    ("unknown key in [deductions]", VALID + "[deductions]\nlate = 2\n", "deductions.late"),
    ("bad effective date", with_head(effective_from='"2025-13-01"'), "method.effective_from"),
    ("effective date and time", with_head(effective_from="2025-01-01T08:00:00"),
     "method.effective_from"),
    ("effective date as a number", with_head(effective_from="20250101"),
     "method.effective_from"),
    ("missing effective date", with_head(effective_from='""'), "method.effective_from"),
    ("code with a space", with_head(code='"county 2025"'), "method.code"),
    ("empty name", with_head(name='" "'), "method.name"),
    ("unknown way of scoring levels", with_head(levels='"all"'), "method.levels"),
    ("unknown period score", with_head(period_score='"median"'), "method.period_score"),
    ("unknown split", with_head(split='"by seniority"'), "method.split"),
    ("unknown combine", with_head(combine='"sum"'), "method.combine"),
    ("multiplier and bonus both missing", VALID + "[category.new_measure]\n",
     "category.new_measure"),
    ("unknown key beside the category bonus", VALID + "[category.new_measure]\nplus = 5\n",
     "category.new_measure.plus"),
    ("late deduction without the days", VALID + "[timeliness]\nlate_deduction = 2\n",
     "timeliness.late_after_days"),
    ("late days that are not whole",
     VALID + "[timeliness]\nlate_after_days = 1.5\nlate_deduction = 2\n",
     "timeliness.late_after_days"),
    ("quota without base points", VALID + "[quota]\nyearly_cap = 120\n", "quota.monthly_base"),
    ("quota counting something else", VALID + "[quota]\nmonthly_base = 10\ncounts = \"words\"\n",
     "quota.counts"),
    ("cliff of no items", VALID + "[cliff]\nmin_items = 0\n", "cliff.min_items"),
    ("veto without a count", VALID + "[veto]\n", "veto.missed_commissions"),
    ("reward for an outlet that is not a number",
     VALID + "[rewards.outlets]\nmedia-xinhua = \"a lot\"\n", "rewards.outlets.media-xinhua"),
    ("not TOML at all", "[method\ncode = ", "file"),
]


@pytest.mark.parametrize(("source", "key"), [(source, key) for _, source, key in MALFORMED],
                         ids=[what for what, _, _ in MALFORMED])
def test_a_malformed_method_file_is_refused_naming_the_key(source: str, key: str) -> None:
    with pytest.raises(MethodError) as refused:
        parse_method(source)
    assert refused.value.field == key


def test_the_valid_base_of_those_cases_parses() -> None:
    assert parse_method(VALID).code == "test-2025"


REFUSED_ON_PUBLISHING = [
    (HEAD + "[adoption.info]\ngalactic = { full = 5 }\n", "adoption.info.galactic"),
    (VALID + "[limits]\nperiod_cap = -5\n", "limits.period_cap"),
    (HEAD, "adoption"),
    (VALID + "[method.extra]\nkey = 1\n", "method.extra"),
    (with_head(effective_from="2025-01-01T08:00:00"), "method.effective_from"),
    (VALID + "[category.new_measure]\n", "category.new_measure"),
]


def test_publishing_a_malformed_file_writes_nothing(app: Tally, meta: CommandMeta) -> None:
    # One store for all the cases: each refusal must leave it exactly as it was.
    before = event_count(app)
    for source, key in REFUSED_ON_PUBLISHING:
        with pytest.raises(MethodError) as refused:
            app.publish_method(source, meta=meta)
        assert refused.value.field == key
        assert event_count(app) == before
    assert app.method_sources() == {}


def test_the_example_methods_are_all_there() -> None:
    assert [path.name for path in EXAMPLES] == [
        "city-publicity-2025.toml", "county-info-2025.toml", "demo-2025.toml"]


@pytest.mark.parametrize("path", EXAMPLES, ids=[path.stem for path in EXAMPLES])
def test_an_example_method_parses(path: Path) -> None:
    method = parse_method(path.read_text(encoding="utf-8"))
    assert method.code == path.stem


def test_the_example_methods_say_what_the_issue_asks_of_them() -> None:
    county, city, demo = (parse_method((METHODS / f"{name}.toml").read_text(encoding="utf-8"))
                          for name in ("county-info-2025", "city-publicity-2025", "demo-2025"))
    assert county.levels is Levels.CUMULATIVE and demo.levels is Levels.CUMULATIVE
    assert city.levels is Levels.HIGHEST
    assert {level.value: str(factor) for level, factor in county.forwarding.items()} == {
        "provincial": "2", "national": "5"}
    assert {level.value: str(bonus) for level, bonus in county.instruction.items()} == {
        "national": "50", "provincial": "40", "city": "30", "county": "10"}
    assert county.quota is not None and county.quota.monthly_base == 10
    assert county.quota.yearly_cap == 120
    assert county.cliff_min_items == 15 and county.veto_missed_commissions == 2
    rewards = [*city.rewards.values(), *city.reward_outlets.values()]
    assert min(rewards) == 50 and max(rewards) == 2000
    assert {channel.value for channel in demo.adoption} == {"info", "publicity"}


def test_the_example_methods_can_all_be_published(app: Tally, meta: CommandMeta) -> None:
    # One office keeps one version in force per day: the examples are published a day apart.
    for offset, path in enumerate(EXAMPLES):
        source = path.read_text(encoding="utf-8").replace(
            "effective_from = 2025-01-01", f"effective_from = 2025-01-0{offset + 1}")
        assert app.publish_method(source, meta=meta) == path.stem
    assert sorted(app.method_sources()) == [path.stem for path in EXAMPLES]
