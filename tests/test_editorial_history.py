"""The editorial history of titles (catalog/models/history.py, catalog/history.py): who
changed which field, from what, to what and when, however the change was written; shown on
the change page and behind its History link, in a fixed number of queries."""

from __future__ import annotations

import importlib
import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from catalog import services
from catalog.history import EMPTY, FieldChange, history_page, word_diff
from catalog.models import Episode, Genre, Movie, Series, StreamSource, Visibility
from tests.admin_forms import change_form
from tests.factories import (
    CaptionTrackFactory,
    EpisodeFactory,
    GenreFactory,
    MovieFactory,
    SeasonFactory,
    SeriesFactory,
    StreamSourceFactory,
    UserFactory,
)
from tests.test_catalog_admin import forget_content_types, page_queries
from tests.test_catalog_commands import catalog_document

pytestmark = pytest.mark.django_db

OLD_SYNOPSIS = "A ferry captain makes her last crossing before the harbour closes for good."
NEW_SYNOPSIS = "A ferry captain makes her last crossing before the storm closes the harbour."


def change_url(title: Movie | Series) -> str:
    return reverse(f"admin:catalog_{title._meta.model_name}_change", args=[title.pk])


def history_url(title: Movie | Series) -> str:
    return reverse(f"admin:catalog_{title._meta.model_name}_history", args=[title.pk])


def button_url(title: Movie | Series, button: str) -> str:
    return reverse(f"admin:catalog_{title._meta.model_name}_{button}", args=[title.pk])


def changes(title: Any, field: str | None = None) -> list[FieldChange]:
    found = history_page(title, limit=100).changes
    return [change for change in found if field is None or change.field == field]


def movie_with_media(**fields: Any) -> tuple[Movie, StreamSource, Any]:
    """A movie as the admin saves one: its window in whole seconds, as the form sends it."""
    start = timezone.now().replace(microsecond=0) - timedelta(days=10)
    movie = MovieFactory.create(
        media=False, availability_start=start, availability_end=start + timedelta(days=70), **fields
    )
    stream = StreamSourceFactory.create(video=movie.video)
    caption = CaptionTrackFactory.create(video=movie.video)
    return movie, stream, caption


# --- What is recorded ----------------------------------------------------------------------


def test_it_records_a_synopsis_edit_in_the_admin_with_editor_before_after_and_time(
    editor_client: Client,
) -> None:
    movie, stream, caption = movie_with_media(synopsis=OLD_SYNOPSIS)
    form = change_form(movie, stream, caption) | {"synopsis": NEW_SYNOPSIS}

    before = timezone.now()
    response = editor_client.post(change_url(movie), form)
    after = timezone.now()

    assert response.status_code == 302
    [change] = changes(movie, "Synopsis")
    assert (change.actor, change.before, change.after) == ("editor", OLD_SYNOPSIS, NEW_SYNOPSIS)
    assert before <= change.at <= after
    # Nothing else the form sent back unchanged is reported as a change.
    assert [c.field for c in changes(movie) if c.actor == "editor"] == ["Synopsis"]


def test_it_shows_the_synopsis_change_and_its_editor_on_the_change_page(
    editor_client: Client,
) -> None:
    movie, stream, caption = movie_with_media(synopsis=OLD_SYNOPSIS)
    editor_client.post(
        change_url(movie), change_form(movie, stream, caption) | {"synopsis": NEW_SYNOPSIS}
    )

    response = editor_client.get(change_url(movie))

    content = response.content.decode()
    assert "Editorial history" in content
    row = next(row for row in response.context["editorial_history"] if row.diff is not None)
    assert (row.change.field, row.change.actor) == ("Synopsis", "editor")
    assert '<td class="portal-history-who">editor</td>' in content
    assert '<td class="portal-history-what">Synopsis</td>' in content
    assert "<del>harbour</del> <ins>storm</ins> closes <del>for good.</del>" in content


def test_it_records_a_queryset_update_that_no_save_signal_sees() -> None:
    movie = MovieFactory.create(visibility=Visibility.VISIBLE)

    Movie.objects.filter(pk=movie.pk).update(visibility=Visibility.HIDDEN)

    [change] = changes(movie, "Visibility")
    assert (change.actor, change.before, change.after) == ("system", "Visible", "Hidden")


def test_it_records_nothing_when_a_save_changes_no_tracked_field() -> None:
    movie = MovieFactory.create()
    recorded = changes(movie)

    services.title_save(title=Movie.objects.get(pk=movie.pk), by=None)

    assert changes(movie) == recorded


