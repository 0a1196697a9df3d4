"""The import's unit of work: commands run against staged aggregates, and the whole run is
appended in one transaction or not at all."""

from __future__ import annotations

from datetime import date

import pytest
from eventsourcing.persistence import IntegrityError

from api.ledger_staging import StagedTally
from domain.application import CommandMeta, Tally
from domain.errors import InvalidInputError
from domain.values import Cause
from tests.conftest import event_count

CAUSE = Cause(actor="import", correlation_id="import/test/units.csv:2")


def test_staged_commands_write_nothing_until_the_commit(app: Tally, meta: CommandMeta) -> None:
    staged = StagedTally(app)
    staged.register_unit("u1", "县委办公室", "A类", "2025-01-02", meta=meta)
    staged.enrol_officer("o1", "张伟", "u1", "2025-01-02", meta=meta)  # reads the staged unit
    assert event_count(app) == 0

    positions = staged.commit()

    assert positions == [1, 2] and event_count(app) == 2
    assert app.officer_unit_on("o1", "2025-03-01") == "u1"


def test_a_failed_command_leaves_the_staged_aggregates_as_they_were(
    app: Tally, meta: CommandMeta,
) -> None:
    app.register_unit("u1", "县委办公室", "A类", "2025-01-02", meta=meta)
    staged = StagedTally(app)
    staged.register_unit("u2", "城关镇", "B类", "2025-01-02", meta=meta)

    def rename_both_then_refuse() -> None:
        for code in ("u1", "u2"):
            staged._unit("unit", code).rename("新名称", date(2025, 6, 1), "机构调整", CAUSE)
        raise InvalidInputError("refused", field="name")

    with pytest.raises(InvalidInputError):
        staged.attempt(rename_both_then_refuse)

    assert [staged._unit("unit", code).name for code in ("u1", "u2")] == ["县委办公室", "城关镇"]
    assert len(staged.staged) == 1
    staged.commit()
    assert event_count(app) == 2


def test_a_run_another_writer_overtook_writes_nothing(app: Tally, meta: CommandMeta) -> None:
    app.register_unit("u1", "县委办公室", "A类", "2025-01-02", meta=meta)
    staged = StagedTally(app)
    staged.register_unit("u2", "城关镇", "B类", "2025-01-02", meta=meta)
    staged.rename_unit("u1", "县委办公室（县委机要局）", "2025-06-01", "机构调整", meta=meta)
    app.rename_unit("u1", "县委办", "2025-05-01", "简称", meta=meta)  # the other writer
    before = event_count(app)

    with pytest.raises(IntegrityError):
        staged.commit()

    assert event_count(app) == before  # not even the new unit u2
