"""The editors' admin for playback: viewing sessions for incident triage, and their dashboard.

The sessions list runs a fixed number of queries whatever the number of sessions: the title
filter lists the catalog's movies and series in one UNION query, the error-code filter lists
the codes seen in one grouped query, and each row's title is annotated, not loaded per row
(tests/test_dashboard.py asserts the counts). The dashboard's numbers come from
playback/dashboard.py, its SVG from playback/charts.py.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet, Value
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from catalog.admin import badge
from catalog.models import Movie, Series, ValidationStatus
from playback import charts, rules
from playback.dashboard import (
    DEFAULT_DAYS,
    TITLE_NAME,
    WINDOW_CHOICES,
    Dashboard,
    ErrorCount,
    Table,
    TitleKey,
    dashboard_build,
    error_codes_seen,
    top_groups,
)
from playback.models import DeviceType, ViewingSession
from streaming_portal.infra.admin_input import KnownValueFilter, SafeInputAdmin

TOP_TITLES = 8
TOP_CODES = 5
OTHER_CODES = "Other codes"
VERDICT_SERIES = [
    charts.Series("Valid", "#2E7D32"),
    charts.Series("Invalid", "#C62828"),
    charts.Series("Not checked yet", "#9E9E9E"),
]


class ReadOnlyAdmin(SafeInputAdmin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Records written by the portal itself: editors read them, nobody edits them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


# --- Filters -------------------------------------------------------------------------------


class TitleListFilter(KnownValueFilter):
    """A movie, or a series with all its episodes. One query lists the whole catalog; a value
    it does not list (a malformed key, a deleted title) is refused with a message."""

    title = "title"
    parameter_name = "title"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        movies = (
            Movie.objects.order_by()
            .annotate(title_kind=Value(TitleKey.MOVIE))
            .values_list("title_kind", "pk", "title")
        )
        series = (
            Series.objects.order_by()
            .annotate(title_kind=Value(TitleKey.SERIES))
            .values_list("title_kind", "pk", "title")
        )
        return [
            (
                TitleKey.make(
                    movie_id=pk if kind == TitleKey.MOVIE else None,
                    series_id=pk if kind == TitleKey.SERIES else None,
                ),
                name if kind == TitleKey.MOVIE else f"{name} (series)",
            )
            for kind, pk, name in movies.union(series, all=True).order_by("title")
        ]

    def filter(self, request: HttpRequest, queryset: QuerySet[Any], value: str) -> QuerySet[Any]:
        return queryset.filter(TitleKey.condition(value))


class ErrorCodeListFilter(KnownValueFilter):
    """Sessions whose player reported a code: the codes any session reported, most frequent
    first (one grouped query over the sessions that have errors). A code no session reported
    is refused with a message: it matches nothing, and a NUL byte in it would fail the query."""

    title = "player error"
    parameter_name = "error"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(code, code) for code, _sessions in error_codes_seen()]

    def filter(self, request: HttpRequest, queryset: QuerySet[Any], value: str) -> QuerySet[Any]:
        # jsonb containment: the list holds this code (maybe among others).
        return queryset.filter(player_errors__contains=[value])


# --- The sessions list -----------------------------------------------------------------------


@admin.register(ViewingSession)
class ViewingSessionAdmin(ReadOnlyAdmin):
    list_display = [
        "started_column",
        "title_column",
        "profile",
        "device_type",
        "completion_column",
        "end_reason",
        "errors_column",
    ]
    list_display_links = ["started_column"]
    list_filter = [
        TitleListFilter,
        "device_type",
        ErrorCodeListFilter,
        "end_reason",
        "started_at",
    ]
    # Joined into the page's one query, and only there: the counts and the date hierarchy
    # read the sessions table alone.
    list_select_related = ["profile", "video__movie", "video__episode__season__series"]
    date_hierarchy = "started_at"
    search_fields = [
        "id",
        "profile__name",
        "video__movie__title",
        "video__episode__season__series__title",
        "video__episode__title",
    ]
    list_per_page = 50
    # SignedStreamToken (a composite primary key) cannot have an admin page in Django 5.2;
    # its audit rows are for compliance queries, not for editors.

    class Media:
        css = {"all": ["playback/dashboard.css"]}

    def get_urls(self) -> list[URLPattern]:
        dashboard = path(
            "dashboard/",
            self.admin_site.admin_view(self.dashboard_view),
            name="playback_viewingsession_dashboard",
        )
        return [dashboard, *super().get_urls()]

    @admin.display(description="Started", ordering="started_at")
    def started_column(self, obj: ViewingSession) -> str:
        return date_format(timezone.localtime(obj.started_at), "j M Y, H:i")

    @admin.display(description="Title", ordering=TITLE_NAME.asc())
    def title_column(self, obj: ViewingSession) -> str:
        video = obj.video
        if hasattr(video, "movie"):  # selected with the row: no query either way
            return video.movie.title
        if hasattr(video, "episode"):
            episode = video.episode
            return (
                f"{episode.season.series.title} · S{episode.season.number}E{episode.number} "
                f"{episode.title}"
            )
        return str(video)

    @admin.display(description="Completion", ordering="completion_percent")
    def completion_column(self, obj: ViewingSession) -> SafeString:
        return format_html(
            '<span class="completion-meter" aria-hidden="true"><span style="width:{}%">'
            "</span></span> {} %",
            obj.completion_percent,
            obj.completion_percent,
        )

    @admin.display(description="Player errors")
    def errors_column(self, obj: ViewingSession) -> SafeString | str:
        codes = obj.player_errors if isinstance(obj.player_errors, list) else []
        if not codes:
            return "—"
        return format_html_join(" ", "{}", ((badge(str(code), "red"),) for code in codes))

    # --- The dashboard ---------------------------------------------------------------------

    def dashboard_view(self, request: HttpRequest) -> HttpResponse:
        """The charts page; ``?format=json`` for every number, ``?format=csv&chart=…`` for
        one chart's table. DASHBOARD_QUERIES queries, whatever the number of sessions."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        days = _window_days(request.GET.get("days"))
        numbers = dashboard_build(days=days)
        export = request.GET.get("format")
        if export == "json":
            return JsonResponse(numbers.as_json())
        if export == "csv":
            return _csv_response(numbers, request.GET.get("chart", ""))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Viewing dashboard",
            "subtitle": None,
            "dashboard": numbers,
            "window": numbers.window,
            "time_zone": timezone.get_current_timezone_name(),
            "kpis": _kpis(numbers),
            "charts": _chart_cards(numbers),
            "windows": [
                (choice, f"?days={choice}" if choice != DEFAULT_DAYS else "?", choice == days)
                for choice in WINDOW_CHOICES
            ],
            "json_url": f"?{urlencode({'days': days, 'format': 'json'})}",
        }
        return TemplateResponse(request, "admin/playback/viewingsession/dashboard.html", context)