def test_it_records_genres_running_time_streams_and_captions_on_the_movie(
    editor_client: Client,
) -> None:
    movie, stream, caption = movie_with_media()
    horror = GenreFactory.create(name="Horror")
    form = change_form(movie, stream, caption) | {
        "genres": [horror.pk],
        "duration_minutes": "101",
    }
    form["stream_sources-0-quality_tag"] = "4k"

    editor_client.post(change_url(movie), form)

    shown = {(c.what, c.before, c.after) for c in changes(movie) if c.actor == "editor"}
    assert shown == {
        ("Genres", EMPTY, "Horror"),
        ("Genres", "Drama", EMPTY),
        ("Duration minutes", "95", "101"),
        ("Stream 4k: Quality tag", "1080p", "4k"),
    }


def test_it_records_season_changes_on_the_series() -> None:
    series = SeriesFactory.create()
    season = SeasonFactory.create(series=series, number=1)

    season.title = "Book One"
    season.save()
    season.delete()

    assert [(c.what, c.before, c.after) for c in changes(series)][:3] == [
        ("Season 1: Removed", "1 · Book One", EMPTY),
        ("Season 1: Title", EMPTY, "Book One"),
        ("Season 1: Created", EMPTY, "1"),
    ]


def test_it_records_an_import_under_the_command_not_a_user(
    tmp_path: Path, fast_passwords: None
) -> None:
    UserFactory.create(username="importer")
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(catalog_document()))

    call_command("import_catalog", str(path), "--by", "importer", stdout=io.StringIO())

    harbour = Movie.objects.get(title="Harbour Lights")
    actors = {change.actor for change in changes(harbour)}
    assert actors == {"manage.py import_catalog --by importer"}
    assert "Visibility" in {change.field for change in changes(harbour)}


def test_it_records_nothing_when_the_same_file_is_imported_again(
    tmp_path: Path, fast_passwords: None
) -> None:
    UserFactory.create(username="importer")
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(catalog_document()))
    call_command("import_catalog", str(path), "--by", "importer", stdout=io.StringIO())
    titles = [*Movie.objects.all(), *Series.objects.all()]
    before = {title.pk: changes(title) for title in titles}

    call_command("import_catalog", str(path), "--by", "importer", stdout=io.StringIO())

    # Not even a primary stream or default caption flag cleared and set again.
    assert {title.pk: changes(title) for title in titles} == before


def test_it_shows_a_change_with_no_earlier_record_as_not_recorded() -> None:
    movie = MovieFactory.create()
    event_model = Movie.pgh_event_models["changed"]  # type: ignore[attr-defined]
    event_model.objects.filter(pgh_obj_id=movie.pk).delete()  # as if made before tracking

    Movie.objects.filter(pk=movie.pk).update(title="Renamed")

    [change] = changes(movie, "Title")
    assert (change.before, change.after) == ("(not recorded)", "Renamed")


def test_it_gives_rows_made_before_tracking_a_baseline_to_change_from() -> None:
    movie = MovieFactory.create(title="Before tracking")
    for event_model in set(Movie.pgh_event_models.values()):  # type: ignore[attr-defined]
        event_model.objects.all().delete()  # as if the movie were older than the triggers
    migration = importlib.import_module("catalog.migrations.0006_editorial_history")

    with connection.schema_editor() as schema_editor:
        migration.insert_baselines(django_apps, schema_editor)
    Movie.objects.filter(pk=movie.pk).update(title="After tracking")

    # The baseline is the "from", never a row of its own.
    assert [(c.what, c.before, c.after) for c in changes(movie) if c.actor == "system"][:1] == [
        ("Title", "Before tracking", "After tracking")
    ]
    assert "Created" not in {change.what for change in changes(movie)}


def test_it_shows_an_episodes_history_on_its_change_page(editor_client: Client) -> None:
    episode = EpisodeFactory.create(title="Pilot")
    Episode.objects.filter(pk=episode.pk).update(title="The Pilot")

    response = editor_client.get(reverse("admin:catalog_episode_change", args=[episode.pk]))

    shown = [
        (r.change.what, r.change.before, r.change.after)
        for r in response.context["editorial_history"]
    ]
    assert shown[0] == ("Title", "Pilot", "The Pilot")
    assert "Editorial history" in response.content.decode()


def test_it_diffs_long_text_word_by_word_and_leaves_out_the_unchanged_middle() -> None:
    before = "one two three four five six seven eight nine ten eleven twelve thirteen end"
    after = "one two three four five six seven eight nine ten eleven twelve thirteen finale"

    pieces = word_diff(before, after, context=3)

    assert pieces == [
        ("gap", "…"),
        ("same", "eleven twelve thirteen"),
        ("removed", "end"),
        ("added", "finale"),
    ]


