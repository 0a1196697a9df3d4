"""Chasing (催报): reminders of quotas, commissions and instructions; lapses recorded once."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

from domain.application import CommandMeta, Tally
from projections.registry import open_projection
from projections.runner import catch_up
from projections.scores import ScoreReports
from store.bootstrap import open_tally
from store.settings import DatabaseSettings
from tests.conftest import event_count
from tests.report_history import office_history
from tests.test_cli_reports import tally
from workflows.reminders import LogFileDelivery, record_lapses, reminders

DAY = date(2025, 5, 20)


def test_the_office_is_reminded_of_quotas_commissions_and_instructions_and_lapses_are_recorded_once(  # noqa: E501
    app: Tally, database: DatabaseSettings, tmp_path: Path
) -> None:
    history = office_history(app)
    # o1 appeals item A's score and waits; o2's appeal was dismissed; o1's second is later
    app.file_appeal(history.item_a, "o1", "2025-05-10", "漏计市级采用",
                    meta=CommandMeta(actor="o1", known_at="2025-05-10T10:00"))
    app.file_appeal(history.item_a, "o2", "2025-05-12", "分值有误",
                    meta=CommandMeta(actor="o2", known_at="2025-05-12T10:00"))
    app.decide_appeal(history.item_a, 2, False, "2025-05-15", "按办法计分无误",
                      meta=CommandMeta(actor="editor", known_at="2025-05-15T10:00"))
    app.file_appeal(history.item_a, "o1", "2025-05-25", "再次申诉",
                    meta=CommandMeta(actor="o1", known_at="2025-05-25T10:00"))
    app.publish_method("[method]\ncode='m'\nname='办法'\neffective_from=2025-01-01\n"
                       "[adoption.info]\nprovincial={full=20}\n",
                       meta=CommandMeta(actor="admin", known_at="2025-01-02T09:00"))
    app.set_target("officer", "o3", 2025, items=12,
                   meta=CommandMeta(actor="admin", known_at="2025-01-03T09:00"))
    boards, ledger = open_projection(database, "boards"), open_projection(database, "ledger")
    catch_up(app, boards)
    catch_up(app, ledger)
    found = reminders(ScoreReports(ledger.view, app.zone), boards.view, DAY)
    kinds = {(r.kind, r.to) for r in found}
    assert ("commission_overdue", "u1") in kinds  # C2, due 2025-05-15
    assert ("instruction_feedback", "u1") in kinds  # the city leader's instruction on item A
    assert ("quota", "o3") in kinds  # 4 items due by April, none adopted
    assert not any(r.kind == "commission_due" for r in found)  # C3 is due at the year's end
    [appeal] = [r for r in found if r.kind == "appeal_waiting"]  # not the decided or the later
    assert (appeal.to, appeal.name, appeal.due) == ("o1", "张伟", "2025-05-10")
    assert "第1号申诉" in appeal.detail and "已等待10天" in appeal.detail
    assert all(r.detail for r in found)

    log = tmp_path / "reminders.log"
    LogFileDelivery(log).deliver(found, DAY)
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [line["kind"] for line in lines] == [r.kind for r in found]
    assert lines[0]["on"] == "2025-05-20"

    before = event_count(app)
    [lapse] = record_lapses(app, boards.view, DAY)
    assert event_count(app) == before + 2  # the lapse and its idempotency record
    assert record_lapses(app, boards.view, DAY) == [lapse]  # the board has not caught up yet
    assert event_count(app) == before + 2
    catch_up(app, boards)
    assert record_lapses(app, boards.view, DAY) == []
    assert not any(r.kind == "commission_overdue"
                   for r in reminders(ScoreReports(ledger.view, app.zone), boards.view, DAY))


def test_the_command_line_chases_records_lapses_and_closes_and_reissues_a_month(
    database: DatabaseSettings, tmp_path: Path
) -> None:
    app_ = open_tally(database)
    office_history(app_)
    app_.close()
    url = database.url
    log = tmp_path / "chase.log"
    done = tally("report", "reminders", "--as-of", "2025-05-20", "--log", str(log),
                 "--record-lapses", "--format", "json", url=url)
    assert done.returncode == 0, done.stderr.decode()
    rows = json.loads(done.stdout)
    assert {row["kind"] for row in rows} == {"instruction_feedback"}  # C2 now lapsed
    assert log.read_text(encoding="utf-8").count("\n") == len(rows)
    closed = tally("workflows", "close", "--period", "2025-03", "--actor", "editor", url=url)
    assert closed.returncode == 0, closed.stderr.decode()
    digest = closed.stdout.decode().split("sha256=")[1].split()[0]
    again = tally("workflows", "reissue", "--period", "2025-03", url=url)
    assert again.returncode == 0, again.stderr.decode()
    assert hashlib.sha256(again.stdout.rstrip(b"\n")).hexdigest() == digest
    assert tally("workflows", "run", url=url).returncode == 0


def test_the_web_page_lists_the_reminders_of_a_day(app: Tally, database: DatabaseSettings) -> None:
    from fastapi.testclient import TestClient

    from api.web import create_app
    from projections.registry import open_projections
    from tests.web import log_in

    office_history(app)
    app.open_account("editor", "编辑部", ["editor"], meta=CommandMeta(actor="admin"))
    for projection in open_projections(database).values():  # the workers' part on PostgreSQL
        catch_up(app, projection)
    client = TestClient(create_app(database))
    log_in(client, "editor")
    page = client.get("/reminders", params={"as_of": DAY.isoformat()})
    assert page.status_code == 200
    assert "约稿逾期未报" in page.text and "领导批示待反馈" in page.text
    assert client.get("/reminders", params={"as_of": "2025-13-40"}).status_code == 422
