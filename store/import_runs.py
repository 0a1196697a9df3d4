"""The web's ledger imports as they run: each run's stage and progress, and its report once it
ends, in a plain table beside the read models. An import runs in a thread of the worker that
took the upload; any worker shows its page, so what the page reads is kept here, not in the
worker's memory. Nothing here is a fact: the import's facts go to the log, all or nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from projections.view import PostgresView, SQLiteView, SQLView
from store.credentials import utc_stamp
from store.settings import DatabaseSettings

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS tally_import_runs ("
    " run_id TEXT PRIMARY KEY, username TEXT NOT NULL, dry_run INTEGER NOT NULL,"
    " state TEXT NOT NULL, stage TEXT NOT NULL, done INTEGER NOT NULL, total INTEGER NOT NULL,"
    " started_at TEXT NOT NULL, updated_at TEXT NOT NULL, report TEXT)",
    # The files a check read, kept so that they can be imported as checked, without being
    # chosen again (BYTEA is a blob on SQLite too).
    "CREATE TABLE IF NOT EXISTS tally_import_files ("
    " run_id TEXT NOT NULL, name TEXT NOT NULL, content BYTEA NOT NULL,"
    " PRIMARY KEY (run_id, name))",
)
#: A run's states: ``running``, then ``done`` (its facts written, or checked in a dry run),
#: ``refused`` (nothing written; the report lists why) or ``failed`` (nothing written; an
#: error the report names).
ENDED = ("done", "refused", "failed")
#: How long the files of a check are kept for an import of them.
KEEP_FILES = timedelta(hours=24)


class ImportRuns(SQLView):
    schema = SCHEMA
    tables = ()  # never emptied by a rebuild: nothing here comes from the log

    def start(self, run_id: str, username: str, dry_run: bool, at: datetime) -> None:
        """A new run; the files of checks started ``KEEP_FILES`` before ``at`` are no longer
        kept."""
        self.commit(None, [
            ("INSERT INTO tally_import_runs (run_id, username, dry_run, state, stage, done,"
             " total, started_at, updated_at)"
             " VALUES (?, ?, ?, 'running', 'reading', 0, 0, ?, ?)",
             (run_id, username, int(dry_run), utc_stamp(at), utc_stamp(at))),
            ("DELETE FROM tally_import_files WHERE run_id IN (SELECT run_id FROM"
             " tally_import_runs WHERE started_at < ?)", (utc_stamp(at - KEEP_FILES),)),
        ])

    def progress(self, run_id: str, stage: str, done: int, total: int, at: datetime) -> None:
        self.commit(None, [(
            "UPDATE tally_import_runs SET stage = ?, done = ?, total = ?, updated_at = ?"
            " WHERE run_id = ? AND state = 'running'",
            (stage, done, total, utc_stamp(at), run_id))])

    def finish(self, run_id: str, state: str, report: str, at: datetime) -> None:
        assert state in ENDED, state
        self.commit(None, [(
            "UPDATE tally_import_runs SET state = ?, report = ?, updated_at = ?"
            " WHERE run_id = ?", (state, report, utc_stamp(at), run_id))])

    def keep_files(self, run_id: str, files: dict[str, bytes]) -> None:
        self.commit(None, [
            ("INSERT INTO tally_import_files (run_id, name, content) VALUES (?, ?, ?)",
             (run_id, name, content)) for name, content in sorted(files.items())])

    def kept_files(self, run_id: str) -> dict[str, bytes]:
        return {row["name"]: bytes(row["content"]) for row in self.query(
            "SELECT name, content FROM tally_import_files WHERE run_id = ?", (run_id,))}

    def forget_files(self, run_id: str) -> None:
        self.commit(None, [("DELETE FROM tally_import_files WHERE run_id = ?", (run_id,))])

    def get(self, run_id: str) -> dict[str, Any] | None:
        """The run, with ``kept``: whether its files are kept (a check that found no
        problem, until they are imported or ``KEEP_FILES`` has passed)."""
        rows = self.query(
            "SELECT r.*, EXISTS (SELECT 1 FROM tally_import_files f WHERE f.run_id = r.run_id)"
            " AS kept FROM tally_import_runs r WHERE r.run_id = ?", (run_id,))
        if not rows:
            return None
        run = rows[0]
        for column in ("started_at", "updated_at"):
            run[column] = datetime.strptime(run[column], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
                tzinfo=UTC)
        run["dry_run"], run["kept"] = bool(run["dry_run"]), bool(run["kept"])
        return run


class SQLiteImportRuns(SQLiteView, ImportRuns):
    pass


class PostgresImportRuns(PostgresView, ImportRuns):
    pass


IMPORT_RUNS: dict[str, type[SQLView]] = {"sqlite": SQLiteImportRuns,
                                         "postgres": PostgresImportRuns}


def open_import_runs(settings: DatabaseSettings, *, create_table: bool = False) -> Any:
    from projections.runner import open_view

    return open_view(settings, IMPORT_RUNS, create_table=create_table)