# --- Publish and Hide write history ----------------------------------------------------------


def test_it_records_publishing_by_the_button_with_the_editor(editor_client: Client) -> None:
    movie = MovieFactory.create(visibility=Visibility.HIDDEN)

    response = editor_client.post(button_url(movie, "publish"), follow=True)

    assert response.redirect_chain == [(change_url(movie), 302)]
    assert Movie.objects.get(pk=movie.pk).visibility == Visibility.VISIBLE
    [change] = changes(movie, "Visibility")
    assert (change.actor, change.before, change.after) == ("editor", "Hidden", "Visible")
    assert f"“{movie.title}” is published: viewers can see it now." in [
        str(message) for message in response.context["messages"]
    ]


def test_it_records_hiding_by_the_button_with_the_editor(editor_client: Client) -> None:
    movie = MovieFactory.create(visibility=Visibility.VISIBLE)

    editor_client.post(button_url(movie, "hide"))

    [change] = changes(movie, "Visibility")
    assert (change.actor, change.before, change.after) == ("editor", "Visible", "Hidden")


def test_it_records_publishing_and_hiding_a_series_by_the_buttons(editor_client: Client) -> None:
    series = SeriesFactory.create(visibility=Visibility.HIDDEN)
    EpisodeFactory.create(season=SeasonFactory.create(series=series, number=1), number=1)

    editor_client.post(button_url(series, "publish"))
    editor_client.post(button_url(series, "hide"))

    assert [(c.before, c.after) for c in changes(series, "Visibility")] == [
        ("Visible", "Hidden"),
        ("Hidden", "Visible"),
    ]


@pytest.mark.parametrize(("action", "start"), [("publish", "HIDDEN"), ("hide", "VISIBLE")])
def test_it_records_the_list_actions_with_the_editor(
    editor_client: Client, action: str, start: str
) -> None:
    movie = MovieFactory.create(visibility=start)

    editor_client.post(
        reverse("admin:catalog_movie_changelist"),
        {"action": action, "_selected_action": [movie.pk], "index": "0"},
    )

    [change] = changes(movie, "Visibility")
    assert change.actor == "editor"
    assert change.after == ("Visible" if action == "publish" else "Hidden")


def test_it_shows_why_a_publish_was_refused_and_records_nothing(editor_client: Client) -> None:
    movie = MovieFactory.create(visibility=Visibility.HIDDEN, media=False)
    CaptionTrackFactory.create(video=movie.video)

    response = editor_client.post(button_url(movie, "publish"), follow=True)

    assert response.status_code == 200
    assert f"“{movie.title}” was not published: The movie: no primary stream." in [
        str(message) for message in response.context["messages"]
    ]
    assert Movie.objects.get(pk=movie.pk).visibility == Visibility.HIDDEN
    assert changes(movie, "Visibility") == []


def test_it_publishes_nothing_on_a_get(editor_client: Client) -> None:
    movie = MovieFactory.create(visibility=Visibility.HIDDEN)

    for button in ("publish", "hide"):
        assert editor_client.get(button_url(movie, button)).status_code == 405

    assert Movie.objects.get(pk=movie.pk).visibility == Visibility.HIDDEN
    assert changes(movie, "Visibility") == []


