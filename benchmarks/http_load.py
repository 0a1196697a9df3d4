"""HTTP command throughput, latency and projection lag under load: the JSON API served by
several uvicorn processes on PostgreSQL, with ``TALLY_INLINE_PROJECTIONS=0`` and a
``tally project --follow`` process keeping the read models current, and an asyncio client on
loopback that speaks plain HTTP/1.1 over keep-alive connections (httpx cost the shared cores
about 1.4 ms of CPU per command; this client a fraction of that).

Each virtual client works an item of its own through the office's workflow: draft, submit,
approve, send to an outlet, record the adoption (five commands, each with its own
``Idempotency-Key``), then starts the next item. The load runs at increasing concurrency.
Projection lag is sampled beside it: the log's last position is read, and the time until
every projection's tracking position reaches it is the lag of whatever was acknowledged by
then."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from typing import Any

from store.settings import DatabaseSettings

PASSWORD = "bench password 2026"
#: The longest wait, before the first level, for the projection worker to reach the log's head.
CATCH_UP_SECONDS = 300.0
#: Load before the first level, not measured.
WARM_UP_SECONDS = 2.0
OUTLET = "info-county-daily"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _free_ports(count: int) -> list[int]:
    ports: list[int] = []
    while len(ports) < count:
        port = _free_port()
        if port not in ports:
            ports.append(port)
    return ports


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def prepare_accounts(url: str, clients: int) -> tuple[list[str], list[str], str]:
    """One account per client for an officer of the store (officer, approver and editor of
    its unit, so one token works an item through), its token; and an outlet to send to."""
    from api.auth import Authenticator
    from domain.application import CommandMeta
    from store.bootstrap import open_tally
    from store.credentials import open_credentials

    settings = DatabaseSettings(url)
    tally = open_tally(settings)
    try:
        auth = Authenticator(tally, open_credentials(settings))
        officers = [row["code"] for row in _officers(tally, clients)]
        tokens = []
        stamp = datetime.now(UTC).strftime("%H%M%S")
        for n, officer in enumerate(officers):
            username = f"load-{stamp}-{n}"
            tally.open_account(username, f"负载{n}", ["officer", "approver", "editor"],
                               officer=officer, meta=CommandMeta(actor="bench"))
            auth.set_password(username, PASSWORD)
            tokens.append(auth.issue_token(username, PASSWORD)[0])
        outlet = _outlet(tally)
        return officers, tokens, outlet
    finally:
        tally.close()


def _officers(tally: Any, count: int) -> list[dict[str, str]]:
    """The first ``count`` officers of the log (the generator enrols them in the first pages)."""
    found: list[dict[str, str]] = []
    position = 0
    while len(found) < count and (page := tally.recorder.select_notifications(
            position, 500, inclusive_of_start=False)):
        position = page[-1].id
        for notification in page:
            if notification.topic.endswith("Officer.Enrolled") and len(found) < count:
                found.append({"code": tally.mapper.to_domain_event(notification).code})
    return found * (count // max(1, len(found)) + 1) if found else []


def _outlet(tally: Any) -> str:
    position = 0
    while page := tally.recorder.select_notifications(position, 500, inclusive_of_start=False):
        position = page[-1].id
        for notification in page:
            if notification.topic.endswith("Outlet.Registered"):
                event = tally.mapper.to_domain_event(notification)
                if getattr(event, "channel", None) is not None and \
                        str(getattr(event.channel, "value", event.channel)) == "info":
                    return str(event.code)
    return OUTLET


class Server:
    """``workers`` uvicorn processes, each on a port of its own, which the clients take in
    turn as a balancing proxy would, and one ``tally project --follow`` process.

    Not ``uvicorn --workers N``: its processes share one listening socket, and the burst of
    keep-alive connections a level opens landed mostly on one of them (7 of 8 connections, 27
    of 32, counted with ``ss``), so the load measured one process and its interpreter lock."""

    def __init__(self, url: str, workers: int) -> None:
        self.url, self.workers, self.ports = url, workers, _free_ports(workers)
        self.processes: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> Server:
        import httpx

        env = {**os.environ, "TALLY_DATABASE_URL": self.url, "TALLY_SECRET_KEY": "bench",
               "TALLY_INLINE_PROJECTIONS": "0"}
        self.processes.append(subprocess.Popen(
            [sys.executable, "-m", "api", "project", "--follow"], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
        self.processes.extend(subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "api.web:serving_app", "--factory", "--host",
             "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True) for port in self.ports)
        deadline = time.monotonic() + 90
        waiting = list(self.bases)
        while waiting and time.monotonic() < deadline:
            try:
                if httpx.get(f"{waiting[0]}/healthz", timeout=1).status_code == 200:
                    waiting.pop(0)
            except httpx.HTTPError:
                time.sleep(0.3)
        if not waiting:
            return self
        self.__exit__()
        raise RuntimeError("the API did not start")

    @property
    def bases(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.ports]

    @property
    def base(self) -> str:
        return self.bases[0]

    def __exit__(self, *_: Any) -> None:
        for process in self.processes:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=20)


class LagSampler:
    """Samples projection lag: the log's head at a moment, and how long until every
    projection's tracking position reaches it."""

    def __init__(self, url: str) -> None:
        from projections.registry import open_projections
        from store.bootstrap import open_tally

        settings = DatabaseSettings(url)
        self.tally = open_tally(settings)
        self.projections = open_projections(settings)
        self.lags: list[float] = []
        self.stop = threading.Event()

    def positions(self) -> int:
        from projections.runner import tracking_name

        return min(p.view.max_tracking_id(tracking_name(p)) or 0
                   for p in self.projections.values())

    def catch_up(self, timeout: float) -> float:
        """Seconds until every projection reached the log's head (a worker just started warms
        up and works off what the log holds first); the load starts after that."""
        started = time.perf_counter()
        head = self.tally.recorder.max_notification_id() or 0
        while self.positions() < head and time.perf_counter() - started < timeout:
            time.sleep(0.2)
        return time.perf_counter() - started

    def run(self) -> None:
        while not self.stop.is_set():
            head = self.tally.recorder.max_notification_id() or 0
            asked = time.perf_counter()
            while self.positions() < head:
                if self.stop.wait(0.01):
                    return
            self.lags.append(time.perf_counter() - asked)
            self.stop.wait(0.05)

    def close(self) -> None:
        for projection in self.projections.values():
            projection.view.datastore.close()
        self.tally.close()


