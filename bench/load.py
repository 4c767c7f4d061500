"""A small closed-loop HTTP load generator, bounded in time, for loopback targets only.

Each client process keeps one keep-alive connection and sends requests back to back for a
fixed time; latencies are merged and summarised. Processes (not threads) so that the client
does not serialise on one interpreter while the server under test uses the other core.
"""

from __future__ import annotations

import http.client
import multiprocessing
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

Request = tuple[str, str, bytes | None, dict[str, str]]  # method, path, body, headers


@dataclass(frozen=True)
class LoadResult:
    label: str
    requests: int
    seconds: float
    errors: int
    latencies_ms: list[float]

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    def line(self) -> str:
        return (
            f"{self.label:<34} {self.throughput:8.1f} req/s   p50 {self.percentile(0.5):6.2f} ms"
            f"   p99 {self.percentile(0.99):6.2f} ms   n={self.requests} errors={self.errors}"
        )


def _client(
    port: int,
    requests: Sequence[Request],
    duration: float,
    start_at: float,
    expect: Callable[[int], bool],
    queue: Any,
) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    latencies, errors, index = [], 0, 0
    while time.time() < start_at:
        time.sleep(0.001)
    deadline = time.perf_counter() + duration
    while time.perf_counter() < deadline:
        method, path, body, headers = requests[index % len(requests)]
        index += 1
        began = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            ok = expect(response.status)
        except (OSError, http.client.HTTPException):
            ok = False
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        latencies.append((time.perf_counter() - began) * 1000)
        errors += 0 if ok else 1
    connection.close()
    queue.put((latencies, errors))


def _ok(status: int) -> bool:
    return 200 <= status < 300  # a redirect (to sign-in) is a failed measurement


def run_load(
    label: str,
    port: int,
    requests: Sequence[Request] | Callable[[int], Sequence[Request]],
    *,
    clients: int = 4,
    duration: float = 8.0,
    expect: Callable[[int], bool] = _ok,
) -> LoadResult:
    """``clients`` processes for ``duration`` seconds; ``requests`` may differ per client."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    start_at = time.time() + 0.5
    workers = [
        context.Process(
            target=_client,
            args=(
                port,
                requests(index) if callable(requests) else requests,
                duration,
                start_at,
                expect,
                queue,
            ),
        )
        for index in range(clients)
    ]
    for worker in workers:
        worker.start()
    latencies: list[float] = []
    errors = 0
    for _ in workers:
        part, part_errors = queue.get(timeout=duration + 60)
        latencies.extend(part)
        errors += part_errors
    for worker in workers:
        worker.join()
    return LoadResult(label, len(latencies), duration, errors, latencies)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _paced_client(
    port: int, rounds: Sequence[Sequence[Request]], interval: float, start_at: float, queue: Any
) -> None:
    """Send one round (one request per simulated player) every ``interval`` seconds."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    sent, errors = 0, 0
    while time.time() < start_at:
        time.sleep(0.001)
    began = time.perf_counter()
    for number, batch in enumerate(rounds):
        due = began + number * interval
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        for method, path, body, headers in batch:
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                errors += 0 if 200 <= response.status < 300 else 1
            except (OSError, http.client.HTTPException):
                errors += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            sent += 1
    connection.close()
    queue.put((sent, errors))


def run_paced(
    port: int, rounds_by_client: Sequence[Sequence[Sequence[Request]]], interval: float
) -> tuple[int, int]:
    """Paced players across processes; returns (requests sent, errors)."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    start_at = time.time() + 0.5
    workers = [
        context.Process(target=_paced_client, args=(port, rounds, interval, start_at, queue))
        for rounds in rounds_by_client
    ]
    for worker in workers:
        worker.start()
    sent, errors = 0, 0
    longest = max(len(rounds) for rounds in rounds_by_client) * interval
    for _ in workers:
        part_sent, part_errors = queue.get(timeout=longest + 120)
        sent += part_sent
        errors += part_errors
    for worker in workers:
        worker.join()
    return sent, errors
