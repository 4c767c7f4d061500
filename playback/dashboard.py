"""The numbers behind the editors' dashboard, each chart one aggregate query in PostgreSQL.

``dashboard_build`` runs ``DASHBOARD_QUERIES`` queries whatever the number of sessions: the
summary, plays per day (``TruncDate``), the completion buckets (integer division), the error
codes by title and by device (``jsonb_array_elements_text`` grouped in the database) and the
validation verdicts of streams and captions (one ``UNION ALL``). Nothing loops over rows in
Python except to shape the already-aggregated results.

Sessions count in the window by ``started_at``, in the portal's time zone: a window of 30
days is today and the 29 days before it, from local midnight to local midnight.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import (
    Avg,
    CharField,
    Count,
    F,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce, Least, TruncDate
from django.utils import timezone

from catalog.models import CaptionTrack, StreamSource, ValidationStatus
from playback import rules
from playback.models import DeviceType, ViewingSession

DEFAULT_DAYS = 30
WINDOW_CHOICES = (7, 30, 90)
BUCKET_WIDTH = 10  # percent: ten buckets, 0-9 ... 90-100 (100 joins the last one)
DASHBOARD_QUERIES = 6

# The browsable title of a session's video: the movie, or the series of the episode.
TITLE_NAME = Coalesce(F("video__movie__title"), F("video__episode__season__series__title"))


class TitleKey:
    """The title filter's value: ``movie:<uuid>`` or ``series:<uuid>`` (a movie and a series
    may share a name, and an episode counts for its series)."""

    MOVIE = "movie"
    SERIES = "series"

    @staticmethod
    def make(*, movie_id: Any, series_id: Any) -> str:
        if movie_id is not None:
            return f"{TitleKey.MOVIE}:{movie_id}"
        return f"{TitleKey.SERIES}:{series_id}"

    @staticmethod
    def condition(key: str) -> Q:
        """The sessions of the title ``key`` names; ValueError when it names none."""
        kind, _, pk = key.partition(":")
        title_id = uuid.UUID(pk)
        if kind == TitleKey.MOVIE:
            return Q(video_id=title_id)
        if kind == TitleKey.SERIES:
            return Q(video__episode__season__series_id=title_id)
        raise ValueError(f"Not a title key: {key!r}")


def sessions_with_error_codes(queryset: QuerySet[ViewingSession]) -> QuerySet[Any]:
    """One row per (session, error code) with the code annotated as ``code``.

    ``jsonb_array_elements_text`` is a set-returning function: in the select list it turns
    each session into one row per element, and PostgreSQL groups on it, so a ``values()``
    plus ``Count`` over this queryset aggregates the codes in the database. A session that
    reported the same code twice counts once when the count is ``distinct`` on the pk.
    Rows whose errors are not a JSON array (never written by the portal) are left out rather
    than failing the whole page.
    """
    return (
        queryset.alias(
            errors_type=Func(F("player_errors"), function="jsonb_typeof", output_field=CharField())
        )
        .filter(errors_type="array")
        .exclude(player_errors=[])
        .annotate(
            code=Func(
                F("player_errors"), function="jsonb_array_elements_text", output_field=CharField()
            )
        )
    )


def error_codes_seen() -> list[tuple[str, int]]:
    """Every error code any session reported, most frequent first: (code, sessions). One
    query, over every session that has an error."""
    rows = (
        sessions_with_error_codes(ViewingSession.objects.order_by())
        .values("code")
        .annotate(sessions=Count("pk", distinct=True))
        .order_by("-sessions", "code")
    )
    return [(row["code"], row["sessions"]) for row in rows]


# --- The window ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    days: int
    first_day: date
    last_day: date
    start: datetime  # local midnight starting first_day
    end: datetime  # local midnight after last_day

    @classmethod
    def ending(cls, *, days: int, today: date | None = None) -> Window:
        last_day = today or timezone.localdate()
        first_day = last_day - timedelta(days=days - 1)
        return cls(
            days=days,
            first_day=first_day,
            last_day=last_day,
            start=timezone.make_aware(datetime.combine(first_day, time.min)),
            end=timezone.make_aware(datetime.combine(last_day + timedelta(days=1), time.min)),
        )

    def sessions(self) -> QuerySet[ViewingSession]:
        return ViewingSession.objects.order_by().filter(
            started_at__gte=self.start, started_at__lt=self.end
        )

    def each_day(self) -> Iterable[date]:
        return (self.first_day + timedelta(days=offset) for offset in range(self.days))


# --- The numbers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    plays: int
    ended: int
    finished: int  # ended at or past rules.finished_percent()
    with_errors: int
    average_completion: float | None

    @property
    def finished_share(self) -> float | None:
        return self.finished / self.ended if self.ended else None

    @property
    def error_share(self) -> float | None:
        return self.with_errors / self.plays if self.plays else None


@dataclass(frozen=True)
class DayCount:
    day: date
    plays: int


@dataclass(frozen=True)
class BucketCount:
    low: int
    high: int
    sessions: int

    @property
    def label(self) -> str:
        return f"{self.low}\N{EN DASH}{self.high} %"


@dataclass(frozen=True)
class ErrorCount:
    """Sessions in ``group`` (a title or a device) that reported ``code``."""

    group: str
    group_key: str  # the sessions list's filter value: a TitleKey or a DeviceType
    code: str
    sessions: int


@dataclass(frozen=True)
class StatusCount:
    media: str  # "streams" or "captions"
    status: str  # a ValidationStatus
    count: int


@dataclass(frozen=True)
class Table:
    """A chart's numbers as rows: the page's text alternative and the CSV export."""

    headers: tuple[str, ...]
    rows: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass(frozen=True)
class Dashboard:
    window: Window
    summary: Summary
    plays_per_day: list[DayCount]
    completion: list[BucketCount]
    errors_by_title: list[ErrorCount]
    errors_by_device: list[ErrorCount]
    validation: list[StatusCount]

    def media_count(self, status: str) -> int:
        """Streams and captions with this verdict."""
        return sum(row.count for row in self.validation if row.status == status)

    def tables(self) -> dict[str, Table]:
        device_labels = dict(DeviceType.choices)
        status_labels = dict(ValidationStatus.choices)
        return {
            "plays_per_day": Table(
                ("Day", "Plays"), [(row.day.isoformat(), row.plays) for row in self.plays_per_day]
            ),
            "completion": Table(
                ("Completion", "Sessions"), [(row.label, row.sessions) for row in self.completion]
            ),
            "errors_by_title": Table(
                ("Title", "Error code", "Sessions"),
                [(row.group, row.code, row.sessions) for row in self.errors_by_title],
            ),
            "errors_by_device": Table(
                ("Device", "Error code", "Sessions"),
                [
                    (device_labels.get(row.group, row.group), row.code, row.sessions)
                    for row in self.errors_by_device
                ],
            ),
            "validation": Table(
                ("Media", "Status", "Count"),
                [
                    (row.media.capitalize(), status_labels[row.status], row.count)
                    for row in self.validation
                ],
            ),
        }

    def as_json(self) -> dict[str, Any]:
        summary = asdict(self.summary)
        summary["average_completion"] = (
            round(self.summary.average_completion, 1)
            if self.summary.average_completion is not None
            else None
        )
        return {
            "window": {
                "days": self.window.days,
                "first_day": self.window.first_day.isoformat(),
                "last_day": self.window.last_day.isoformat(),
                "time_zone": timezone.get_current_timezone_name(),
            },
            "summary": summary,
            "plays_per_day": [
                {"day": row.day.isoformat(), "plays": row.plays} for row in self.plays_per_day
            ],
            "completion": [
                {"low": row.low, "high": row.high, "sessions": row.sessions}
                for row in self.completion
            ],
            "errors_by_title": [
                {
                    "title": row.group,
                    "title_filter": row.group_key,
                    "code": row.code,
                    "sessions": row.sessions,
                }
                for row in self.errors_by_title
            ],
            "errors_by_device": [
                {"device": row.group, "code": row.code, "sessions": row.sessions}
                for row in self.errors_by_device
            ],
            "validation": [asdict(row) for row in self.validation],
        }


def session_summary(window: Window) -> Summary:
    ended = Q(ended_at__isnull=False)
    totals = window.sessions().aggregate(
        plays=Count("pk"),
        ended=Count("pk", filter=ended),
        finished=Count("pk", filter=ended & Q(completion_percent__gte=rules.finished_percent())),
        with_errors=Count("pk", filter=~Q(player_errors=[])),
        average_completion=Avg("completion_percent", filter=ended),
    )
    return Summary(**totals)


def plays_per_day(window: Window) -> list[DayCount]:
    """Every day of the window, days without a play included (as zero)."""
    counts = dict(
        window.sessions()
        .annotate(day=TruncDate("started_at"))  # in the current time zone
        .values("day")
        .annotate(plays=Count("pk"))
        .values_list("day", "plays")
    )
    return [DayCount(day, counts.get(day, 0)) for day in window.each_day()]


def completion_distribution(window: Window) -> list[BucketCount]:
    """Ended sessions by completion, in buckets of BUCKET_WIDTH percent (an open session's
    completion is not known yet)."""
    last = 100 // BUCKET_WIDTH - 1
    counts = dict(
        window.sessions()
        .filter(ended_at__isnull=False)
        # smallint / integer is integer division in PostgreSQL; 100 % joins the last bucket.
        .annotate(
            bucket=Least(
                F("completion_percent") / BUCKET_WIDTH, Value(last), output_field=IntegerField()
            )
        )
        .values("bucket")
        .annotate(sessions=Count("pk"))
        .values_list("bucket", "sessions")
    )
    return [
        BucketCount(
            low=bucket * BUCKET_WIDTH,
            high=100 if bucket == last else bucket * BUCKET_WIDTH + BUCKET_WIDTH - 1,
            sessions=counts.get(bucket, 0),
        )
        for bucket in range(last + 1)
    ]


def error_codes_by_title(window: Window) -> list[ErrorCount]:
    """(title, code, sessions), biggest first; an episode's errors count for its series."""
    rows = (
        sessions_with_error_codes(window.sessions())
        .values(
            "code",
            title=TITLE_NAME,
            movie_id=F("video__movie__pk"),
            series_id=F("video__episode__season__series_id"),
        )
        .annotate(sessions=Count("pk", distinct=True))
        .order_by("-sessions", "title", "code")
    )
    return [
        ErrorCount(
            group=row["title"],
            group_key=TitleKey.make(movie_id=row["movie_id"], series_id=row["series_id"]),
            code=row["code"],
            sessions=row["sessions"],
        )
        for row in rows
    ]


