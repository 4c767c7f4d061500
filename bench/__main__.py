"""``make bench``: every benchmark, each against the obvious alternative, in one run.

It exits non-zero when any request failed or any target was missed, naming them: a figure
over refused requests measures nothing. ``--smoke`` runs each for seconds (CI), to prove that
every benchmark still runs and that no request fails; its targets are printed, not enforced,
as a loaded CI machine measures nothing about speed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from bench.environment import setup_django
from bench.report import BenchReport

BENCHMARKS = ("browse", "heartbeats", "tokens", "flush", "churn", "ratelimit", "edge", "search")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"which to run (default: all of {BENCHMARKS})")
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per measurement")
    parser.add_argument("--viewers", type=int, default=10_000, help="churn: simulated viewers")
    parser.add_argument("--minutes", type=int, default=10, help="churn: simulated minutes")
    parser.add_argument(
        "--smoke", action="store_true", help="seconds each; fail only on failed requests"
    )
    options = parser.parse_args()
    unknown = set(options.names) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    if options.smoke:
        options.duration, options.viewers, options.minutes = 1.0, 300, 6
    setup_django()
    from bench import browse, churn, edge, flush, heartbeats, ratelimit, search, tokens  # noqa: PLC0415

    runs: dict[str, Callable[[], BenchReport]] = {
        "browse": lambda: browse.run(options.duration),
        "heartbeats": lambda: heartbeats.run(options.duration, smoke=options.smoke),
        # The players of the heartbeat benchmark, when it ran in this process.
        "tokens": lambda: tokens.run(
            options.duration, heartbeats.last_players or heartbeats.prepare()["players"]
        ),
        "flush": flush.run,
        "churn": lambda: churn.run(options.viewers, options.minutes),
        "ratelimit": lambda: ratelimit.run(options.duration),
        "edge": lambda: edge.run(options.duration, smoke=options.smoke),
        "search": lambda: search.run(smoke=options.smoke),
    }
    problems: list[str] = []
    for name in options.names or BENCHMARKS:
        print(flush=True)
        report = runs[name]()
        for line in report.render():
            print(line, flush=True)
        if report.failed_requests:
            problems.append(f"{name}: {report.failed_requests:,} failed request(s)")
        if not options.smoke:
            problems += [f"{name}: {t.name} not met" for t in report.targets if not t.met]
    print()
    if problems:
        print("make bench FAILED:\n  " + "\n  ".join(problems), flush=True)
        sys.exit(1)
    print("make bench: every request answered" + ("" if options.smoke else ", every target met"))


if __name__ == "__main__":
    main()
