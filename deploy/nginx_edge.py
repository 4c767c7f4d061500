"""Start and stop Debian's nginx with the portal's edge configuration (tests, bench, rig)."""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from deploy.processes import Proc

JS_MODULE = Path("/usr/lib/nginx/modules/ngx_http_js_module.so")
START_SECONDS = 15
MISSING = (
    "nginx with its njs module is not installed: `make edge-deps` installs Debian's nginx "
    "and libnginx-mod-http-js (as root)"
)


def nginx_binary() -> str | None:
    """Debian's nginx, if it and its njs module are installed."""
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    return found if found and JS_MODULE.exists() else None


def user_directive() -> str:
    """Run workers as whoever runs the rig (as root, nginx would drop to www-data, who cannot
    read a test's private temporary origin)."""
    return f"user {getpass.getuser()};" if os.geteuid() == 0 else ""


def wait_for_port(port: int, *, host: str = "127.0.0.1", seconds: float = START_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while True:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"nothing listens on {host}:{port}")
        time.sleep(0.05)


class Nginx:
    """One nginx master in the foreground of its own process group."""

    def __init__(self, conf: Path, *, port: int, host: str = "127.0.0.1") -> None:
        self.conf, self.port, self.host = conf, port, host
        self.proc: Proc | None = None

    def command(self, *extra: str) -> list[str]:
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError(MISSING)
        error_log = self.conf.parent / "run" / "error.log"
        return [binary, "-c", str(self.conf), "-e", str(error_log), *extra]

    def test_config(self) -> None:
        checked = subprocess.run(  # noqa: S603 - Debian's nginx, our configuration
            self.command("-t", "-q"), capture_output=True, text=True, check=False
        )
        if checked.returncode != 0:
            raise RuntimeError(f"nginx refused its configuration:\n{checked.stderr}")

    def start(self) -> None:
        self.test_config()
        self.proc = Proc(
            "nginx", self.command("-g", "daemon off;"), self.conf.parent / "run" / "nginx.log"
        )
        self.proc.start()
        wait_for_port(self.port, host=self.host)

    def reload(self) -> None:
        """Re-read the configuration (new keys): new workers take over, old ones finish."""
        self.test_config()
        if self.proc is None or self.proc.process is None:
            raise RuntimeError("nginx is not running")
        self.proc.process.send_signal(signal.SIGHUP)

    def kill(self) -> None:
        """kill -9 the master and its workers: a crash."""
        if self.proc is not None:
            self.proc.kill()

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop(10, signal_number=signal.SIGQUIT)  # finish requests in flight


@contextlib.contextmanager
def running(conf: Path, *, port: int, host: str = "127.0.0.1") -> Iterator[Nginx]:
    server = Nginx(conf, port=port, host=host)
    server.start()
    try:
        yield server
    finally:
        server.stop()
