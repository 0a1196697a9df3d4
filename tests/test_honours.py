"""The optional [honours] table of a method file, and the ranking of honours within the top N."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.application import CommandMeta, Tally
from domain.errors import AlreadyExistsError, InvalidInputError, WrongStateError
from domain.method import HonourRule, MethodError, parse_method
from tests.conftest import event_count
from tests.test_method_file import VALID
from workflows.honours import ranked


def test_a_method_may_name_the_rules_of_each_honour() -> None:
    method = parse_method(VALID + "[honours.units]\ntop = 3\nmin_points = 100\n"
                          "veto_missed_commissions = 2\n[honours.items]\ntop = 10\n")
    assert method.honours == {
        "units": HonourRule(top=3, min_points=Decimal(100), veto_missed_commissions=2),
        "items": HonourRule(top=10, min_points=Decimal(0), veto_missed_commissions=None)}
    assert parse_method(VALID).honours == {}


@pytest.mark.parametrize(("table", "key"), [
    ("[honours.units]\nmin_points = 10\n", "honours.units.top"),
    ("[honours.officers]\ntop = 0\n", "honours.officers.top"),
    ("[honours.officers]\ntop = 'ten'\n", "honours.officers.top"),
    ("[honours.items]\ntop = 5\nmin_points = -1\n", "honours.items.min_points"),
    ("[honours.items]\ntop = 5\nveto_missed_commissions = 1\n",
     "honours.items.veto_missed_commissions"),
    ("[honours.units]\ntop = 5\nveto_missed_commissions = 0\n",
     "honours.units.veto_missed_commissions"),
    ("[honours.medals]\ntop = 5\n", "honours.medals"),
    ("[honours]\n", "honours"),
    ("honours = 3\n", "honours"),
])
def test_a_malformed_honours_table_is_refused_naming_the_key(table: str, key: str) -> None:
    source = table + VALID if not table.startswith("[") else VALID + table
    with pytest.raises(MethodError) as refused:
        parse_method(source)
    assert refused.value.field == key


def test_ties_at_the_boundary_are_all_honoured_and_the_minimum_holds() -> None:
    rule = HonourRule(top=2, min_points=Decimal(10), veto_missed_commissions=None)
    candidates = [("a", "甲", Decimal(30)), ("b", "乙", Decimal(20)), ("c", "丙", Decimal(20)),
                  ("d", "丁", Decimal(15)), ("e", "戊", Decimal(5))]
    assert [(rank, code) for rank, (code, _, _) in ranked(candidates, rule)] == [
        (1, "a"), (2, "b"), (2, "c")]
    strict = HonourRule(top=5, min_points=Decimal(16), veto_missed_commissions=None)
    assert [code for _, (code, _, _) in ranked(candidates, strict)] == ["a", "b", "c"]


@pytest.mark.parametrize(("changes", "field"), [
    ({"category": "medals"}, "category"), ({"year": "2025"}, "year"), ({"rank": 0}, "rank"),
    ({"points": "many"}, "points"), ({"holder": ""}, "holder"),
])
def test_an_honour_with_bad_input_is_refused_and_nothing_is_written(
    app: Tally, meta: CommandMeta, changes: dict[str, object], field: str
) -> None:
    args: dict[str, object] = {"year": 2025, "category": "units", "holder": "u1",
                               "name": "县委办公室", "rank": 1, "points": "120",
                               "rule": "honours.units"}
    before = event_count(app)
    with pytest.raises(InvalidInputError) as refused:
        app.award_honour(**{**args, **changes}, meta=meta)  # type: ignore[arg-type]
    assert refused.value.field == field
    assert event_count(app) == before


def test_an_honour_is_revoked_once_with_its_reason_and_blank_reasons_are_refused(
    app: Tally, meta: CommandMeta
) -> None:
    honour_id = app.award_honour(2025, "items", "item-1", "我县春耕生产有序推进", 1, "10",
                                 "honours.items", meta=meta)
    before = event_count(app)
    with pytest.raises(InvalidInputError) as refused:
        app.revoke_honour(honour_id, "  ", meta=meta)
    assert refused.value.field == "reason"
    assert event_count(app) == before
    app.revoke_honour(honour_id, "采用单位更正", meta=meta)
    assert app.honour(2025, "items", "item-1")["revoked_reason"] == "采用单位更正"
    with pytest.raises(WrongStateError) as again:
        app.revoke_honour(str(honour_id), "再次撤销", meta=meta)
    assert again.value.field == "honour_id"
    assert event_count(app) == before + 1
    assert app.honour(2025, "items", "item-2") is None


def test_a_revoked_honours_place_is_filled_once_by_a_holder_without_one(
    app: Tally, meta: CommandMeta
) -> None:
    first = app.award_honour(2025, "officers", "o1", "张伟", 1, "10", "honours.officers",
                             meta=meta)
    app.award_honour(2025, "officers", "o2", "刘洋", 2, "8", "honours.officers", meta=meta)
    before = event_count(app)
    with pytest.raises(WrongStateError) as standing:  # only a revoked honour's place
        app.fill_honour(first, "o3", "王芳", 2, "6", "honours.officers", "递补", meta=meta)
    assert standing.value.field == "honour_id"
    app.revoke_honour(first, "采用单位更正", meta=meta)
    for changes, field in (({"reason": " "}, "reason"), ({"rank": 0}, "rank"),
                           ({"points": "many"}, "points"), ({"holder": ""}, "holder"),
                           ({"honour_id": "not-an-id"}, "honour_id")):
        args = {"honour_id": first, "holder": "o3", "name": "王芳", "rank": 2, "points": "6",
                "rule": "honours.officers", "reason": "递补", **changes}
        with pytest.raises(InvalidInputError) as refused:
            app.fill_honour(**args, meta=meta)  # type: ignore[arg-type]
        assert refused.value.field == field
    with pytest.raises(AlreadyExistsError) as honoured:  # 刘洋 holds one already
        app.fill_honour(first, "o2", "刘洋", 1, "8", "honours.officers", "递补", meta=meta)
    assert honoured.value.field == "holder"
    assert event_count(app) == before + 1  # the revocation only

    filler = app.fill_honour(first, "o3", "王芳", 2, "6", "honours.officers", "经研究决定递补",
                             meta=meta)
    assert app.honour(2025, "officers", "o1")["filled_by"] == str(filler)
    assert app.honour(2025, "officers", "o3") == {
        **app.honour(2025, "officers", "o3"), "name": "王芳", "rank": 2, "points": "6",
        "revoked_reason": None, "filled_by": None}
    with pytest.raises(WrongStateError):  # filled before
        app.fill_honour(first, "o4", "李娜", 3, "5", "honours.officers", "再议", meta=meta)
    assert app.honour(2025, "officers", "o4") is None