def error_codes_by_device(window: Window) -> list[ErrorCount]:
    rows = (
        sessions_with_error_codes(window.sessions())
        .values("code", "device_type")
        .annotate(sessions=Count("pk", distinct=True))
        .order_by("-sessions", "device_type", "code")
    )
    return [
        ErrorCount(
            group=row["device_type"],
            group_key=row["device_type"],
            code=row["code"],
            sessions=row["sessions"],
        )
        for row in rows
    ]


def validation_counts() -> list[StatusCount]:
    """Streams and captions by verdict, now (not windowed), every status listed."""

    def by_status(model: type[StreamSource] | type[CaptionTrack], media: str) -> QuerySet[Any]:
        return (
            model.objects.order_by()
            .values("validation_status")
            .annotate(count=Count("pk"), media=Value(media, output_field=CharField()))
            .values_list("media", "validation_status", "count")
        )

    counts = {
        (media, status): count
        for media, status, count in by_status(StreamSource, "streams").union(
            by_status(CaptionTrack, "captions"), all=True
        )
    }
    return [
        StatusCount(media, status, counts.get((media, status), 0))
        for media in ("streams", "captions")
        for status in ValidationStatus.values
    ]


def dashboard_build(*, days: int = DEFAULT_DAYS, today: date | None = None) -> Dashboard:
    """Every chart's numbers for the ``days`` ending ``today``: DASHBOARD_QUERIES queries."""
    window = Window.ending(days=days, today=today)
    return Dashboard(
        window=window,
        summary=session_summary(window),
        plays_per_day=plays_per_day(window),
        completion=completion_distribution(window),
        errors_by_title=error_codes_by_title(window),
        errors_by_device=error_codes_by_device(window),
        validation=validation_counts(),
    )


def top_groups(rows: Iterable[ErrorCount], *, limit: int) -> list[tuple[str, str, dict[str, int]]]:
    """The ``limit`` groups with the most error sessions: (group, key, {code: sessions})."""
    totals: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for row in rows:
        totals[(row.group, row.group_key)][row.code] = row.sessions
    ranked = sorted(totals.items(), key=lambda item: (-sum(item[1].values()), item[0][0]))
    return [(group, key, codes) for (group, key), codes in ranked[:limit]]
