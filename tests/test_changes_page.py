"""What changed (得分变化) as a page: a period's results as known on one day against the same
results as known later (now, by default), with the facts learned in between that did it; by
default since the period's last day, so a late notice shows with the points it moved."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from api.services import Services
from api.web import create_app
from domain.scoring import ScoreLine
from domain.standings import Standing
from domain.values import HolderKind
from projections.scores import ScoreReports
from store.bootstrap import open_tally
from tests.api_office import BACKENDS, SESSION, SETUP
from tests.bulletin_office import record_office
from tests.conftest import ModuleStores
from tests.test_api_reports import csv_rows
from tests.web import log_in


@pytest.fixture(scope="module", params=BACKENDS)
def leader(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A leader's session on the first quarter of ``tests.bulletin_office``: each fact known
    on its day, the last adoption (o1's item, city, 31 March) known on 1 April."""
    if request.param == "postgres" and not request.getfixturevalue("postgres_available"):
        pytest.skip("PostgreSQL is not reachable (it never skips with CI=true)")
    stores = ModuleStores(tmp_path_factory.mktemp("changes"), "changes")
    settings = stores.fresh(request.param)
    tally = open_tally(settings)
    record_office(tally)
    tally.open_account("leader", "孙领导", ["leader"], meta=SETUP)
    services = Services(settings, tally)
    client = TestClient(create_app(services=services, session=SESSION))
    log_in(client, "leader")
    yield client
    client.close()
    services.close()
    stores.close()


def table(html: str, name: str) -> list[list[str]]:
    body = html.split(f'<table id="{name}">')[1].split("<tbody>")[1].split("</tbody>")[0]
    return [[cell.split("<td", 1)[1].split(">", 1)[1] for cell in row.split("</td>")[:-1]]
            for row in body.split("</tr>") if "<td" in row]


def test_a_notice_learned_after_the_quarter_shows_with_the_points_it_moved(
        leader: TestClient) -> None:
    page = leader.get("/changes", params={"period": "2025-Q1"})
    assert page.status_code == 200
    assert 'value="2025-03-31"' in page.text  # by default, since the quarter's last day
    holders = table(page.text, "changes")
    assert holders[0][:2] == ["o1", "张伟"]
    before, after, change = (Decimal(cell) for cell in holders[0][2:5])
    assert change > 0 and after - before == change
    # the others listed only moved in rank: o1 passed them
    assert all(Decimal(row[4]) == 0 and row[5] != row[6] for row in holders[1:])
    causes = table(page.text, "causes")
    # the city's adoption of o1's item, dated 31 March, whose notice came on 1 April, and
    # March's quota base it completed: together, the change
    assert [row[:4] for row in causes] == [
        ["2025-04-01 09:00:00+08:00", "o1", "张伟", "2025-03-31"],
        ["（由上述事实引起的期间规则变化）", "o1", "张伟", "2025-03-01"]]
    assert causes[1][5] == "quota.monthly_base"
    assert sum(Decimal(row[6]) for row in causes) == change

    settled = leader.get("/changes", params={"period": "2025-Q1", "before": "2025-04-01"})
    assert "o1" not in str(table(settled.text, "changes"))
    assert "o1" not in str(table(settled.text, "causes"))
    units = leader.get("/changes", params={"period": "2025-Q1", "by": "unit",
                                           "after": "2025-04-01"})
    assert table(units.text, "changes")[0][:2] == ["u1", "县委办公室"]
    sheet = csv_rows(leader.get("/changes", params={"period": "2025-Q1", "format": "csv"}))
    assert sheet[0][:2] == ["编号", "姓名"] and sheet[1][0] == "o1"


@pytest.mark.parametrize(("params", "field"), [
    ({"period": "2025-Q1", "before": "2025-03-31", "after": "2025-03-01"}, "after"),
    ({"period": "2025-Q1", "before": "2025-02-30"}, "before"),
    ({"period": "2025-Q5"}, "period"),
    ({"period": "2025-Q1", "by": "team"}, "by"),
])
def test_bad_days_and_periods_are_named(leader: TestClient, params: dict[str, str],
                                        field: str) -> None:
    refused = leader.get("/changes", params=params)
    assert refused.status_code == 422
    assert f'id="error-field">{field}<' in refused.text


def test_a_period_rule_reworded_with_the_same_points_is_no_change() -> None:
    """A month's quota base already reached, reached again by one more item: its wording
    counts the items, its points stay; the difference lists nothing for it."""
    def standing(fact: str, points: str) -> Standing:
        line = ScoreLine(kind="quota", valid_on=date(2025, 3, 1), officer_id="o1",
                         unit_id=None, item_id=None, fact=fact, clause="quota.monthly_base",
                         method="m", points=Decimal(points))
        return Standing(HolderKind.OFFICER, "o1", "o1", "张伟", "县委办公室", lines=[line])

    then = [standing("3月完成任务：1篇，目标1篇", "10")]
    assert ScoreReports._rule_changes(then, [standing("3月完成任务：2篇，目标1篇", "10")]) == []
    [moved] = ScoreReports._rule_changes(then, [standing("3月完成任务：2篇，目标1篇", "15")])
    assert (moved["points"], moved["fact"]) == ("5.00", "3月完成任务：2篇，目标1篇")
