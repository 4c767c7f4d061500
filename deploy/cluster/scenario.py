"""The faults ``make cluster-test`` injects, one after another under load, and what each did.

For every fault the report gives the answers in its window (by kind), the 5xx among them,
the requests that got no answer at all (a refused or reset connection), the time from the
fault to the last failed answer (recovery), and the heartbeats acknowledged in it against the
positions PostgreSQL holds once the flush has run: an acknowledged position is never lost,
except, for a crash of the Redis primary, one acknowledged within its last second (the
replication and fsync window).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from deploy.cluster.players import Record
from deploy.cluster.topology import Cluster

SETTLE_SECONDS = 6.0
FLUSH_WAIT_SECONDS = 30.0
REDIS_WINDOW_SECONDS = 1.0


@dataclass
class FaultResult:
    name: str
    started: float
    ended: float = 0.0
    answers: dict[str, int] = field(default_factory=dict)
    server_errors: int = 0
    unanswered: int = 0
    recovery_seconds: float = 0.0
    acked: int = 0
    stored: int = 0
    lost: int = 0
    lost_in_window: int = 0
    failures: dict[str, int] = field(default_factory=dict)  # "heartbeat 503": count
    expect_no_5xx: bool = True
    max_recovery: float = 10.0

    @property
    def passed(self) -> bool:
        return (
            self.lost == 0
            and (self.server_errors == 0 or not self.expect_no_5xx)
            and self.recovery_seconds <= self.max_recovery
        )


def stored_positions(players: dict[int, tuple[str, str]]) -> dict[int, int]:
    """Each player's position in PostgreSQL (player: (profile id, video id))."""
    from playback.models import WatchProgress  # noqa: PLC0415

    rows = {
        (str(row.profile_id), str(row.video_id)): row.progress_seconds
        for row in WatchProgress.objects.using("default").filter(
            profile_id__in=[profile for profile, _ in players.values()]
        )
    }
    return {number: rows.get(key, 0) for number, key in players.items()}


def settle_and_check(
    result: FaultResult, record: Record, players: dict[int, tuple[str, str]], *, window_from: float
) -> None:
    """Wait for the flush to store what was acknowledged before the window ended, then count."""
    cutoff = result.ended
    with record.lock:
        expected = {
            number: max((pos for at, pos in acks if at <= cutoff), default=0)
            for number, acks in record.acked.items()
        }
        in_window = {
            number: [(at, pos) for at, pos in acks if window_from <= at <= cutoff]
            for number, acks in record.acked.items()
        }
    result.acked = sum(len(acks) for acks in in_window.values())
    deadline = time.monotonic() + FLUSH_WAIT_SECONDS
    stored = stored_positions(players)
    while time.monotonic() < deadline and any(stored[n] < p for n, p in expected.items()):
        time.sleep(0.5)
        stored = stored_positions(players)
    short = {n: (p, stored[n]) for n, p in expected.items() if stored[n] < p}
    result.stored = result.acked - sum(
        sum(1 for _, pos in in_window[n] if pos > stored[n]) for n in short
    )
    # A crash of the Redis primary may take what it acknowledged in its last second and had
    # not yet handed to its replica or its disk (appendfsync everysec): counted apart.
    crash = result.started if result.name.startswith("redis") else None
    for number, (_, have) in short.items():
        for at, pos in record.acked[number]:
            if pos > have and at <= cutoff:
                if crash is not None and crash - REDIS_WINDOW_SECONDS <= at <= crash:
                    result.lost_in_window += 1
                else:
                    result.lost += 1


def answers_in(result: FaultResult, record: Record) -> None:
    with record.lock:
        window = [a for a in record.answers if result.started <= a.at <= result.ended]
    for answer in window:
        result.answers[answer.kind] = result.answers.get(answer.kind, 0) + 1
    failed = [a for a in window if a.status == 0 or a.status >= 500]
    result.server_errors = sum(1 for a in window if a.status >= 500)
    for answer in failed:
        label = f"{answer.kind} {answer.status or 'no answer'}"
        result.failures[label] = result.failures.get(label, 0) + 1
    result.unanswered = sum(1 for a in window if a.status == 0)
    result.recovery_seconds = round(
        max((a.at for a in failed), default=result.started) - result.started, 2
    )


@dataclass(frozen=True)
class Fault:
    name: str
    inject: Callable[[], None]
    recover: Callable[[], None]
    hold: float = SETTLE_SECONDS  # how long the piece stays broken
    expect_no_5xx: bool = True  # a fault users must not see as a server error
    max_recovery: float = 10.0


def run_fault(fault: Fault, *, record: Record, players: dict[int, tuple[str, str]]) -> FaultResult:
    print(f"::: fault: {fault.name}", flush=True)
    result = FaultResult(
        fault.name,
        time.time(),
        expect_no_5xx=fault.expect_no_5xx,
        max_recovery=fault.max_recovery,
    )
    fault.inject()
    time.sleep(fault.hold)
    fault.recover()
    time.sleep(SETTLE_SECONDS)
    result.ended = time.time()
    answers_in(result, record)
    settle_and_check(result, record, players, window_from=result.started)
    print(
        f"    {sum(result.answers.values())} answers, {result.server_errors} 5xx, "
        f"{result.unanswered} unanswered, recovered in {result.recovery_seconds} s, "
        f"{result.acked} heartbeats acknowledged, {result.lost} lost",
        flush=True,
    )
    if result.failures:
        print("    failed: " + ", ".join(f"{k} x{v}" for k, v in sorted(result.failures.items())))
    return result


def faults(cluster: Cluster) -> list[Fault]:
    """Each fault, in the order they run."""
    state: dict[str, int] = {}

    def worker_host_kill() -> None:
        # The host whose beat schedules: the standby beat must take over.
        state["host"] = cluster.leading_beat()
        cluster.kill(f"worker-{state['host']}", f"beat-{state['host']}")

    def redis_kill() -> None:
        state["redis"] = cluster.redis.master_port()
        cluster.redis.kill(state["redis"])

    def nginx_kill() -> None:
        if cluster.nginx is not None:
            cluster.nginx.kill()

    return [
        Fault("baseline (no fault)", lambda: None, lambda: None),
        Fault(
            "kill web node web-1 (kill -9), restart it",
            lambda: cluster.kill("web-1"),
            lambda: cluster.start_web("web-1"),
        ),
        Fault(
            "kill the worker host whose beat leads (worker and beat, kill -9), restart it",
            worker_host_kill,
            lambda: cluster.start_worker(state["host"]),
            hold=10.0,
        ),
        Fault(
            "redis: kill -9 the primary, sentinels fail over, old primary rejoins",
            redis_kill,
            lambda: cluster.redis.restart(state["redis"]),
            hold=8.0,
            expect_no_5xx=False,  # heartbeats answer 503 until the sentinels have a primary
            max_recovery=12.0,
        ),
        Fault(
            "stop the PostgreSQL replica, start it again",
            lambda: cluster.pg.stop("replica", "immediate"),
            lambda: cluster.pg.start("replica"),
        ),
        Fault(
            "kill nginx (kill -9), start it again",
            nginx_kill,
            cluster.start_nginx,
            hold=2.0,
            max_recovery=5.0,
        ),
    ]