def _window_days(raw: str | None) -> int:
    try:
        days = int(raw or DEFAULT_DAYS)
    except ValueError:
        return DEFAULT_DAYS
    return days if days in WINDOW_CHOICES else DEFAULT_DAYS


def _csv_response(numbers: Dashboard, chart: str) -> HttpResponse:
    tables = numbers.tables()
    if chart not in tables:
        raise Http404(f"No chart named {chart!r}; one of: {', '.join(tables)}.")
    table = tables[chart]
    filename = f"{chart}-{numbers.window.first_day}-{numbers.window.last_day}.csv"
    response = HttpResponse(
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
    writer = csv.writer(response)
    writer.writerow(table.headers)
    writer.writerows(table.rows)
    return response


# --- The dashboard's pieces ------------------------------------------------------------------


@dataclass(frozen=True)
class Kpi:
    value: str
    label: str
    detail: str = ""
    tone: str = ""  # "alert" draws the eye
    url: str = ""


@dataclass(frozen=True)
class ChartCard:
    chart_id: str
    heading: str
    lede: str
    svg: SafeString
    table: Table
    csv_url: str
    wide: bool = False
    # One link per table row (to the matching sessions), or none at all.
    row_links: list[str] = field(default_factory=list)

    def rows(self) -> list[tuple[tuple[Any, ...], str]]:
        links = self.row_links or [""] * len(self.table.rows)
        return list(zip(self.table.rows, links, strict=True))


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.0f} %"