@pytest.fixture
def viewing_editor_client(client: Client) -> Client:
    """A staff member who may view movies but not change them."""
    user = UserFactory.create(username="reader", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_movie"))
    client.force_login(user)
    return client


@pytest.mark.parametrize("button", ["publish", "hide"])
def test_it_refuses_the_buttons_to_a_staff_member_who_may_only_view(
    viewing_editor_client: Client, button: str
) -> None:
    movie = MovieFactory.create(visibility=Visibility.HIDDEN)

    response = viewing_editor_client.post(button_url(movie, button))

    assert response.status_code == 403
    assert Movie.objects.get(pk=movie.pk).visibility == Visibility.HIDDEN


def test_it_shows_no_buttons_to_a_staff_member_who_may_only_view(
    viewing_editor_client: Client,
) -> None:
    movie = MovieFactory.create()

    content = viewing_editor_client.get(change_url(movie)).content.decode()

    assert button_url(movie, "publish") not in content
    assert "Editorial history" in content


def test_it_shows_both_buttons_as_csrf_protected_forms(editor_client: Client) -> None:
    movie = MovieFactory.create()

    content = editor_client.get(change_url(movie)).content.decode()

    for button in ("publish", "hide"):
        form = content.split(f'action="{button_url(movie, button)}"', 1)[1].split("</form>")[0]
        assert 'name="csrfmiddlewaretoken"' in form


def test_it_refuses_a_button_post_without_the_csrf_token(editor: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    movie = MovieFactory.create(visibility=Visibility.HIDDEN)

    assert client.post(button_url(movie, "publish")).status_code == 403
    assert Movie.objects.get(pk=movie.pk).visibility == Visibility.HIDDEN


# --- Hostile input ---------------------------------------------------------------------------


def test_it_answers_404_for_a_series_id_on_the_movie_buttons(editor_client: Client) -> None:
    series = SeriesFactory.create(visibility=Visibility.HIDDEN)
    url = reverse("admin:catalog_movie_publish", args=[series.pk])

    assert editor_client.post(url).status_code == 404
    assert Series.objects.get(pk=series.pk).visibility == Visibility.HIDDEN


@pytest.mark.parametrize(
    "object_id", ["00000000-0000-0000-0000-000000000000", "not-a-uuid", "1%00", "..%2F..%2F"]
)
@pytest.mark.parametrize("view", ["publish", "hide", "history"])
def test_it_answers_404_for_an_id_that_names_no_movie(
    editor_client: Client, object_id: str, view: str
) -> None:
    url = reverse(f"admin:catalog_movie_{view}", args=["ID"]).replace("ID", object_id)

    response = editor_client.post(url) if view != "history" else editor_client.get(url)

    assert response.status_code == 404


def test_it_writes_one_entry_for_a_publish_pressed_twice(editor_client: Client) -> None:
    movie = MovieFactory.create(visibility=Visibility.HIDDEN)

    editor_client.post(button_url(movie, "publish"))
    response = editor_client.post(button_url(movie, "publish"), follow=True)

    assert len(changes(movie, "Visibility")) == 1
    assert f"“{movie.title}” was already visible; nothing changed." in [
        str(message) for message in response.context["messages"]
    ]


@pytest.mark.parametrize("page", ["0", "-3", "abc", "99999999999999999999999", "2"])
def test_it_answers_any_history_page_number_without_an_error(
    editor_client: Client, page: str
) -> None:
    movie = MovieFactory.create()

    response = editor_client.get(f"{history_url(movie)}?p={page}")

    assert response.status_code == 200


# --- The History page and the query counts ---------------------------------------------------


def edit_titles(movie: Movie, times: int) -> None:
    for number in range(times):
        Movie.objects.filter(pk=movie.pk).update(title=f"{movie.title} take {number}")
        StreamSource.objects.filter(video=movie.video).update(quality_tag=f"{number}p")


def test_it_pages_the_full_history_newest_first(editor_client: Client) -> None:
    movie = MovieFactory.create()
    edit_titles(movie, 30)  # 60 edits, plus the creation's

    first = editor_client.get(history_url(movie))
    second = editor_client.get(f"{history_url(movie)}?p=2")

    assert first.context["next_page"] == 2
    assert second.context["next_page"] is None
    shown = [row.change for row in first.context["editorial_history"]]
    assert [(c.what, c.after) for c in shown[:2]] == [
        ("Stream 29p: Quality tag", "29p"),
        ("Title", f"{movie.title} take 29"),
    ]
    assert len(second.context["editorial_history"]) > 0
    times = [change.at for change in shown]
    times += [row.change.at for row in second.context["editorial_history"]]
    assert times == sorted(times, reverse=True)


def test_it_shows_the_change_page_history_in_the_same_queries_for_few_and_many_edits(
    editor_client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    movie = MovieFactory.create()
    edit_titles(movie, 1)
    few = page_queries(editor_client, change_url(movie))
    edit_titles(movie, 40)
    MovieFactory.create_batch(10)
    Genre.objects.create(name="Noir", slug="noir")

    forget_content_types()
    with django_assert_num_queries(len(few)):
        response = editor_client.get(change_url(movie))

    assert response.context["editorial_history_more"] is True
    # Beside the change page's own queries (tests/test_catalog_admin.py): one per kind of
    # history row: the movie's, its video's, its streams', its captions', its markers', its
    # genres'.
    history = [sql for sql in few if "event" in sql]
    assert len(history) == 6


def test_it_shows_the_history_page_in_the_same_queries_for_few_and_many_edits(
    editor_client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    movie = MovieFactory.create()
    edit_titles(movie, 1)
    few = page_queries(editor_client, history_url(movie))
    edit_titles(movie, 60)

    forget_content_types()
    with django_assert_num_queries(len(few)):
        editor_client.get(history_url(movie))

    # The editor and its household; the movie and its genres (the admin's queryset); the six
    # kinds of history rows: the movie's, its video's, its streams', its captions', its
    # markers', its genres'.
    assert len(few) == 10
