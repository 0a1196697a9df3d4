"""An upgrade that makes a read model's tables otherwise (other columns, types or indexes):
``tally db init`` cannot alter a table it finds (``CREATE TABLE IF NOT EXISTS`` keeps it), so
it drops that projection's tables, makes them anew and forgets its position; ``tally rebuild``
then projects it again. A store whose layouts match is left alone."""

from __future__ import annotations

from domain.application import Tally
from projections.registry import PROJECTIONS, open_projection
from projections.runner import catch_up, rebuild, tracking_name
from projections.scores import ScoreReports
from store.bootstrap import init_database
from store.settings import DatabaseSettings
from tests.test_shared_views import item, office

NAMES = [projection_class.name for projection_class, _ in PROJECTIONS]


def _store(app: Tally) -> None:
    office(app)
    item(app, 1, "o1")
    item(app, 2, "o1")


def _ranking(database: DatabaseSettings) -> list[dict[str, object]]:
    ledger = open_projection(database, "ledger")
    try:
        return ScoreReports(ledger.view).ranking("2025")
    finally:
        ledger.view.datastore.close()  # type: ignore[attr-defined]


def test_init_renews_only_the_projection_whose_layout_changed(
        database: DatabaseSettings, app: Tally) -> None:
    _store(app)
    ledger = open_projection(database, "ledger")
    catch_up(app, ledger)
    head = app.recorder.max_notification_id()
    before = _ranking(database)
    assert before and before[0]["points"] != "0.00"
    assert init_database(database) == []  # the same release: nothing to do
    assert ledger.view.max_tracking_id(tracking_name(ledger)) == head

    # as an earlier release would have left it: another layout recorded for the ledger
    ledger.view.commit(None, [("UPDATE view_layouts SET layout = ? WHERE name = ?",
                               ("an-earlier-one", "ledger"))])
    assert init_database(database) == ["ledger"]
    assert not ledger.view.max_tracking_id(tracking_name(ledger))
    assert ledger.view.query("SELECT COUNT(*) AS n FROM holder_spans")[0]["n"] == 0
    assert init_database(database) == []  # recorded now

    rebuild(app, ledger)
    assert _ranking(database) == before
    ledger.view.datastore.close()  # type: ignore[attr-defined]


def test_init_renews_tables_made_before_layouts_were_recorded(
        database: DatabaseSettings, app: Tally) -> None:
    _store(app)
    projections = {name: open_projection(database, name) for name in ("ledger", "catalog")}
    for projection in projections.values():
        catch_up(app, projection)
    ledger = projections["ledger"]
    ledger.view.commit(None, [("DELETE FROM view_layouts", ())])
    # the two projections that had a position are renewed; the others held nothing
    assert sorted(init_database(database)) == ["catalog", "ledger"]
    for projection in projections.values():
        assert not projection.view.max_tracking_id(tracking_name(projection))
        projection.view.datastore.close()  # type: ignore[attr-defined]


def test_init_remakes_a_table_of_other_types(postgres_database: DatabaseSettings) -> None:
    """The span table as the release before this layout made it on PostgreSQL (holder and
    known time as text): init makes it again with the current types."""
    from store.bootstrap import open_tally

    app = open_tally(postgres_database)
    _store(app)
    ledger = open_projection(postgres_database, "ledger")
    catch_up(app, ledger)
    before = _ranking(postgres_database)
    view = ledger.view
    view.commit(None, [
        ("ALTER TABLE holder_spans ALTER COLUMN holder TYPE TEXT, "
         "ALTER COLUMN known_at TYPE TEXT", ()),
        ("UPDATE view_layouts SET layout = ? WHERE name = ?", ("an-earlier-one", "ledger"))])
    assert init_database(postgres_database) == ["ledger"]
    types = view.query(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = 'holder_spans' "
        "AND column_name IN ('holder', 'known_at') ORDER BY column_name")
    assert [row["data_type"] for row in types] == ["uuid", "timestamp without time zone"]
    rebuild(app, ledger)
    assert _ranking(postgres_database) == before
    view.datastore.close()  # type: ignore[attr-defined]
    app.close()


def test_every_projection_records_its_layout(database: DatabaseSettings, app: Tally) -> None:
    del app  # the store is made by the fixture
    ledger = open_projection(database, "ledger")
    names = [row["name"] for row in ledger.view.query(
        "SELECT name FROM view_layouts ORDER BY name")]
    assert names == sorted(NAMES)
    ledger.view.datastore.close()  # type: ignore[attr-defined]
