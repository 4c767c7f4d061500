"""Load from wrk (Debian's package) for targets faster than a Python client can drive.

The Python client (bench/load.py) tops out near 4,000 requests a second on this machine
while it shares the two cores with the server; nginx serves several times that. wrk sends
the same requests (method, path, headers), rotated per connection by a generated Lua script,
and its failures count: any answer outside 2xx and every socket error is a failed request.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.load import LoadResult, Request

MISSING = "wrk is not installed: `make edge-deps` installs Debian's wrk (as root)"


def wrk_binary() -> str | None:
    return shutil.which("wrk")


@dataclass(frozen=True)
class WrkResult(LoadResult):
    """A LoadResult whose percentiles come from wrk's own histogram."""

    p50_ms: float = float("nan")
    p99_ms: float = float("nan")
    bytes_read: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)

    def percentile(self, fraction: float) -> float:
        return self.p50_ms if fraction <= 0.5 else self.p99_ms


def _lua(requests: Sequence[Request]) -> str:
    lines = ["local requests = {}"]
    for index, (method, path, body, headers) in enumerate(requests, start=1):
        lines.append(
            f"requests[{index}] = wrk.format({json.dumps(method)}, {json.dumps(path)}, "
            "{"
            + ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items())
            + "}"
            + (f", {json.dumps((body or b'').decode())}" if body else "")
            + ")"
        )
    lines += [
        "local next = 0",
        "function setup(thread) end",
        "function init(args) next = math.random(#requests) end",
        "function request() next = next % #requests + 1; return requests[next] end",
    ]
    return "\n".join(lines) + "\n"


def _milliseconds(text: str) -> float:
    number, unit = re.fullmatch(r"([0-9.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(
    label: str,
    port: int,
    requests: Sequence[Request],
    *,
    duration: float,
    connections: int = 64,
    threads: int = 1,
) -> WrkResult:
    binary = wrk_binary()
    if binary is None:
        raise RuntimeError(MISSING)
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "requests.lua"
        script.write_text(_lua(requests))
        output = subprocess.run(
            [
                binary,
                "--latency",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{max(1, round(duration))}s",
                "-s",
                str(script),
                f"http://127.0.0.1:{port}",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    total = re.search(r"(\d+) requests in ([0-9.]+)(\w+), ([0-9.]+)(B|KB|MB|GB|TB) read", output)
    if total is None:
        raise RuntimeError(f"wrk printed no total:\n{output}")
    seconds = float(total.group(2)) * (60.0 if total.group(3) == "m" else 1.0)
    refused = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    errors = (int(refused.group(1)) if refused else 0) + (
        sum(int(n) for n in sockets.groups()) if sockets else 0
    )
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", output, re.MULTILINE))
    answered = int(total.group(1)) - (int(refused.group(1)) if refused else 0)
    return WrkResult(
        label,
        answered,
        seconds,
        errors,
        [],
        p50_ms=_milliseconds(latency["50"]) if "50" in latency else float("nan"),
        p99_ms=_milliseconds(latency["99"]) if "99" in latency else float("nan"),
        bytes_read=float(total.group(4))
        * 1024 ** ["B", "KB", "MB", "GB", "TB"].index(total.group(5)),
    )
