"""What a check returns: the :class:`Report` of one playlist and the problems found in it.

Kept apart from the rules so that callers (``catalog.media_checks``) and every rule module
share one vocabulary of severities and playlist kinds without importing any rule. The
:class:`Collector` lives here too: it is how the rules add problems, whichever module
they are in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ERROR = "error"
WARNING = "warning"
MASTER = "master"
MEDIA = "media"


@dataclass(frozen=True)
class Problem:
    """One broken rule: where, what, which section of RFC 8216, and how bad."""

    line: int | None  # 1-based; None when the whole playlist breaks the rule
    message: str
    section: str
    severity: str = ERROR

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{where}{self.message} (RFC 8216 {self.section})"


@dataclass(frozen=True)
class Stream:
    """An #EXT-X-STREAM-INF tag and the URI line after it."""

    line: int
    uri: str
    attributes: dict[str, str]


@dataclass(frozen=True)
class Rendition:
    """An #EXT-X-MEDIA tag."""

    line: int
    type: str
    group: str
    name: str
    uri: str | None
    default: bool = False
    language: str | None = None
    autoselect: bool = False
    characteristics: tuple[str, ...] = ()  # e.g. public.accessibility.describes-video


@dataclass
class Report:
    """One playlist: its kind, what ``check_stream`` needs from it, and every problem."""

    kind: str  # MASTER or MEDIA
    problems: list[Problem] = field(default_factory=list)
    version: int | None = 1  # None: the #EXT-X-VERSION tag could not be read
    version_line: int | None = None
    streams: list[Stream] = field(default_factory=list)
    renditions: list[Rendition] = field(default_factory=list)
    durations: list[float] = field(default_factory=list)  # each segment's, when readable
    target_duration: int | None = None
    playlist_type: str | None = None
    endlist: bool = False
    discontinuities: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity == WARNING]


class Collector:
    """Collects one playlist's problems, in the order found; the rule modules add to it
    and :func:`~catalog.hls.playlist.check_playlist` sorts them by line at the end."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self._reported: set[str] = set()

    def error(self, line: int | None, message: str, section: str) -> None:
        self.problems.append(Problem(line, message, section, ERROR))

    def warn(self, line: int | None, message: str, section: str) -> None:
        self.problems.append(Problem(line, message, section, WARNING))

    def once(self, key: str, line: int | None, message: str, section: str, severity: str) -> None:
        """Report a rule only the first time it breaks (per key) in the playlist."""
        if key in self._reported:
            return
        self._reported.add(key)
        self.problems.append(Problem(line, message, section, severity))

    def _add(self, severity: str, line: int | None, message: str, section: str) -> None:
        self.problems.append(Problem(line, message, section, severity))
