"""A small closed-loop HTTP load generator, bounded in time, for loopback targets only.

Each client process keeps one keep-alive connection and sends requests back to back for a
fixed time; latencies are merged and summarised. Processes (not threads) so that the client
does not serialise on one interpreter while the server under test uses the other core.
"""

from __future__ import annotations

import multiprocessing
import socket
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

Request = tuple[str, str, bytes | None, dict[str, str]]  # method, path, body, headers


@dataclass(frozen=True)
class LoadResult:
    """``requests`` and the latencies count answered requests only; ``errors`` the rest
    (refusals such as 429, failures, closed connections): throughput is never inflated by
    cheap refusals."""

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


class _Connection:
    """A minimal keep-alive HTTP/1.1 client over a raw socket.

    http.client costs the client more CPU than some of the requests it measures cost the
    server; on a 2-core machine that would flatten every ratio. Requests are encoded once,
    responses read by Content-Length.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.sock: socket.socket | None = None
        self.buffer = b""

    def _connect(self) -> socket.socket:
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.buffer = b""
        return self.sock

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock = None

    def exchange(self, raw: bytes) -> int:
        sock = self._connect()
        sock.sendall(raw)
        while b"\r\n\r\n" not in self.buffer:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buffer += chunk
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        length = 0
        closing = False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
            elif name.lower() == b"connection" and value.strip().lower() == b"close":
                closing = True
        while len(rest) < length:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            rest += chunk
        self.buffer = rest[length:]
        if closing:
            self.close()
        return status


def encode(request: Request) -> bytes:
    method, path, body, headers = request
    lines = [f"{method} {path} HTTP/1.1"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body is not None or method == "POST":
        lines.append(f"Content-Length: {len(body or b'')}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


def _client(
    port: int,
    requests: Sequence[Request],
    duration: float,
    start_at: float,
    expect: Callable[[int], bool],
    queue: Any,
) -> None:
    encoded = [encode(request) for request in requests]
    connection = _Connection(port)
    latencies, errors, index = [], 0, 0
    while time.time() < start_at:
        time.sleep(0.001)
    deadline = time.perf_counter() + duration
    while time.perf_counter() < deadline:
        raw = encoded[index % len(encoded)]
        index += 1
        began = time.perf_counter()
        try:
            ok = expect(connection.exchange(raw))
        except OSError:
            ok = False
            connection.close()
        if ok:
            latencies.append((time.perf_counter() - began) * 1000)
        else:
            errors += 1
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


def merge_results(label: str, parts: Sequence[LoadResult]) -> LoadResult:
    """Several runs of one variant (alternating rounds) as one result."""
    return LoadResult(
        label,
        sum(part.requests for part in parts),
        sum(part.seconds for part in parts),
        sum(part.errors for part in parts),
        [latency for part in parts for latency in part.latencies_ms],
    )


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _paced_client(
    port: int, rounds: Sequence[Sequence[Request]], interval: float, start_at: float, queue: Any
) -> None:
    """Send one round (one request per simulated player) every ``interval`` seconds."""
    encoded = [[encode(request) for request in batch] for batch in rounds]
    connection = _Connection(port)
    sent, errors = 0, 0
    while time.time() < start_at:
        time.sleep(0.001)
    began = time.perf_counter()
    for number, batch in enumerate(encoded):
        due = began + number * interval
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        for raw in batch:
            try:
                errors += 0 if 200 <= connection.exchange(raw) < 300 else 1
            except OSError:
                errors += 1
                connection.close()
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
