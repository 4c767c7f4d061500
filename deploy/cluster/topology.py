"""The whole production topology on one machine, each tier on its own loopback ports:

    players ─> nginx (edge: njs token checks, files from the bucket; LB for the rest)
                 ├─> gunicorn web-1 ─┐
                 └─> gunicorn web-2 ─┼─> PostgreSQL primary ──streaming──> replica (browse reads)
    worker-1 + beat-1 ───────────────┤
    worker-2 + beat-2 ───────────────┼─> Redis primary ──> replica, three sentinels
    edge_revocations (beside nginx) ─┘
    the media bucket: moto's S3 server (uploads by boto3, reads signed by the edge)

``Cluster`` starts it, seeds a catalog whose streams live in the bucket, and kills and
restarts each piece on demand.
"""

from __future__ import annotations

import http.client
import os
import socket
import sys
import time
from pathlib import Path

from deploy.cluster.engines import Postgres, RedisSentinel, moto_server, wait_until
from deploy.nginx_edge import Nginx, user_directive, wait_for_port
from deploy.processes import Proc

BASE_DIR = Path(__file__).resolve().parent.parent.parent
SHM = "/dev/shm"  # noqa: S108 - gunicorn's liveness files on tmpfs
BUCKET = "media"
S3_ORIGIN_URL = "https://media.portal.example/media/"


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for probe in sockets:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in sockets]
    finally:
        for probe in sockets:
            probe.close()


