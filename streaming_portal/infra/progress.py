"""A progress bar for long management commands, with no dependency.

On a terminal it redraws one line; in a log (CI, cron) it prints a line at every tenth, so a
long run still shows that it moves without flooding the log.
"""

from __future__ import annotations

from typing import IO, Any, cast


class ProgressBar:
    def __init__(self, stream: IO[str], label: str, *, width: int = 30) -> None:
        self.stream = stream
        self.label = label
        self.width = width
        self.interactive = hasattr(stream, "isatty") and stream.isatty()
        self.last_tenth = -1

    def __call__(self, done: int, total: int) -> None:
        fraction = done / total if total else 1.0
        filled = int(self.width * fraction)
        line = f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {done}/{total}"
        if self.interactive:
            self.stream.write("\r" + line + ("\n" if done >= total else ""))
            self.stream.flush()
            return
        tenth = int(fraction * 10)
        if tenth != self.last_tenth:
            self.last_tenth = tenth
            self.stream.write(line + "\n")


def for_command(command: Any, label: str) -> ProgressBar:
    """A bar on a management command's stderr (the raw stream: no forced line endings)."""
    return ProgressBar(cast("IO[str]", command.stderr._out), label)
