"""PostgreSQL stopped under load and started again: the API answers 503 with a clear message
while it is down (within a bounded wait, never a hang), recovers by itself, and no
acknowledged write is lost; retries with the same idempotency key record each fact once."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator

import pytest

from tests.live_api import Load, kill, prepare, registered_units, serve
from tests.private_postgres import PrivatePostgres, free_port

#: How long a request may wait for the database before it answers 503.
CONNECT_TIMEOUT = 2
#: Longer than a request may wait (the pool's timeout, then one last try of as long): every
#: request sent while the server is down meets it, and answers 503.
DOWN_SECONDS = 6


@pytest.fixture
def server() -> Iterator[PrivatePostgres]:
    postgres = PrivatePostgres()
    try:
        postgres.start()
        yield postgres
    finally:
        postgres.remove()


@pytest.mark.slow
@pytest.mark.postgres
def test_the_api_answers_503_while_postgres_is_down_and_recovers_losing_nothing(
    server: PrivatePostgres,
) -> None:
    url = f"{server.url}?connect_timeout={CONNECT_TIMEOUT}"
    token = prepare(url)
    port = free_port()
    api = serve(url, port)
    load = Load(f"http://127.0.0.1:{port}", token)
    worker = threading.Thread(target=load.run)
    try:
        worker.start()
        time.sleep(1.5)
        server.stop("immediate")  # a crash, not a polite shutdown
        down_at = time.monotonic()
        time.sleep(DOWN_SECONDS)
        server.start()
        up_at = time.monotonic()
        answered = len(load.outcomes)
        deadline = up_at + 30
        while time.monotonic() < deadline and not any(
                status == 201 for _, status, _, _ in load.outcomes[answered:]):
            time.sleep(0.1)
        recovered_at = time.monotonic()
        time.sleep(0.5)
    finally:
        load.stop.set()
        worker.join(timeout=60)

    statuses = Counter(status for _, status, _, _ in load.outcomes)
    assert statuses[201] > 10 and statuses[503] > 0, statuses
    assert set(statuses) <= {201, 503}, statuses  # never a 500, never a dropped connection
    unavailable = [o for o in load.outcomes if o[1] == 503]
    assert {error for _, _, _, error in unavailable} == {"DatabaseUnavailableError"}
    # Bounded: a request during the outage waits at most the pool's timeout, then answers.
    assert max(seconds for _, _, seconds, _ in unavailable) < CONNECT_TIMEOUT + 3
    assert recovered_at - up_at < 10, "the API did not recover by itself within seconds"
    assert down_at < up_at

    # The client retries every refused request with its key: each is recorded once.
    refused = [code for code, status, _, _ in load.outcomes if status != 201]
    for code in refused:
        assert load.register(code)[0] == 201, code
    acknowledged = {code for code, _, _, _ in load.outcomes}
    kill(api)

    registered = registered_units(url)
    assert set(registered) == acknowledged
    assert set(registered.values()) == {1}