class Cluster:
    def __init__(self, root: Path) -> None:
        self.root = root
        ports = free_ports(14)
        self.pg = Postgres(root / "pg", ports[0], ports[1])
        self.redis = RedisSentinel(root / "redis", ports[2:7])
        self.s3_port, self.nginx_port = ports[7], ports[8]
        self.web_ports = {"web-1": ports[9], "web-2": ports[10]}
        self.procs: dict[str, Proc] = {}
        self.kills: list[tuple[float, str]] = []  # (time, process name) of every kill -9
        self.nginx: Nginx | None = None
        self.edge_dir = root / "edge"

    # --- Environment ---------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        return {
            "DJANGO_SETTINGS_MODULE": "streaming_portal.settings",
            "DATABASE_URL": self.pg.url("primary"),
            "DATABASE_REPLICA_URL": self.pg.url("replica"),
            "REDIS_URL": "redis://portal/0",
            "REDIS_SENTINELS": ",".join(self.redis.sentinels),
            "SECRET_KEY": "cluster-rig-only-" + "c" * 40,
            "STREAM_SIGNING_KEYS": "c1:cluster-rig-signing-secret",
            "STREAM_URL_KEYS": "Y2x1c3Rlci1yaWctb25seS1zdHJlYW0tdXJsLWtleTA=",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "STATICFILES_MANIFEST": "false",
            "WHITENOISE_USE_FINDERS": "true",
            "LOCAL_ORIGIN_ROOT": str(self.root / "origin"),
            "S3_ORIGIN_URL": S3_ORIGIN_URL,
            "S3_MEDIA_BUCKET": BUCKET,
            "S3_ENDPOINT_URL": f"http://127.0.0.1:{self.s3_port}",
            "S3_ACCESS_KEY_ID": "rig",
            "S3_SECRET_ACCESS_KEY": "rig-secret",
            # Flush often and write a watching viewer's position within seconds, so the rig
            # can compare what was acknowledged with what PostgreSQL holds after each fault.
            "PROGRESS_FLUSH_SECONDS": "2",
            "PROGRESS_MAX_LAG_SECONDS": "3",
            "BEAT_LOCK_SECONDS": "6",
            "REPLICA_CHECK_SECONDS": "0.5",
            "LOG_LEVEL": "WARNING",
            # Every simulated player comes from 127.0.0.1 through nginx: the per-client limits
            # would see one client. The limiter stays on (accounts' own limits still apply).
            "RATELIMIT_VIEWER_READ": "1000000/60",
            "PORTAL_ENGINES_DIR": str(self.root / "unused-embedded"),
        }

    # --- Bring-up ------------------------------------------------------------------------

    def start(self) -> None:
        began = time.monotonic()

        def step(what: str) -> None:
            print(f"    {time.monotonic() - began:5.1f} s  {what}", flush=True)

        for folder in (self.root, self.edge_dir, self.root / "origin"):
            folder.mkdir(parents=True, exist_ok=True)
        self.procs["s3"] = moto_server(self.root, self.s3_port)
        self.procs["s3"].start()
        self.pg.create()
        step("PostgreSQL primary and streaming replica")
        self.redis.create()
        wait_for_port(self.s3_port, seconds=30)
        step("Redis primary, replica and three sentinels; the S3 server")
        self._manage("migrate", "--no-input", "-v", "0")
        step("migrations")
        for name in self.web_ports:
            self.start_web(name)
        step("two gunicorn nodes")
        for number in (1, 2):
            self.start_worker(number)
        self.procs["revocations"] = self._python(
            "revocations", ["manage.py", "edge_revocations", str(self.edge_dir / "revoked")]
        )
        self.procs["revocations"].start()

    def _python(self, name: str, args: list[str]) -> Proc:
        return Proc(name, [sys.executable, *args], self.root / f"{name}.log", self.env(), BASE_DIR)

    def _manage(self, *args: str) -> None:
        import subprocess  # noqa: PLC0415

        subprocess.run(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env={**os.environ, **self.env()},
            check=True,
        )

    def start_web(self, name: str) -> None:
        port = self.web_ports[name]
        self.procs[name] = self._python(
            name,
            [
                "-m",
                "gunicorn",
                "streaming_portal.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--worker-class",
                "gthread",
                "--threads",
                "4",
                "--worker-tmp-dir",
                SHM,
                "--no-control-socket",
                "--log-level",
                "warning",
            ],
        )
        self.procs[name].start()
        if not wait_until(lambda: _healthy(port), seconds=60):
            raise RuntimeError(f"{name} did not start; see {self.root / (name + '.log')}")

    def kill(self, *names: str) -> None:
        for name in names:
            self.kills.append((time.time(), name))
            self.procs[name].kill()

    def leading_beat(self) -> int:
        """The worker host whose beat leads now, from the beats' own log lines."""
        latest: dict[int, tuple[str, bool]] = {}
        for number in (1, 2):
            log = self.root / f"beat-{number}.log"
            for line in log.read_text(errors="replace").splitlines() if log.exists() else []:
                if '"beat_leading"' in line or '"beat_standing_by"' in line:
                    latest[number] = (line[:40], '"beat_leading"' in line)
        leaders = [number for number, (_, leading) in latest.items() if leading]
        return leaders[-1] if leaders else 1

    def replica_transactions(self) -> int:
        """Scans of catalog tables the replica has answered (browse reads; a standby keeps
        its own table statistics, and the router's health check reads no table)."""
        import psycopg  # noqa: PLC0415

        with psycopg.connect(self.pg.url("replica"), connect_timeout=3) as connection:
            row = connection.execute(
                "SELECT coalesce(sum(seq_scan + coalesce(idx_scan, 0)), 0) "
                "FROM pg_stat_user_tables WHERE relname LIKE 'catalog%%'"
            ).fetchone()
        return int(row[0]) if row else 0

    def start_worker(self, number: int) -> None:
        """A worker host: a Celery worker and a beat (one of the beats schedules)."""
        self.procs[f"worker-{number}"] = self._python(
            f"worker-{number}",
            [
                "-m",
                "celery",
                "-A",
                "streaming_portal",
                "worker",
                "--concurrency",
                "1",
                "-n",
                f"worker{number}@rig",
                "--without-gossip",
                "--without-mingle",
            ],
        )
        self.procs[f"beat-{number}"] = self._python(
            f"beat-{number}",
            [
                "-m",
                "celery",
                "-A",
                "streaming_portal",
                "beat",
                "--schedule",
                str(self.root / f"beat-{number}.schedule"),
            ],
        )
        self.procs[f"worker-{number}"].start()
        self.procs[f"beat-{number}"].start()

    def start_nginx(self) -> None:
        from playback.edge_config import EdgeLayout, edge_config_write  # noqa: PLC0415

        conf = edge_config_write(
            EdgeLayout(
                config_dir=self.edge_dir,
                listen=f"127.0.0.1:{self.nginx_port}",
                portal_nodes=[f"127.0.0.1:{port}" for port in self.web_ports.values()],
                user=user_directive(),
                access_log=str(self.root / "nginx-access.log"),
            )
        )
        self.nginx = Nginx(conf, port=self.nginx_port)
        self.nginx.start()

    def stop(self) -> None:
        if self.nginx is not None:
            self.nginx.kill()
        for proc in self.procs.values():
            proc.kill()
        self.redis.stop_all()
        self.pg.stop_all()


def _healthy(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
        return connection.getresponse().status == 200
    finally:
        connection.close()
