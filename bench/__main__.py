"""``make bench``: every benchmark, each against the obvious alternative, in one run."""

from __future__ import annotations

import argparse

from bench.environment import setup_django

BENCHMARKS = ("browse", "heartbeats", "tokens", "ratelimit", "churn")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"which to run (default: all of {BENCHMARKS})")
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per measurement")
    parser.add_argument("--viewers", type=int, default=10_000, help="churn: simulated viewers")
    parser.add_argument("--minutes", type=int, default=40, help="churn: simulated minutes")
    options = parser.parse_args()
    setup_django()
    from bench import browse, churn, heartbeats, ratelimit, tokens  # noqa: PLC0415

    unknown = set(options.names) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    players: list[dict[str, object]] = []
    for name in options.names or BENCHMARKS:
        print()
        if name == "browse":
            lines = browse.run(options.duration)
        elif name == "heartbeats":
            lines = heartbeats.run(options.duration)
            players = heartbeats.last_players
        elif name == "ratelimit":
            lines = ratelimit.run(options.duration)
        elif name == "churn":
            lines, _ = churn.run(options.viewers, options.minutes)
        else:
            players = players or heartbeats.prepare()["players"]
            lines = tokens.run(options.duration, players)
        for line in lines:
            print(line, flush=True)


if __name__ == "__main__":
    main()
