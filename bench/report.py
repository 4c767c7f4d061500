"""What every benchmark hands back: its lines, its targets, and the requests that failed.

A figure measured over refused or failed requests measures nothing, so ``make bench`` exits
non-zero when any request failed or any target was missed, and says which.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.load import LoadResult


@dataclass(frozen=True)
class Target:
    name: str
    met: bool
    detail: str = ""

    def line(self) -> str:
        state = "met" if self.met else "NOT met"
        return f"  target {self.name}: {state}" + (f" ({self.detail})" if self.detail else "")


@dataclass
class BenchReport:
    title: str
    lines: list[str] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    failed_requests: int = 0

    def add(self, line: str) -> None:
        self.lines.append("  " + line)

    def measured(self, result: LoadResult) -> LoadResult:
        """Record a load run: its line, and its failed requests against the whole report."""
        self.lines.append("  " + result.line())
        self.failed_requests += result.errors
        return result

    def target(self, name: str, met: bool, detail: str = "") -> None:
        self.targets.append(Target(name, met, detail))

    @property
    def ok(self) -> bool:
        return self.failed_requests == 0 and all(target.met for target in self.targets)

    def render(self) -> list[str]:
        out = [self.title, *self.lines, *(target.line() for target in self.targets)]
        if self.failed_requests:
            out.append(
                f"  FAILED REQUESTS: {self.failed_requests:,}: the figures above are not "
                "measurements"
            )
        return out
