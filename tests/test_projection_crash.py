"""A projection worker killed with SIGKILL mid-batch, then restarted, equals a clean rebuild."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

import pytest

from api.demo import generate_demo
from projections.registry import PROJECTIONS, open_projection
from projections.runner import rebuild, tracking_name
from store.bootstrap import open_tally
from store.settings import DatabaseSettings

NAMES = [projection_class.name for projection_class, _ in PROJECTIONS]


def snapshot(view: Any) -> dict[str, list[dict[str, Any]]]:
    return {table: sorted(view.query(f"SELECT * FROM {table}"),  # noqa: S608
                          key=lambda row: tuple(str(v) for v in row.values()))
            for table in view.tables}


def start_worker(settings: DatabaseSettings, name: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TALLY_DATABASE_URL": settings.url}
    return subprocess.Popen([sys.executable, "-m", "api", "project", "--follow", "--only", name],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_for(condition: Any, worker: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if worker.poll() is not None:
            raise AssertionError(worker.stderr.read().decode() if worker.stderr else "exited")
        assert time.monotonic() < deadline, "the worker did not get there in time"
        time.sleep(0.02)


@pytest.mark.slow
@pytest.mark.postgres
def test_workers_killed_mid_batch_and_restarted_equal_a_clean_rebuild(
    postgres_database: DatabaseSettings,
) -> None:
    tally = open_tally(postgres_database)
    generate_demo(tally)
    last = tally.recorder.max_notification_id()
    assert last > 1000

    for name in NAMES:
        projection = open_projection(postgres_database, name)

        def position(p: Any = projection) -> int:
            return p.view.max_tracking_id(tracking_name(p)) or 0

        worker = start_worker(postgres_database, name)
        wait_for(lambda: position() > last // 3, worker)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        killed_at = position()
        assert last // 3 < killed_at < last, (name, killed_at)

        worker = start_worker(postgres_database, name)
        try:
            wait_for(lambda: position() == last, worker)
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)

        after_restart = snapshot(projection.view)
        rebuild(tally, projection)
        assert snapshot(projection.view) == after_restart, name
        projection.view.datastore.close()
    tally.close()
