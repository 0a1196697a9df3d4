"""A projection worker killed with SIGKILL mid-batch, then restarted, equals a clean rebuild."""

from __future__ import annotations

import os
import random
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


KILLS = 20


@pytest.mark.slow
@pytest.mark.postgres
def test_workers_killed_at_random_points_twenty_times_then_restarted_equal_a_clean_rebuild(
    postgres_database: DatabaseSettings,
) -> None:
    tally = open_tally(postgres_database)
    generate_demo(tally)
    last = tally.recorder.max_notification_id()
    assert last > 1000
    projections = {name: open_projection(postgres_database, name) for name in NAMES}

    def position(name: str) -> int:
        projection = projections[name]
        return projection.view.max_tracking_id(tracking_name(projection)) or 0

    chance = random.Random(9)  # noqa: S311 (a reproducible schedule of kills, not a secret)
    mid_batch = 0
    for kill in range(KILLS):
        name = NAMES[kill % len(NAMES)]
        if position(name) == last:  # caught up: start it over, for another random point
            projections[name].view.reset(tracking_name(projections[name]))
        worker = start_worker(postgres_database, name)
        before = position(name)
        wait_for(lambda n=name, b=before: position(n) > b, worker)
        time.sleep(chance.uniform(0, 0.05))
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        mid_batch += position(name) < last
    assert mid_batch >= KILLS // 2, "most kills should land before the worker caught up"

    for name in NAMES:
        worker = start_worker(postgres_database, name)
        try:
            wait_for(lambda n=name: position(n) == last, worker)
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
        projection = projections[name]
        after_restart = snapshot(projection.view)
        rebuild(tally, projection)
        assert snapshot(projection.view) == after_restart, name
        projection.view.datastore.close()
    tally.close()
