"""The rig's engines, each a real process on its own loopback port: PostgreSQL primary and
streaming replica (Debian's binaries), Redis primary and replica with three sentinels, and an
S3-compatible server (moto's server mode). Every one can be killed and started again."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import sys
import time
from pathlib import Path

from deploy.nginx_edge import wait_for_port
from deploy.processes import Proc

PG_BIN = Path("/usr/lib/postgresql/15/bin")
SENTINEL_MASTER = "portal"
REQUIRED = {
    "PostgreSQL 15 server (postgresql-15)": PG_BIN / "pg_ctl",
    "Redis (redis-server)": Path("/usr/bin/redis-server"),
    "Redis Sentinel (redis-sentinel)": Path("/usr/bin/redis-sentinel"),
}


def missing_engines() -> list[str]:
    return [name for name, path in REQUIRED.items() if not path.exists()]


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run it as the postgres user."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


def _run(command: list[str], *, log: Path) -> None:
    with open(log, "ab") as output:
        subprocess.run(command, stdout=output, stderr=subprocess.STDOUT, check=True)  # noqa: S603


class Postgres:
    """A primary and a streaming replica of it (pg_basebackup -R), on two ports."""

    def __init__(self, root: Path, primary_port: int, replica_port: int) -> None:
        self.root, self.ports = root, {"primary": primary_port, "replica": replica_port}
        self.dirs = {name: root / name for name in self.ports}
        self.log = root / "postgres.log"

    def url(self, name: str) -> str:
        return f"postgres://portal@127.0.0.1:{self.ports[name]}/portal"

    def _ctl(self, name: str, *args: str) -> list[str]:
        return _as_postgres(
            [str(PG_BIN / "pg_ctl"), "-D", str(self.dirs[name]), "-l", str(self.log), *args]
        )

    def create(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.log.touch()
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            for path in (self.root, self.log):
                os.chown(path, account.pw_uid, account.pw_gid)
        primary = self.dirs["primary"]
        _run(
            _as_postgres(
                [
                    str(PG_BIN / "initdb"),
                    "-D",
                    str(primary),
                    "-U",
                    "portal",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                ]
            ),
            log=self.log,
        )
        settings = (
            f"\nlisten_addresses = '127.0.0.1'\nport = {self.ports['primary']}\n"
            f"unix_socket_directories = '{self.root}'\nwal_level = replica\n"
            "max_wal_senders = 5\nhot_standby = on\nwal_keep_size = '256MB'\n"
            "shared_buffers = '64MB'\n"
        )
        with open(primary / "postgresql.conf", "a") as conf:
            conf.write(settings)
        self.start("primary")
        _run(
            _as_postgres(
                [
                    str(PG_BIN / "createdb"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.ports["primary"]),
                    "-U",
                    "portal",
                    "portal",
                ]
            ),
            log=self.log,
        )
        _run(
            _as_postgres(
                [
                    str(PG_BIN / "pg_basebackup"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.ports["primary"]),
                    "-U",
                    "portal",
                    "-D",
                    str(self.dirs["replica"]),
                    "-R",
                    "-X",
                    "stream",
                    "--checkpoint=fast",
                ]
            ),
            log=self.log,
        )
        with open(self.dirs["replica"] / "postgresql.auto.conf", "a") as conf:
            conf.write(f"\nport = {self.ports['replica']}\n")
        self.start("replica")

    def start(self, name: str) -> None:
        _run(self._ctl(name, "-w", "start"), log=self.log)
        wait_for_port(self.ports[name])

    def stop(self, name: str, mode: str = "fast") -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            _run(self._ctl(name, "-m", mode, "-w", "stop"), log=self.log)

    def stop_all(self) -> None:
        for name in ("replica", "primary"):
            self.stop(name, "immediate")


class RedisSentinel:
    """A Redis primary, its replica and three sentinels watching them as SENTINEL_MASTER."""

    def __init__(self, root: Path, ports: list[int]) -> None:
        self.root = root
        self.data_ports, self.sentinel_ports = ports[:2], ports[2:5]
        self.procs: dict[int, Proc] = {}

    @property
    def sentinels(self) -> list[str]:
        return [f"127.0.0.1:{port}" for port in self.sentinel_ports]

    def _data(self, port: int, *, replica_of: int | None) -> Proc:
        folder = self.root / f"redis-{port}"
        folder.mkdir(parents=True, exist_ok=True)
        command = [
            "/usr/bin/redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(folder),
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
            "--save",
            "",
            "--protected-mode",
            "no",
        ]
        if replica_of is not None:
            command += ["--replicaof", "127.0.0.1", str(replica_of)]
        return Proc(f"redis-{port}", command, self.root / f"redis-{port}.log")

    def create(self) -> None:
        primary, replica = self.data_ports
        self.procs[primary] = self._data(primary, replica_of=None)
        self.procs[replica] = self._data(replica, replica_of=primary)
        for port in self.sentinel_ports:
            conf = self.root / f"sentinel-{port}.conf"
            conf.write_text(
                f"port {port}\nbind 127.0.0.1\nprotected-mode no\ndir {self.root}\n"
                f"sentinel monitor {SENTINEL_MASTER} 127.0.0.1 {primary} 2\n"
                f"sentinel down-after-milliseconds {SENTINEL_MASTER} 1000\n"
                f"sentinel failover-timeout {SENTINEL_MASTER} 5000\n"
                f"sentinel parallel-syncs {SENTINEL_MASTER} 1\n"
            )
            self.procs[port] = Proc(
                f"sentinel-{port}",
                ["/usr/bin/redis-sentinel", str(conf)],
                self.root / f"sentinel-{port}.log",
            )
        for port, proc in self.procs.items():
            proc.start()
            wait_for_port(port)

    def master_port(self) -> int:
        """Where the sentinels say the primary is now."""
        import redis  # noqa: PLC0415

        for port in self.sentinel_ports:
            with contextlib.suppress(redis.RedisError):
                host_port = redis.Redis(
                    port=port, socket_timeout=1
                ).sentinel_get_master_addr_by_name(SENTINEL_MASTER)
                if isinstance(host_port, tuple | list) and host_port:
                    return int(host_port[1])
        raise RuntimeError("no sentinel knows the primary")

    def kill(self, port: int) -> None:
        self.procs[port].kill()

    def restart(self, port: int) -> None:
        """Start a killed Redis again; the sentinels make it a replica of the new primary."""
        self.procs[port].start()
        wait_for_port(port)

    def stop_all(self) -> None:
        for proc in self.procs.values():
            proc.kill()


def moto_server(root: Path, port: int) -> Proc:
    return Proc(
        "s3",
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        root / "s3.log",
    )


def wait_until(check: object, *, seconds: float, every: float = 0.1) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if check():  # type: ignore[operator]
                return True
        time.sleep(every)
    return False


def clean(root: Path) -> None:
    shutil.rmtree(root, ignore_errors=True)
