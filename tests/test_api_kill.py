"""The API process killed mid-request, again and again: a client either holds an
acknowledgement and the fact is stored, or holds none, and retrying with the same idempotency
key records the fact exactly once."""

from __future__ import annotations

import random
import threading
import time

import pytest

from store.settings import DatabaseSettings
from tests.live_api import Load, kill, prepare, registered_units, serve
from tests.private_postgres import free_port

KILLS = 5
LANES = 4


@pytest.mark.slow
@pytest.mark.postgres
def test_an_api_killed_mid_request_loses_no_acknowledged_fact_and_records_retries_once(
    postgres_database: DatabaseSettings,
) -> None:
    url = postgres_database.url
    token = prepare(url, initialise=False)
    chance = random.Random(6)  # noqa: S311 (a reproducible schedule of kills)
    outcomes: list[tuple[str, int, float, str]] = []
    cut_off = 0
    for round_ in range(KILLS):
        port = free_port()
        api = serve(url, port, workers=1)
        load = Load(f"http://127.0.0.1:{port}", token, prefix=f"k{round_}-")
        lanes = [threading.Thread(target=load.run, args=(lane,)) for lane in range(LANES)]
        for lane in lanes:
            lane.start()
        time.sleep(chance.uniform(0.3, 1.0))
        kill(api)  # SIGKILL while requests are in flight
        load.stop.set()
        for lane in lanes:
            lane.join(timeout=60)
        outcomes += load.outcomes
        cut_off += sum(1 for _, status, _, _ in load.outcomes if status == 0)

    acknowledged = {code for code, status, _, _ in outcomes if status == 201}
    unanswered = [code for code, status, _, _ in outcomes if status != 201]
    assert acknowledged and cut_off >= KILLS, "every kill should cut requests off"
    assert {status for _, status, _, _ in outcomes} <= {0, 201}
    stored = registered_units(url)
    assert acknowledged <= set(stored), "an acknowledged fact is missing"

    port = free_port()
    api = serve(url, port, workers=1)
    try:
        client = Load(f"http://127.0.0.1:{port}", token)
        for code in unanswered:  # the client retries what it holds no answer for
            assert client.register(code)[0] == 201, code
    finally:
        kill(api)
    stored = registered_units(url)
    assert set(stored) == acknowledged | set(unanswered)
    assert set(stored.values()) == {1}, "a retried fact was recorded twice"