def _kpis(numbers: Dashboard) -> list[Kpi]:
    summary = numbers.summary
    not_valid = numbers.media_count(ValidationStatus.INVALID)
    unchecked = numbers.media_count(ValidationStatus.UNKNOWN)
    average = summary.average_completion
    return [
        Kpi(f"{summary.plays:,}", "plays", f"in the last {numbers.window.days} days"),
        Kpi(
            _percent(summary.finished_share),
            "watched to the end",
            f"{summary.finished:,} of {summary.ended:,} ended sessions reached "
            f"{rules.finished_percent()} %",
        ),
        Kpi(
            "—" if average is None else f"{average:.0f} %",
            "average completion",
            "of ended sessions",
        ),
        Kpi(
            _percent(summary.error_share),
            "sessions with player errors",
            f"{summary.with_errors:,} sessions",
            tone="alert" if summary.with_errors else "",
            url="#errors_by_title-heading" if summary.with_errors else "",
        ),
        Kpi(
            f"{not_valid:,}",
            "invalid streams and captions",
            f"{unchecked:,} not checked yet" if unchecked else "every file has been checked",
            tone="alert" if not_valid else "",
            url=f"{reverse('admin:catalog_movie_changelist')}?media=invalid" if not_valid else "",
        ),
    ]


def _sessions_url(numbers: Dashboard, **filters: str) -> str:
    """The sessions list filtered to the dashboard's window and ``filters``: the same sessions
    a chart counted (the ``started_at`` list filter accepts these two bounds)."""
    params = {
        "started_at__gte": numbers.window.start.isoformat(),
        "started_at__lt": numbers.window.end.isoformat(),
        **filters,
    }
    return f"{reverse('admin:playback_viewingsession_changelist')}?{urlencode(params)}"


def _chart_cards(numbers: Dashboard) -> list[ChartCard]:
    tables = numbers.tables()
    device_labels = dict(DeviceType.choices)
    return [
        _plays_card(numbers, tables["plays_per_day"]),
        _completion_card(numbers, tables["completion"]),
        _validation_card(numbers, tables["validation"]),
        _errors_card(
            numbers,
            chart_id="errors_by_title",
            heading="Player errors by title",
            rows=numbers.errors_by_title,
            table=tables["errors_by_title"],
            label=str,
            link=lambda row: _sessions_url(numbers, title=row.group_key, error=row.code),
            what=f"the {TOP_TITLES} titles with the most",
            noun="titles",
        ),
        _errors_card(
            numbers,
            chart_id="errors_by_device",
            heading="Player errors by device",
            rows=numbers.errors_by_device,
            table=tables["errors_by_device"],
            label=lambda device: str(device_labels.get(device, device)),
            link=lambda row: _sessions_url(
                numbers, device_type__exact=row.group_key, error=row.code
            ),
            what="by device",
            noun="device types",
        ),
    ]


def _csv_url(numbers: Dashboard, chart: str) -> str:
    return "?" + urlencode({"days": numbers.window.days, "format": "csv", "chart": chart})


