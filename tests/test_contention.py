"""Eight processes race on the same items on PostgreSQL: every acknowledged fact is in the log
exactly once, every refusal is a clear conflict (409), and the read models equal a rebuild."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from uuid import UUID

import pytest

from domain.application import CommandMeta
from projections.registry import open_projections
from projections.runner import catch_up, rebuild
from store.bootstrap import open_tally
from store.settings import DatabaseSettings
from tests import writers
from tests.test_projection_crash import snapshot

PROCESSES = 8
ITEMS = 4
ROUNDS = 3


@pytest.mark.slow
@pytest.mark.postgres
def test_eight_processes_racing_on_the_same_items_lose_nothing_and_double_nothing(
    postgres_database: DatabaseSettings,
) -> None:
    app = open_tally(postgres_database)
    meta = CommandMeta(actor="admin")
    app.register_unit("u1", "县委办公室", "A类", "2025-01-01", meta=meta)
    app.enrol_officer("o1", "张伟", "u1", "2025-01-01", meta=meta)
    app.open_account("approver", "李敏", ["approver"], unit="u1", meta=meta)
    app.register_outlet("prov", "省委办公厅", "info", "provincial", meta=meta)
    adopt, approve = [], []
    for number in range(2 * ITEMS):
        item = str(app.draft_submission(f"关于第{number}项工作的情况", "info", "other", "o1",
                                        "2025-03-01", meta=meta))
        app.submit(item, "2025-03-02", meta=meta)
        if number < ITEMS:
            app.approve(item, "approver", "2025-03-02T09:00:00+08:00", meta=meta)
            adopt.append(item)
        else:
            approve.append(item)

    context = multiprocessing.get_context("spawn")
    with context.Pool(PROCESSES) as pool:
        results = pool.starmap(writers.contend, [(postgres_database.url, w, adopt, approve,
                                                  ROUNDS) for w in range(PROCESSES)])
    outcomes = [o for result in results for o in result]
    assert len(outcomes) == PROCESSES * ROUNDS * (2 * len(adopt) + len(approve))

    refusals = Counter(result for _, _, result in outcomes if not result.startswith("ok:"))
    # Losers are told why, as a conflict: already adopted, no longer awaiting approval, or
    # other writers kept winning (retry). Nothing else, and never a crash.
    assert set(refusals) <= {"AlreadyAdoptedError:409", "WrongStateError:409",
                             "ConflictError:409"}, refusals
    assert refusals["AlreadyAdoptedError:409"] and refusals["WrongStateError:409"]

    history = {item: list(app.repository.event_store.get(UUID(item)))
               for item in adopt + approve}
    for item in adopt:
        won = [o for o in outcomes if o[:2] == ("adopt", item) and o[2].startswith("ok:")]
        adopted = [e for e in history[item] if type(e).__name__ == "Adopted"]
        assert len(won) == len(adopted) == 1, item
        numbers = sorted(int(o[2][3:]) for o in outcomes
                         if o[:2] == ("instruct", item) and o[2].startswith("ok:"))
        logged = sorted(e.number for e in history[item]
                        if type(e).__name__ == "InstructionRecorded")
        assert numbers == logged and len(set(logged)) == len(logged), item
    for item in approve:
        won = [o for o in outcomes if o[:2] == ("approve", item) and o[2].startswith("ok:")]
        approved = [e for e in history[item] if type(e).__name__ == "Approved"]
        assert len(won) == len(approved) == 1, item

    for name, projection in open_projections(postgres_database).items():
        catch_up(app, projection)
        caught_up = snapshot(projection.view)
        rebuild(app, projection)
        assert snapshot(projection.view) == caught_up, name
        projection.view.datastore.close()
    app.close()
