"""A small foreground process supervisor for ``make run``.

It starts the web server, the Celery worker and Celery beat, prints their output with a
prefix and a colour each, and stops all of them when any one exits or when it receives
Ctrl-C, SIGTERM or SIGHUP. Each child runs in its own process group, so the terminal's Ctrl-C
reaches only the supervisor, which then stops the children in order; on Linux each child also
asks the kernel to send it SIGTERM should the supervisor die without cleaning up, so no
gunicorn or celery process outlives it.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

COLOURS = ("\033[36m", "\033[33m", "\033[35m", "\033[32m")
RESET = "\033[0m"
PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    command: Sequence[str]


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Supervisor:
    def __init__(
        self,
        specs: Sequence[ProcessSpec],
        *,
        environment: Mapping[str, str],
        output: IO[str] = sys.stdout,
        stop_timeout: float = 20.0,
    ) -> None:
        self.specs = specs
        self.environment = dict(environment)
        self.output = output
        self.stop_timeout = stop_timeout
        self.colour = output.isatty() and not os.environ.get("NO_COLOR")
        self.width = max(len(spec.name) for spec in specs)
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.readers: list[threading.Thread] = []

    def run(self) -> int:
        """Run until a child exits or a stop signal arrives; returns the first failing code."""
        previous = {
            number: signal.signal(number, self._request_stop)
            for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
        }
        try:
            for index, spec in enumerate(self.specs):
                self._start(index, spec)
            first_exit: int | None = None
            while not self.stopping.is_set():
                for name, process in self.processes.items():
                    code = process.poll()
                    if code is not None:
                        self.say("system", f"{name} exited with {code}; stopping the others")
                        first_exit = code
                        self.stopping.set()
                        break
                self.stopping.wait(0.2)
            self._stop_all()
            return first_exit or 0
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)

    def say(self, name: str, line: str, index: int | None = None) -> None:
        stamp = datetime.now().strftime("%H:%M:%S")  # noqa: DTZ005 - a local log prefix
        prefix = f"{stamp} {name:<{self.width}} | "
        if self.colour and index is not None:
            prefix = f"{COLOURS[index % len(COLOURS)]}{prefix}{RESET}"
        with self.lock:
            self.output.write(prefix + line.rstrip("\n") + "\n")
            self.output.flush()

    def _request_stop(self, number: int, frame: Any) -> None:
        if not self.stopping.is_set():
            self.say("system", f"{signal.Signals(number).name} received; stopping")
        self.stopping.set()

    def _start(self, index: int, spec: ProcessSpec) -> None:
        process = subprocess.Popen(  # noqa: S603 - our own fixed commands
            list(spec.command),
            env=self.environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509
        )
        self.processes[spec.name] = process
        self.say("system", f"{spec.name} started (pid {process.pid})")
        reader = threading.Thread(target=self._relay, args=(spec.name, index, process), daemon=True)
        reader.start()
        self.readers.append(reader)

    def _relay(self, name: str, index: int, process: subprocess.Popen[bytes]) -> None:
        if process.stdout is None:
            return
        for raw in iter(process.stdout.readline, b""):
            self.say(name, raw.decode("utf-8", "replace"), index)

    def _stop_all(self) -> None:
        # Stop in reverse order: beat stops scheduling, the worker finishes its task, then
        # the web server drains its requests.
        for name in reversed(list(self.processes)):
            process = self.processes[name]
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        for name, process in self.processes.items():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say("system", f"{name} did not stop in time; killing it")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            self.say("system", f"{name} stopped")
        for reader in self.readers:
            reader.join(timeout=2)
