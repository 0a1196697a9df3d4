"""Appends per second through Tally's recorder: ``python scripts/bench_append.py URL [N] [K]``.

Appends N events (default 3000) in transactions of K events (default 1), each a fresh
aggregate's first event with a 300-byte state, into a fresh store at URL (a SQLite file that
must not exist, or a PostgreSQL schema that is dropped first), and prints events per second.
Run it on two checkouts to compare the cost of a change to the write path.
"""

from __future__ import annotations

import sys
import time
import uuid

from eventsourcing.persistence import StoredEvent

from store.bootstrap import init_database, open_tally
from store.settings import DatabaseSettings


def main() -> None:
    url = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    per_transaction = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    settings = DatabaseSettings(url)
    if settings.backend == "postgres":
        import psycopg
        from psycopg import sql

        env = settings.eventsourcing_env()
        with psycopg.connect(dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"],
                             port=env["POSTGRES_PORT"], user=env["POSTGRES_USER"],
                             password=env["POSTGRES_PASSWORD"], autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
                sql.Identifier(env["POSTGRES_SCHEMA"])))
    init_database(settings)
    app = open_tally(settings)
    batches = [[StoredEvent(uuid.uuid4(), 1, "bench:Appended", b"x" * 300)
                for _ in range(per_transaction)] for _ in range(count // per_transaction)]
    app.recorder.insert_events(batches[0])  # connect and prepare before timing
    started = time.perf_counter()
    for batch in batches[1:]:
        app.recorder.insert_events(batch)
    elapsed = time.perf_counter() - started
    appended = per_transaction * (len(batches) - 1)
    print(f"{settings.backend}: {appended} events in transactions of {per_transaction}: "
          f"{appended / elapsed:,.0f} events/s ({elapsed:.2f} s)")
    app.close()


if __name__ == "__main__":
    main()