class HTTPError(Exception):
    """The connection failed or the answer was not HTTP/1.1 as expected."""


class Connection:
    """One keep-alive HTTP/1.1 connection: a POST with its JSON body and headers, and its
    answer read whole (status, headers, the body its Content-Length or chunks give)."""

    def __init__(self, base: str, token: str) -> None:
        host, port = base.removeprefix("http://").rsplit(":", 1)
        self.host, self.port = host, int(port)
        self.fixed = (f"Host: {base.removeprefix('http://')}\r\nAuthorization: Bearer {token}"
                      "\r\nContent-Type: application/json\r\n")
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: dict[str, Any],
                   key: str) -> tuple[int, Any]:
        try:
            async with asyncio.timeout(30):
                return await self._post(path, json.dumps(body).encode(), key)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                TimeoutError, ValueError) as error:
            self.close()
            raise HTTPError(type(error).__name__) from error

    async def _post(self, path: str, data: bytes, key: str) -> tuple[int, Any]:
        if self.reader is None or self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(f"POST {path} HTTP/1.1\r\n{self.fixed}Idempotency-Key: {key}\r\n"
                          f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        fields = dict(line.split(":", 1) for line in head[1:] if ":" in line)
        fields = {name.strip().lower(): value.strip() for name, value in fields.items()}
        if fields.get("transfer-encoding", "").lower() == "chunked":
            content = b""
            while size := int((await self.reader.readuntil(b"\r\n")).strip(), 16):
                content += (await self.reader.readexactly(size + 2))[:-2]
            await self.reader.readuntil(b"\r\n")
        else:
            content = await self.reader.readexactly(int(fields.get("content-length", "0")))
        if fields.get("connection", "").lower() == "close":
            self.close()
        return status, json.loads(content) if content else None

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _client(base: str, token: str, officer: str, outlet: str, lane: str,
                  until: float, latencies: list[float], failures: dict[str, int]) -> None:
    today = datetime.now(UTC).date().isoformat()
    connection = Connection(base, token)
    number = 0
    try:
        while time.perf_counter() < until:
            number += 1
            key = f"{lane}-{number}"
            item = None
            steps: list[tuple[str, dict[str, Any]]] = [
                ("", {"title": f"负载测试稿件 {key}", "channel": "info", "category": "other",
                      "authors": [{"officer": officer}], "event_date": today}),
                ("/submit", {"submitted_on": today}),
                ("/approve", {"approved_at": datetime.now(UTC).isoformat()}),
                ("/outlets", {"outlet": outlet, "route": "direct", "sent_on": today}),
                ("/adoptions", {"outlet": outlet, "form": "full", "adopted_on": today}),
            ]
            for suffix, body in steps:
                if time.perf_counter() >= until:
                    return
                path = "/api/v1/submissions" + (f"/{item}{suffix}" if item else "")
                started = time.perf_counter()
                try:
                    status, answer = await connection.post(path, body, f"{key}{suffix}")
                except HTTPError as error:
                    failures[str(error)] = failures.get(str(error), 0) + 1
                    break
                if status >= 400 or not isinstance(answer, dict) or "id" not in answer:
                    failures[str(status)] = failures.get(str(status), 0) + 1
                    break
                latencies.append(time.perf_counter() - started)
                item = item or answer["id"]
    finally:
        connection.close()


async def _level(bases: list[str], tokens: list[str], officers: list[str], outlet: str,
                 concurrency: int, seconds: float, tag: str) -> dict[str, Any]:
    latencies: list[float] = []
    failures: dict[str, int] = {}
    started = time.perf_counter()
    until = started + seconds
    await asyncio.gather(*(
        _client(bases[n % len(bases)], tokens[n], officers[n], outlet,
                f"{tag}-{concurrency}-{n}", until, latencies, failures)
        for n in range(concurrency)))
    elapsed = time.perf_counter() - started
    return {"concurrency": concurrency, "seconds": elapsed, "commands": len(latencies),
            "rate": len(latencies) / elapsed,
            "p50_ms": _percentile(latencies, 50) * 1000,
            "p95_ms": _percentile(latencies, 95) * 1000,
            "p99_ms": _percentile(latencies, 99) * 1000, "failures": failures}


def levels_up_to(clients: int) -> list[int]:
    levels, level = [], 4
    while level < clients:
        levels.append(level)
        level *= 2
    return [*levels, clients]


def measure(url: str, *, seconds: float, workers: int, clients: int) -> dict[str, Any]:
    """Commands per second and latency at each concurrency, and projection lag meanwhile."""
    settings = DatabaseSettings(url)
    if settings.backend != "postgres":
        return {"measured": False, "reason": "measured on PostgreSQL only (several worker "
                                             "processes writing one SQLite file)"}
    levels = levels_up_to(clients)
    officers, tokens, outlet = prepare_accounts(url, clients)
    tag = datetime.now(UTC).strftime("%H%M%S")
    results = []
    with Server(url, workers) as server:
        sampler = LagSampler(url)
        # Not measured: a few items through every API process (a route's first request
        # builds its handler) and the projection worker (the ledger warms up on its first
        # event), then the worker catches up.
        asyncio.run(_level(server.bases, tokens, officers, outlet, min(clients, 2 * workers),
                           WARM_UP_SECONDS, f"{tag}-warm"))
        caught_up = sampler.catch_up(timeout=CATCH_UP_SECONDS)
        thread = threading.Thread(target=sampler.run, daemon=True)
        thread.start()
        try:
            for concurrency in levels:
                before = len(sampler.lags)
                level = asyncio.run(_level(server.bases, tokens, officers, outlet,
                                           concurrency, seconds, tag))
                lags = sampler.lags[before:]
                level["lag_p50_ms"] = _percentile(lags, 50) * 1000
                level["lag_p95_ms"] = _percentile(lags, 95) * 1000
                level["lag_samples"] = len(lags)
                results.append(level)
        finally:
            sampler.stop.set()
            thread.join(timeout=30)
            sampler.close()
    best = max(results, key=lambda level: level["rate"])
    return {"measured": True, "workers": workers, "levels": results,
            "catch_up_seconds": caught_up,
            "serving": f"{workers} uvicorn processes, one port each, clients in turn",
            "mix": "draft, submit, approve, send, adopt; each with an Idempotency-Key",
            **{key: best[key] for key in ("concurrency", "rate", "p50_ms", "p95_ms", "p99_ms",
                                          "lag_p50_ms", "lag_p95_ms", "failures")}}
