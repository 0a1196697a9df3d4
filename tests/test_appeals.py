"""Appeals: an upheld appeal records its correcting fact, linked in the audit trail."""

from __future__ import annotations

from uuid import UUID

import pytest

from domain.application import CommandMeta, Tally
from domain.errors import InvalidInputError, TallyError
from domain.submission import Submission
from projections.audit import AuditTrail
from projections.registry import open_projection
from projections.runner import catch_up
from store.settings import DatabaseSettings
from tests.conftest import event_count
from tests.report_history import office_history
from workflows.appeals import appeal_correlation, decide_appeal


def test_an_upheld_appeal_records_the_correcting_fact_and_the_audit_trail_links_them(
    app: Tally, database: DatabaseSettings
) -> None:
    history = office_history(app)
    number = app.file_appeal(history.item_a, "o1", "2025-06-01", "市委办公室的采用不应撤销",
                             meta=CommandMeta(actor="zhangwei"))
    correction = ("record_instruction", {"leader_level": "provincial", "leader": "省委秘书长",
                                         "instructed_on": "2025-03-20",
                                         "text": "请总结推广"})
    decided = decide_appeal(app, history.item_a, number, True, "2025-06-05", "核实属实",
                            actor="editor", correction=correction)
    assert decided["correlation_id"] == appeal_correlation(history.item_a, number)
    count = event_count(app)
    assert decide_appeal(app, history.item_a, number, True, "2025-06-05", "核实属实",
                         actor="editor", correction=correction) == decided
    assert event_count(app) == count

    audit = open_projection(database, "audit")
    catch_up(app, audit)
    linked = [entry for entry in AuditTrail(audit.view, app.zone).entries(item=history.item_a)
              if entry["correlation_id"] == decided["correlation_id"]]
    events = {entry["event"] for entry in linked}
    assert any("AppealDecided" in name for name in events), events
    assert any("InstructionRecorded" in name for name in events), events


@pytest.mark.parametrize(("upheld", "correction"), [
    (True, None), (False, ("record_instruction", {})), (True, ("delete_item", {})),
])
def test_an_appeal_decision_without_the_right_correction_is_refused(
    app: Tally, upheld: bool, correction: tuple[str, dict[str, object]] | None
) -> None:
    history = office_history(app)
    number = app.file_appeal(history.item_a, "o1", "2025-06-01", "申诉",
                             meta=CommandMeta(actor="zhangwei"))
    before = event_count(app)
    with pytest.raises(InvalidInputError) as refused:
        decide_appeal(app, history.item_a, number, upheld, "2025-06-05", "复核",
                      actor="editor", correction=correction)
    assert refused.value.field == "correction"
    assert event_count(app) == before


@pytest.mark.parametrize(("number", "decided_on", "reason", "field"), [
    (1, "2025-05-31", "复核", "decided_on"),  # before the appeal was filed
    (1, "2099-01-01", "复核", "decided_on"),  # in the future
    (1, "2025-06-05", " ", "reason"),
    (2, "2025-06-05", "复核", "appeal"),  # no such appeal
])
def test_an_upheld_decision_the_item_would_refuse_records_no_correction_either(
    app: Tally, number: int, decided_on: str, reason: str, field: str
) -> None:
    history = office_history(app)
    app.file_appeal(history.item_a, "o1", "2025-06-01", "申诉", meta=CommandMeta(actor="zhangwei"))
    correction = ("record_instruction", {"leader_level": "provincial", "leader": "省委秘书长",
                                         "instructed_on": "2025-03-20", "text": "请总结推广"})
    before = event_count(app)
    with pytest.raises(TallyError) as refused:
        decide_appeal(app, history.item_a, number, True, decided_on, reason, actor="editor",
                      correction=correction)
    assert refused.value.field == field
    assert event_count(app) == before


def test_a_decision_that_fails_after_its_correction_is_applied_writes_neither(
    app: Tally, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The correction and the decision are one save: a failure between them (here the
    decision's event raising, as a crash would stop it) leaves no correction behind."""
    history = office_history(app)
    number = app.file_appeal(history.item_a, "o1", "2025-06-01", "申诉",
                             meta=CommandMeta(actor="zhangwei"))
    correction = ("record_instruction", {"leader_level": "provincial", "leader": "省委秘书长",
                                         "instructed_on": "2025-03-20", "text": "请总结推广"})
    before, instructions = event_count(app), app.get_submission(history.item_a)["instructions"]

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the process stopped here")

    with monkeypatch.context() as patch:
        patch.setattr(Submission, "_appeal_decided", crash)
        with pytest.raises(RuntimeError):
            decide_appeal(app, history.item_a, number, True, "2025-06-05", "核实属实",
                          actor="editor", correction=correction)
    assert event_count(app) == before
    assert app.get_submission(history.item_a)["instructions"] == instructions
    decided = decide_appeal(app, history.item_a, number, True, "2025-06-05", "核实属实",
                            actor="editor", correction=correction)
    assert decided["correction"] == instructions + 1  # the instruction's number
    assert event_count(app) == before + 3  # the instruction, the decision, the command record


def test_a_correction_recorded_alone_by_an_earlier_release_is_completed_not_repeated(
    app: Tally,
) -> None:
    """Earlier releases saved the correction and the decision as two commands, the first
    under the key ``<correlation>:correction``; a decision interrupted between them is
    completed by deciding again, and the correction is not recorded twice."""
    history = office_history(app)
    number = app.file_appeal(history.item_a, "o1", "2025-06-01", "申诉",
                             meta=CommandMeta(actor="zhangwei"))
    correlation = appeal_correlation(history.item_a, number)
    instructions = app.get_submission(history.item_a)["instructions"]
    arguments = {"leader_level": "provincial", "leader": "省委秘书长",
                 "instructed_on": "2025-03-20", "text": "请总结推广"}
    app.record_instruction(history.item_a, **arguments, meta=CommandMeta(
        actor="editor", correlation_id=correlation,
        idempotency_key=f"{correlation}:correction"))
    decided = decide_appeal(app, history.item_a, number, True, "2025-06-05", "核实属实",
                            actor="editor", correction=("record_instruction", arguments))
    assert decided["correction"] == str(instructions + 1)
    assert app.get_submission(history.item_a)["instructions"] == instructions + 1
    item = app._submission(UUID(str(history.item_a)))
    assert [appeal.decided for appeal in item.appeals] == [True]
