from __future__ import annotations

import io
import os
import signal
import sys
import threading

import psutil

from streaming_portal.supervisor import ProcessSpec, Supervisor

SLEEPER = [sys.executable, "-c", "import time; print('ready', flush=True); time.sleep(120)"]


def test_it_stops_every_child_on_sigterm_and_leaves_no_orphans() -> None:
    output = io.StringIO()
    supervisor = Supervisor(
        [ProcessSpec("one", SLEEPER), ProcessSpec("two", SLEEPER)],
        environment=os.environ,
        output=output,
    )
    threading.Timer(1.5, os.kill, args=(os.getpid(), signal.SIGTERM)).start()

    code = supervisor.run()

    assert code == 0
    pids = [process.pid for process in supervisor.processes.values()]
    assert all(not psutil.pid_exists(pid) for pid in pids)
    log = output.getvalue()
    assert "one | ready" in log
    assert "two | ready" in log
    assert "SIGTERM received; stopping" in log


def test_it_stops_the_others_when_one_child_fails() -> None:
    output = io.StringIO()
    failing = [sys.executable, "-c", "import sys; sys.exit(3)"]
    supervisor = Supervisor(
        [ProcessSpec("web", SLEEPER), ProcessSpec("worker", failing)],
        environment=os.environ,
        output=output,
    )

    code = supervisor.run()

    assert code == 3
    assert supervisor.processes["web"].returncode is not None
    assert "worker exited with 3; stopping the others" in output.getvalue()