def _plays_card(numbers: Dashboard, table: Table) -> ChartCard:
    days = numbers.plays_per_day
    every = max(1, len(days) // 6)
    bars = [
        charts.Bar(
            label=date_format(row.day, "D j M"),
            value=row.plays,
            # Label every few days, counting back from today so that today is labelled.
            tick=f"{row.day.day} {date_format(row.day, 'M')}"
            if (len(days) - 1 - index) % every == 0
            else "",
        )
        for index, row in enumerate(days)
    ]
    total = sum(row.plays for row in days)
    busiest = max(days, key=lambda row: row.plays)
    desc = (
        f"{total:,} plays from {window_text(numbers)}; the busiest day was "
        f"{date_format(busiest.day, 'D j M')} with {busiest.plays:,}."
        if total
        else f"No plays from {window_text(numbers)}."
    )
    return ChartCard(
        chart_id="plays_per_day",
        heading="Plays per day",
        lede="Sessions started each day, in the portal's time zone.",
        svg=charts.column_chart(
            chart_id="plays_per_day",
            title=f"Plays per day, last {numbers.window.days} days",
            desc=desc,
            bars=bars,
            colour="#0072B2",
            unit="plays",
            width=1000,
            height=260,
            show_values=len(days) <= 31,
        ),
        table=table,
        csv_url=_csv_url(numbers, "plays_per_day"),
        wide=True,
        row_links=[_day_url(numbers, index) for index in range(len(days))],
    )


def _day_url(numbers: Dashboard, index: int) -> str:
    day = numbers.plays_per_day[index].day
    return f"{reverse('admin:playback_viewingsession_changelist')}?" + urlencode(
        {"started_at__year": day.year, "started_at__month": day.month, "started_at__day": day.day}
    )


def window_text(numbers: Dashboard) -> str:
    window = numbers.window
    return f"{date_format(window.first_day, 'j M')} to {date_format(window.last_day, 'j M Y')}"


def _completion_card(numbers: Dashboard, table: Table) -> ChartCard:
    buckets = numbers.completion
    ended = sum(row.sessions for row in buckets)
    desc = (
        f"{ended:,} ended sessions: {buckets[-1].sessions:,} reached {buckets[-1].label}, "
        f"{buckets[0].sessions:,} stopped in the first {buckets[0].high + 1} %."
        if ended
        else "No ended sessions in this period."
    )
    return ChartCard(
        chart_id="completion",
        heading="Completion",
        lede="How far ended sessions got, in steps of 10 %.",
        svg=charts.column_chart(
            chart_id="completion",
            title="Completion of ended sessions",
            desc=desc,
            bars=[
                charts.Bar(
                    label=row.label, value=row.sessions, tick=f"{row.low}\N{EN DASH}{row.high}"
                )
                for row in buckets
            ],
            colour="#009E73",
            unit="sessions",
            show_values=True,
        ),
        table=table,
        csv_url=_csv_url(numbers, "completion"),
    )


def _validation_card(numbers: Dashboard, table: Table) -> ChartCard:
    labels = dict(ValidationStatus.choices)
    rows = [
        charts.StackedBar(
            label=media.capitalize(),
            values={
                labels[row.status]: row.count for row in numbers.validation if row.media == media
            },
        )
        for media in ("streams", "captions")
    ]
    desc = " ".join(
        f"{row.label}: "
        + ", ".join(f"{count:,} {status.lower()}" for status, count in row.values.items())
        + "."
        for row in rows
    )
    return ChartCard(
        chart_id="validation",
        heading="Media validation",
        lede="Every stream and caption file by its latest check, now.",
        svg=charts.stacked_bar_chart(
            chart_id="validation",
            title="Streams and captions by validation status",
            desc=desc,
            rows=rows,
            series=VERDICT_SERIES,
            unit="files",
            label_width=90,
        ),
        table=table,
        csv_url=_csv_url(numbers, "validation"),
    )


def _errors_card(
    numbers: Dashboard,
    *,
    chart_id: str,
    heading: str,
    rows: list[ErrorCount],
    table: Table,
    label: Callable[[str], str],
    link: Callable[[ErrorCount], str],
    what: str,
    noun: str,
) -> ChartCard:
    groups = top_groups(rows, limit=TOP_TITLES)
    code_totals: dict[str, int] = {}
    for row in rows:
        code_totals[row.code] = code_totals.get(row.code, 0) + row.sessions
    top_codes = sorted(code_totals, key=lambda code: (-code_totals[code], code))[:TOP_CODES]
    has_other = len(code_totals) > len(top_codes)
    bars = []
    for group, _key, codes in groups:
        values = {code: codes.get(code, 0) for code in top_codes}
        if has_other:
            values[OTHER_CODES] = sum(n for code, n in codes.items() if code not in top_codes)
        bars.append(charts.StackedBar(label=label(group), values=values))
    if groups:
        first_group, _, first_codes = groups[0]
        worst_code = max(first_codes, key=lambda code: first_codes[code])
        desc = (
            f"{len({row.group for row in rows})} {noun} reported player errors; the most: "
            f"{label(first_group)}, {sum(first_codes.values()):,} sessions, mostly {worst_code}."
        )
    else:
        desc = f"No player errors reported from {window_text(numbers)}."
    return ChartCard(
        chart_id=chart_id,
        heading=heading,
        lede=f"Sessions reporting each code, {what}. Each number in the table opens its sessions.",
        svg=charts.stacked_bar_chart(
            chart_id=chart_id,
            title=f"{heading}, last {numbers.window.days} days",
            desc=desc,
            rows=bars,
            series=charts.palette(top_codes, other=OTHER_CODES if has_other else None),
            unit="sessions",
        ),
        table=table,
        csv_url=_csv_url(numbers, chart_id),
        row_links=[link(row) for row in rows],
    )
