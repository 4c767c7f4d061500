"""Incident triage in the admin: the sessions list's filters, the dashboard's numbers, its SVG,
its exports, the queries both pages run, and the demo sessions command."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from defusedxml import ElementTree
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from accounts.models import Profile
from catalog.models import MaturityRating, ValidationStatus, Video
from playback import charts
from playback.admin import ErrorCodeListFilter, TitleListFilter, ViewingSessionAdmin
from playback.dashboard import (
    DASHBOARD_QUERIES,
    BucketCount,
    Window,
    dashboard_build,
    error_codes_seen,
)
from playback.management.commands.seed_demo_sessions import (
    Playable,
    demo_playables,
    demo_sessions_build,
)
from playback.models import DeviceType, EndReason, ViewingSession
from tests.cast import Household, cold_identity
from tests.factories import (
    CaptionTrackFactory,
    EditorFactory,
    EpisodeFactory,
    MovieFactory,
    SeasonFactory,
    SeriesFactory,
    StreamSourceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:playback_viewingsession_changelist")
DASHBOARD = reverse("admin:playback_viewingsession_dashboard")
SVG = "{http://www.w3.org/2000/svg}"
UTC = ZoneInfo("UTC")
TODAY = date(2025, 3, 20)
NOON = datetime(2025, 3, 20, 12, 0, tzinfo=UTC)


def play(
    video: Video,
    profile: Profile,
    *,
    started_at: datetime | None = None,
    completion: int = 0,
    device: str = DeviceType.TV,
    errors: Sequence[str] = (),
    ended: bool = True,
) -> ViewingSession:
    started_at = started_at or timezone.now() - timedelta(hours=1)
    return ViewingSession.objects.create(
        video=video,
        profile=profile,
        started_at=started_at,
        ended_at=started_at + timedelta(minutes=30) if ended else None,
        end_reason=EndReason.CLOSED if ended else "",
        completion_percent=completion,
        device_type=device,
        player_errors=list(errors),
    )


def listed(client: Client, query: str = "") -> set[ViewingSession]:
    response = client.get(f"{CHANGELIST}{query}")
    assert response.status_code == 200
    return set(response.context["cl"].result_list)


def page_queries(client: Client, url: str) -> list[str]:
    # The admin looks the sessions' content type up once per process (the history links).
    ContentType.objects.clear_cache()
    cold_identity()
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in context.captured_queries]


def dashboard_page(client: Client, query: str = "") -> Any:
    response = client.get(f"{DASHBOARD}{query}")
    assert response.status_code == 200
    return response


@pytest.fixture
def movie() -> Any:
    return MovieFactory.create(title="Static Signal")


@pytest.fixture
def series_episodes() -> list[Any]:
    season = SeasonFactory.create(series=SeriesFactory.create(title="The Observatory"), number=1)
    return [EpisodeFactory.create(season=season, number=number) for number in (1, 2)]


# --- The sessions list: filters ----------------------------------------------------------------


def test_it_filters_sessions_by_movie(
    editor_client: Client, household: Household, movie: Any, series_episodes: list[Any]
) -> None:
    mine = play(movie.video, household.adult)
    play(series_episodes[0].video, household.adult)

    assert listed(editor_client, f"?title=movie:{movie.pk}") == {mine}


def test_it_filters_a_series_by_every_one_of_its_episodes(
    editor_client: Client, household: Household, movie: Any, series_episodes: list[Any]
) -> None:
    first = play(series_episodes[0].video, household.adult)
    second = play(series_episodes[1].video, household.kids)
    play(movie.video, household.adult)
    series_id = series_episodes[0].season.series_id

    assert listed(editor_client, f"?title=series:{series_id}") == {first, second}


def test_it_lists_the_catalogs_titles_in_the_title_filter_in_one_query(
    rf: Any,
    editor: Any,
    movie: Any,
    series_episodes: list[Any],
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    MovieFactory.create(title="Another Movie")
    request = rf.get(CHANGELIST)
    request.user = editor
    model_admin = ViewingSessionAdmin(ViewingSession, admin_site=None)  # type: ignore[arg-type]

    with django_assert_num_queries(1):  # movies UNION series, ordered by title
        choices = TitleListFilter(request, {}, ViewingSession, model_admin).lookup_choices

    series_id = series_episodes[0].season.series_id
    assert [label for _, label in choices] == [
        "Another Movie",
        "Static Signal",
        "The Observatory (series)",
    ]
    assert (f"movie:{movie.pk}", "Static Signal") in choices
    assert (f"series:{series_id}", "The Observatory (series)") in choices


def test_it_filters_sessions_by_device_type(
    editor_client: Client, household: Household, movie: Any
) -> None:
    phone = play(movie.video, household.adult, device=DeviceType.MOBILE)
    play(movie.video, household.adult, device=DeviceType.TV)

    assert listed(editor_client, "?device_type__exact=MOBILE") == {phone}


def test_it_lists_the_error_codes_seen_most_frequent_first_in_one_query(
    rf: Any,
    editor: Any,
    household: Household,
    movie: Any,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    play(movie.video, household.adult, errors=["media_err_3", "hls_networkError"])
    # The same code twice in one session counts that session once.
    play(movie.video, household.adult, errors=["hls_networkError", "hls_networkError"])
    play(movie.video, household.adult, errors=[])
    request = rf.get(CHANGELIST)
    request.user = editor
    model_admin = ViewingSessionAdmin(ViewingSession, admin_site=None)  # type: ignore[arg-type]

    with django_assert_num_queries(1):
        choices = ErrorCodeListFilter(request, {}, ViewingSession, model_admin).lookup_choices

    assert choices == [("hls_networkError", "hls_networkError"), ("media_err_3", "media_err_3")]
    assert error_codes_seen() == [("hls_networkError", 2), ("media_err_3", 1)]


def test_it_filters_sessions_by_an_error_code_among_others(
    editor_client: Client, household: Household, movie: Any
) -> None:
    both = play(movie.video, household.adult, errors=["hls_networkError", "media_err_2"])
    play(movie.video, household.adult, errors=["hls_networkError"])
    play(movie.video, household.adult, errors=[])

    assert listed(editor_client, "?error=media_err_2") == {both}


def test_it_narrows_sessions_to_a_day_with_the_date_hierarchy(
    editor_client: Client, household: Household, movie: Any
) -> None:
    on_the_day = play(movie.video, household.adult, started_at=NOON)
    play(movie.video, household.adult, started_at=NOON - timedelta(days=1))

    query = "?started_at__year=2025&started_at__month=3&started_at__day=20"
    assert listed(editor_client, query) == {on_the_day}


@pytest.mark.usefixtures("movie")  # Django drops a filter that has no choices
def test_it_answers_a_malformed_title_filter_with_the_admins_error_page(
    editor_client: Client,
) -> None:
    response = editor_client.get(f"{CHANGELIST}?title=movie:not-a-uuid")

    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


def test_it_shows_each_sessions_title_episode_and_errors(
    editor_client: Client, household: Household, series_episodes: list[Any]
) -> None:
    play(series_episodes[1].video, household.adult, errors=["media_err_3"])

    page = editor_client.get(CHANGELIST).content.decode()

    episode = series_episodes[1]
    assert f"The Observatory · S1E2 {episode.title}" in page
    assert "media_err_3" in page


def test_it_sorts_sessions_by_title_movies_and_series_alike(
    editor_client: Client, household: Household, movie: Any, series_episodes: list[Any]
) -> None:
    play(movie.video, household.adult)  # Static Signal
    play(series_episodes[0].video, household.adult)  # The Observatory
    play(MovieFactory.create(title="Anchor").video, household.adult)

    # Column 2: the title (after the action checkbox and the start time).
    response = editor_client.get(f"{CHANGELIST}?o=2")

    titles = [
        row.video.movie.title if hasattr(row.video, "movie") else "series"
        for row in response.context["cl"].result_list
    ]
    assert titles == ["Anchor", "Static Signal", "series"]


def test_it_links_the_sessions_list_to_the_dashboard(editor_client: Client) -> None:
    assert f'href="{DASHBOARD}"' in editor_client.get(CHANGELIST).content.decode()


def test_it_links_the_admin_index_and_the_playback_page_to_the_dashboard(
    editor_client: Client,
) -> None:
    for page in (reverse("admin:index"), reverse("admin:app_list", args=["playback"])):
        assert f'href="{DASHBOARD}"' in editor_client.get(page).content.decode()
    catalog = editor_client.get(reverse("admin:app_list", args=["catalog"])).content.decode()
    assert f'href="{DASHBOARD}"' not in catalog


def test_it_lists_sessions_in_the_same_queries_for_5_and_50_sessions(
    editor_client: Client,
    household: Household,
    movie: Any,
    series_episodes: list[Any],
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    videos = [movie.video, *(episode.video for episode in series_episodes)]
    devices = list(DeviceType.values)

    def add(count: int) -> None:
        for index in range(count):
            play(
                videos[index % 3],
                household.adult if index % 2 else household.kids,
                device=devices[index % len(devices)],
                errors=[f"code_{index % 4}"] if index % 3 else [],
                started_at=NOON - timedelta(days=index),
            )

    add(5)
    few = page_queries(editor_client, CHANGELIST)
    add(45)
    MovieFactory.create_batch(3)

    ContentType.objects.clear_cache()
    cold_identity()
    with django_assert_num_queries(len(few)):
        response = editor_client.get(CHANGELIST)

    assert len(response.context["cl"].result_list) == 50
    # The editor and its household (two queries: the identity cache is emptied); the title
    # filter's movies UNION series; the error filter's codes; the filtered and the full
    # count; the sessions with their movie or episode, series and profile joined; the date
    # hierarchy's min/max and its days.
    assert len(few) == 9, "\n".join(few)
    counts = [query for query in few if "COUNT(*)" in query]
    assert all("JOIN" not in query for query in counts)


# --- The dashboard: numbers --------------------------------------------------------------------


def test_it_counts_plays_per_day_over_the_window_with_empty_days(
    household: Household, movie: Any
) -> None:
    window = Window.ending(days=7, today=TODAY)
    play(movie.video, household.adult, started_at=window.start)  # the first instant counts
    play(movie.video, household.adult, started_at=NOON)
    play(movie.video, household.kids, started_at=NOON + timedelta(hours=11, minutes=59))
    play(movie.video, household.adult, started_at=window.start - timedelta(seconds=1))
    play(movie.video, household.adult, started_at=window.end)

    numbers = dashboard_build(days=7, today=TODAY)

    assert [(row.day, row.plays) for row in numbers.plays_per_day] == [
        (date(2025, 3, 14), 1),
        (date(2025, 3, 15), 0),
        (date(2025, 3, 16), 0),
        (date(2025, 3, 17), 0),
        (date(2025, 3, 18), 0),
        (date(2025, 3, 19), 0),
        (date(2025, 3, 20), 2),
    ]
    assert numbers.summary.plays == 3


def test_it_counts_days_in_the_portals_time_zone(
    household: Household, movie: Any, settings: Any
) -> None:
    settings.TIME_ZONE = "America/New_York"
    # 02:00 UTC on the 20th is 22:00 on the 19th in New York.
    play(movie.video, household.adult, started_at=datetime(2025, 3, 20, 2, 0, tzinfo=UTC))

    numbers = dashboard_build(days=2, today=TODAY)

    assert [(row.day, row.plays) for row in numbers.plays_per_day] == [
        (date(2025, 3, 19), 1),
        (date(2025, 3, 20), 0),
    ]


def test_it_buckets_ended_sessions_by_completion_in_tens(household: Household, movie: Any) -> None:
    for completion in (0, 9, 10, 55, 89, 90, 99, 100):
        play(movie.video, household.adult, started_at=NOON, completion=completion)
    play(movie.video, household.adult, started_at=NOON, completion=40, ended=False)

    numbers = dashboard_build(days=1, today=TODAY)

    assert numbers.completion == [
        BucketCount(0, 9, 2),
        BucketCount(10, 19, 1),
        BucketCount(20, 29, 0),
        BucketCount(30, 39, 0),
        BucketCount(40, 49, 0),
        BucketCount(50, 59, 1),
        BucketCount(60, 69, 0),
        BucketCount(70, 79, 0),
        BucketCount(80, 89, 1),
        BucketCount(90, 100, 3),
    ]
    assert numbers.summary.ended == 8
    # Finished is playback's one rule (rules.is_finished, FINISHED_FRACTION = 95 %): 99 and 100.
    assert numbers.summary.finished == 2
    assert numbers.summary.average_completion == pytest.approx(452 / 8)


def test_it_counts_error_sessions_by_title_and_code(
    household: Household, movie: Any, series_episodes: list[Any]
) -> None:
    play(movie.video, household.adult, started_at=NOON, errors=["net", "net"])
    play(movie.video, household.adult, started_at=NOON, errors=["net", "decode"])
    play(series_episodes[0].video, household.adult, started_at=NOON, errors=["decode"])
    play(series_episodes[1].video, household.kids, started_at=NOON, errors=["decode"])
    play(movie.video, household.adult, started_at=NOON - timedelta(days=3), errors=["old"])

    numbers = dashboard_build(days=1, today=TODAY)

    series_id = series_episodes[0].season.series_id
    assert [
        (row.group, row.group_key, row.code, row.sessions) for row in numbers.errors_by_title
    ] == [
        ("Static Signal", f"movie:{movie.pk}", "net", 2),
        ("The Observatory", f"series:{series_id}", "decode", 2),
        ("Static Signal", f"movie:{movie.pk}", "decode", 1),
    ]
    assert numbers.summary.with_errors == 4


def test_it_counts_error_sessions_by_device_and_code(household: Household, movie: Any) -> None:
    play(movie.video, household.adult, started_at=NOON, device="MOBILE", errors=["decode"])
    play(movie.video, household.adult, started_at=NOON, device="MOBILE", errors=["decode"])
    play(movie.video, household.adult, started_at=NOON, device="TV", errors=["net", "decode"])
    play(movie.video, household.adult, started_at=NOON, device="TV")

    numbers = dashboard_build(days=1, today=TODAY)

    assert [(row.group, row.code, row.sessions) for row in numbers.errors_by_device] == [
        ("MOBILE", "decode", 2),
        ("TV", "decode", 1),
        ("TV", "net", 1),
    ]


def test_it_counts_streams_and_captions_by_validation_status() -> None:
    video = MovieFactory.create(media=False).video
    StreamSourceFactory.create(video=video, validation_status=ValidationStatus.VALID)
    StreamSourceFactory.create(
        video=video, is_primary=False, quality_tag="480p", validation_status="INVALID"
    )
    StreamSourceFactory.create(
        video=video, is_primary=False, quality_tag="240p", validation_status="INVALID"
    )
    CaptionTrackFactory.create(video=video, validation_status=ValidationStatus.UNKNOWN)

    numbers = dashboard_build(days=1, today=TODAY)

    assert [(row.media, row.status, row.count) for row in numbers.validation] == [
        ("streams", "VALID", 1),
        ("streams", "INVALID", 2),
        ("streams", "UNKNOWN", 0),
        ("captions", "VALID", 0),
        ("captions", "INVALID", 0),
        ("captions", "UNKNOWN", 1),
    ]


def test_it_builds_the_dashboard_in_a_fixed_number_of_queries(
    household: Household,
    movie: Any,
    series_episodes: list[Any],
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    with django_assert_num_queries(DASHBOARD_QUERIES):
        dashboard_build(days=30, today=TODAY)
    for index in range(40):
        video = (movie.video, series_episodes[index % 2].video)[index % 2]
        play(video, household.adult, started_at=NOON - timedelta(days=index % 30), errors=["x"])

    # The summary, plays per day, completion, errors by title, by device, media verdicts.
    with django_assert_num_queries(DASHBOARD_QUERIES):
        dashboard_build(days=30, today=TODAY)
    assert DASHBOARD_QUERIES == 6


# --- The dashboard page ------------------------------------------------------------------------


@pytest.fixture
def some_sessions(household: Household, movie: Any, series_episodes: list[Any]) -> None:
    now = timezone.now()
    play(movie.video, household.adult, started_at=now, completion=100, errors=["net"])
    play(movie.video, household.adult, started_at=now - timedelta(days=2), completion=35)
    play(
        series_episodes[0].video,
        household.kids,
        started_at=now,
        device=DeviceType.MOBILE,
        completion=12,
        errors=["decode", "net"],
    )


@pytest.mark.usefixtures("some_sessions")
def test_it_draws_five_charts_each_with_a_title_a_description_and_a_table(
    editor_client: Client,
) -> None:
    response = dashboard_page(editor_client)

    cards = response.context["charts"]
    assert [card.chart_id for card in cards] == [
        "plays_per_day",
        "completion",
        "validation",
        "errors_by_title",
        "errors_by_device",
    ]
    page = response.content.decode()
    for card in cards:
        svg = ElementTree.fromstring(str(card.svg))  # well-formed XML, or this raises
        assert svg.tag == f"{SVG}svg"
        assert svg.get("role") == "img"
        title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
        assert title is not None
        assert title.text
        assert desc is not None
        assert desc.text
        assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
        assert str(card.svg) in page
        assert card.table.rows, card.chart_id
    assert page.count("<summary>Numbers behind this chart</summary>") == 5


@pytest.mark.usefixtures("some_sessions")
def test_it_puts_the_numbers_of_each_chart_in_its_table(editor_client: Client) -> None:
    cards = {card.chart_id: card for card in dashboard_page(editor_client).context["charts"]}

    assert sum(plays for _, plays in cards["plays_per_day"].table.rows) == 3
    assert cards["errors_by_title"].table.rows == [
        ("Static Signal", "net", 1),
        ("The Observatory", "decode", 1),
        ("The Observatory", "net", 1),
    ]
    assert ("Phone", "decode", 1) in cards["errors_by_device"].table.rows


@pytest.mark.usefixtures("some_sessions")
def test_it_links_each_error_count_to_exactly_the_sessions_it_counts(
    editor_client: Client,
) -> None:
    card = next(
        card
        for card in dashboard_page(editor_client).context["charts"]
        if card.chart_id == "errors_by_title"
    )

    for (_title, code, sessions), link in card.rows():
        shown = listed(editor_client, "?" + urlsplit(link).query)
        assert len(shown) == sessions
        assert all(code in session.player_errors for session in shown)


def test_it_escapes_titles_inside_the_svg() -> None:
    title = "<b>Fish & Chips</b>"
    svg = charts.stacked_bar_chart(
        chart_id="t",
        title=title,
        desc="d",
        rows=[charts.StackedBar(title, {"x": 2})],
        series=charts.palette(["x"]),
        unit="sessions",
    )

    parsed = ElementTree.fromstring(str(svg))
    assert parsed.find(f"{SVG}title").text == title  # type: ignore[union-attr]
    assert "<b>" not in str(svg)


def test_it_draws_an_empty_period_as_a_chart_that_says_so(editor_client: Client) -> None:
    page = dashboard_page(editor_client).content.decode()

    assert "No sessions in this period" in page
    assert page.count('class="chart"') == 5


@pytest.mark.parametrize(
    ("value", "ceiling"), [(0, (5, 1)), (3, (3, 1)), (21, (25, 5)), (199, (200, 50))]
)
def test_it_rounds_the_value_axis_to_a_readable_ceiling(
    value: int, ceiling: tuple[int, int]
) -> None:
    assert charts.nice_ceiling(value) == ceiling


@pytest.mark.usefixtures("some_sessions")
def test_it_exports_every_number_as_json(editor_client: Client) -> None:
    response = dashboard_page(editor_client, "?format=json&days=7")

    assert response["Content-Type"] == "application/json"
    numbers = json.loads(response.content)
    assert numbers["window"]["days"] == 7
    assert len(numbers["plays_per_day"]) == 7
    assert sum(day["plays"] for day in numbers["plays_per_day"]) == 3
    assert numbers["summary"] == {
        "plays": 3,
        "ended": 3,
        "finished": 1,
        "with_errors": 2,
        "average_completion": 49.0,
    }
    assert {"title": "Static Signal", "code": "net", "sessions": 1}.items() <= numbers[
        "errors_by_title"
    ][0].items()
    assert {"device": "MOBILE", "code": "decode", "sessions": 1} in numbers["errors_by_device"]
    assert numbers["completion"][-1] == {"low": 90, "high": 100, "sessions": 1}
    assert len(numbers["validation"]) == 6


@pytest.mark.usefixtures("some_sessions")
def test_it_exports_one_charts_numbers_as_csv(editor_client: Client) -> None:
    response = dashboard_page(editor_client, "?format=csv&chart=errors_by_device")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Device", "Error code", "Sessions"]
    assert sorted(rows[1:]) == [["Phone", "decode", "1"], ["Phone", "net", "1"], ["TV", "net", "1"]]


def test_it_answers_404_for_a_chart_that_does_not_exist(editor_client: Client) -> None:
    response = editor_client.get(f"{DASHBOARD}?format=csv&chart=nothing")

    assert response.status_code == 404


def test_it_falls_back_to_30_days_for_an_unknown_window(editor_client: Client) -> None:
    response = dashboard_page(editor_client, "?days=100000")

    assert response.context["window"].days == 30


@pytest.mark.usefixtures("some_sessions")
def test_it_shows_the_dashboard_in_the_same_queries_for_few_and_many_sessions(
    editor_client: Client,
    household: Household,
    movie: Any,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    few = page_queries(editor_client, DASHBOARD)
    now = timezone.now()
    for index in range(60):
        play(
            movie.video,
            household.adult,
            started_at=now - timedelta(days=index % 30),
            errors=[f"code_{index % 7}"],
            device=DeviceType.values[index % 5],
        )
    SeriesFactory.create_batch(3)

    cold_identity()
    with django_assert_num_queries(len(few)):
        dashboard_page(editor_client)

    # The editor and its household (the identity cache is emptied), then the dashboard's.
    assert len(few) == 2 + DASHBOARD_QUERIES, "\n".join(few)


def test_it_sends_a_visitor_who_is_not_staff_to_the_admin_login(
    client: Client, fast_passwords: None
) -> None:
    client.force_login(UserFactory.create())

    response = client.get(DASHBOARD)

    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("admin:login")


def test_it_refuses_staff_who_may_not_view_sessions(client: Client) -> None:
    staff = EditorFactory.create(is_superuser=False)
    client.force_login(staff)
    assert client.get(DASHBOARD).status_code == 403

    staff.user_permissions.add(Permission.objects.get(codename="view_viewingsession"))
    staff = type(staff).objects.get(pk=staff.pk)  # a fresh permission cache
    client.force_login(staff)
    assert client.get(DASHBOARD).status_code == 200


# --- Demo sessions -----------------------------------------------------------------------------


def demo_household() -> Household:
    from accounts.services import demo_household as household_create  # noqa: PLC0415

    account = household_create(user=UserFactory.create(username="viewer"))
    return Household(account, account.profiles.get(name="Alex"), account.profiles.get(name="Kids"))


def small_catalog() -> None:
    MovieFactory.create(title="Static Signal", maturity_rating=MaturityRating.AGE_16)
    MovieFactory.create(title="Paper Dragons", maturity_rating=MaturityRating.AGE_7)
    season = SeasonFactory.create(
        series=SeriesFactory.create(title="The Observatory", maturity_rating=MaturityRating.AGE_13)
    )
    EpisodeFactory.create_batch(3, season=season)


def test_it_builds_the_same_demo_sessions_for_the_same_seed() -> None:
    small_catalog()
    household = demo_household()
    playables = demo_playables()

    def build(seed: int) -> list[tuple[Any, ...]]:
        return [
            (
                session.video_id,
                session.profile_id,
                session.started_at,
                session.ended_at,
                session.completion_percent,
                session.device_type,
                session.player_errors,
            )
            for session in demo_sessions_build(
                playables=playables,
                adult=household.adult,
                kids=household.kids,
                days=30,
                now=NOON,
                seed=seed,
            )
        ]

    first = build(7)
    assert first == build(7)
    assert first != build(8)
    assert 200 < len(first) < 800
    assert all(started < NOON for _, _, started, *_ in first)
    assert all(started >= NOON - timedelta(days=30) for _, _, started, *_ in first)
    assert any(errors for *_, errors in first)


def test_it_shows_kids_only_titles_within_the_kids_ceiling() -> None:
    small_catalog()
    household = demo_household()
    playables = demo_playables()
    kids_titles = {
        playable.video_id
        for playable in playables
        if playable.maturity_rating <= MaturityRating.AGE_7
    }

    sessions = demo_sessions_build(
        playables=playables,
        adult=household.adult,
        kids=household.kids,
        days=30,
        now=NOON,
        seed=7,
    )

    kids_sessions = [s for s in sessions if s.profile == household.kids]
    assert kids_sessions
    assert {s.video_id for s in kids_sessions} <= kids_titles


def test_it_seeds_demo_sessions_in_bulk_and_only_once_with_if_empty(
    django_assert_max_num_queries: Any,
) -> None:
    small_catalog()
    demo_household()
    output = io.StringIO()

    # The viewer, its profiles, the movies, the episodes, then the inserts in batches.
    with django_assert_max_num_queries(12):
        call_command("seed_demo_sessions", "--days", "10", stdout=output)

    created = ViewingSession.objects.count()
    assert created > 50
    assert f"Created {created} viewing sessions over 10 days" in output.getvalue()
    oldest = ViewingSession.objects.order_by("started_at").first()
    assert oldest is not None
    assert oldest.started_at >= timezone.now() - timedelta(days=10)

    call_command("seed_demo_sessions", "--if-empty", stdout=io.StringIO())
    assert ViewingSession.objects.count() == created


def test_it_writes_nothing_on_a_dry_run() -> None:
    small_catalog()
    demo_household()
    output = io.StringIO()

    call_command("seed_demo_sessions", "--dry-run", stdout=output)

    assert ViewingSession.objects.count() == 0
    assert output.getvalue().startswith("Dry run: would create ")


def test_it_replaces_the_demo_viewers_sessions_with_replace() -> None:
    small_catalog()
    demo_household()
    call_command("seed_demo_sessions", "--days", "5", stdout=io.StringIO())
    first = ViewingSession.objects.count()

    call_command("seed_demo_sessions", "--days", "5", "--replace", stdout=io.StringIO())

    assert ViewingSession.objects.count() == first


def test_it_says_what_to_run_first_without_a_demo_viewer() -> None:
    small_catalog()

    with pytest.raises(CommandError, match="No demo viewer 'viewer'"):
        call_command("seed_demo_sessions", stdout=io.StringIO())


def test_it_says_what_to_run_first_without_a_catalog() -> None:
    demo_household()

    with pytest.raises(CommandError, match="run seed_demo first"):
        call_command("seed_demo_sessions", stdout=io.StringIO())


def test_it_gives_the_dashboard_something_to_show_after_seeding(editor_client: Client) -> None:
    small_catalog()
    demo_household()
    call_command("seed_demo_sessions", stdout=io.StringIO())

    numbers = dashboard_page(editor_client, "?format=json").json()

    assert numbers["summary"]["plays"] == ViewingSession.objects.count()
    assert numbers["errors_by_title"][0]["title"] == "Static Signal"
    assert (
        sum(bucket["sessions"] for bucket in numbers["completion"]) == numbers["summary"]["ended"]
    )


def test_it_keeps_playables_in_a_stable_order() -> None:
    small_catalog()

    first = demo_playables()

    assert first == demo_playables()
    assert isinstance(first[0], Playable)
    assert [playable.title for playable in first[:2]] == ["Paper Dragons", "Static Signal"]
