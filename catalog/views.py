"""Viewer pages: thin views over catalog.browse, all behind ``profile_required``."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from accounts.access import current_profile, profile_required
from accounts.http import ViewerRequest
from catalog import browse, library, page_cache
from catalog.models import CaptionTrack, Episode, Genre, Movie, Season, Series
from catalog.progress_source import reader as progress_reader
from catalog.search import search_text, suggest_text
from catalog.versions import catalog_version
from streaming_portal.infra import page_shell
from streaming_portal.infra.api import BadInput, api_error
from streaming_portal.infra.languages import language_name
from streaming_portal.infra.origin import browser_url
from streaming_portal.infra.page_shell import ShellBuild

PAGE_SIZE = 24


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The landing page for visitors; the browse page once a profile is chosen."""
    if not request.user.is_authenticated:
        return render(request, "catalog/landing.html")
    profile = current_profile(request)
    if profile is None:
        return redirect("accounts:profiles")
    request.profile = profile  # type: ignore[attr-defined]
    progress = progress_reader()
    # The shell shows the profile's progress and its library (My List, and the thumbs that
    # steer "Because you watched"): its key carries both versions, read in one round trip.
    state = progress.continue_watching_state(
        profile, also=[library.library_version_key(profile.pk)]
    )
    fragments = browse.home_fragments(profile, version=state.catalog_version or None)

    def build() -> ShellBuild:
        continue_watching = progress.continue_watching(profile)
        seconds = progress.continue_watching_seconds(continue_watching)
        my_list = library.my_list_cards(profile)
        because = progress.because_you_watched(profile)
        return {
            "continue_watching": continue_watching,
            "my_list": my_list,
            "because_rows": because,
        }, min(seconds, page_cache.time_to_live(my_list))

    return page_shell.render_page(
        request,
        "catalog/home.html",
        key=page_cache.shell_key("home", profile, state.key),
        build=build,
        parts={"hero": fragments.hero, "rows": fragments.rows},
    )


@require_GET
@profile_required
def genre(request: ViewerRequest, slug: str) -> HttpResponse:
    chosen = get_object_or_404(Genre, slug=slug)
    number = page_cache.page_number(request.GET.get("page"))
    profile = request.profile
    version = catalog_version()

    def build() -> tuple[bytes, list[Any]]:
        page = Paginator(browse.genre_titles(chosen, profile), PAGE_SIZE).get_page(number)
        cards = browse.to_cards(page.object_list)
        html = render_to_string(
            "catalog/_genre_results.html", {"genre": chosen, "page": page, "cards": cards}
        )
        return html.encode(), cards

    results = page_cache.cached_part(
        name=f"genre:{chosen.pk}:{number}",
        ceiling=profile.maturity_ceiling,
        build=build,
        version=version,
    )
    return page_shell.render_page(
        request,
        "catalog/genre.html",
        key=page_cache.shell_key("genre", profile, version, chosen.pk),
        build=lambda: ({"genre": chosen}, settings.BROWSE_CACHE_SECONDS),
        parts={"results": results},
    )


@require_GET
@profile_required
def search(request: ViewerRequest) -> HttpResponse:
    text = search_text(request.GET.get("q", ""))
    number = page_cache.page_number(request.GET.get("page"))
    profile = request.profile
    version = catalog_version()

    def build() -> tuple[bytes, list[Any]]:
        results = browse.search_results(text, profile, number=number, per_page=PAGE_SIZE)
        html = render_to_string(
            "catalog/_search_results.html",
            {
                "query": text,
                "results": results,
                "page": results.page,
                "cards": results.cards,
                "genres": Genre.objects.all() if not results.cards else [],
            },
        )
        return html.encode(), results.cards

    results = page_cache.cached_part(
        name=f"search:{page_cache.text_key(text)}:{number}",
        ceiling=profile.maturity_ceiling,
        build=build,
        version=version,
    )
    return page_shell.render_page(
        request,
        "catalog/search.html",
        key=page_cache.shell_key("search", profile, page_cache.text_key(text)),
        build=lambda: ({"query": text}, settings.BROWSE_CACHE_SECONDS),
        parts={"results": results},
    )


@require_GET
@profile_required
def search_suggest(request: ViewerRequest) -> HttpResponse:
    """Titles for the search box while it is typed in: JSON, for static/js/search.js."""
    try:
        # The raw query string: Django's own parsing hides a repeated q and bytes that are
        # not UTF-8, which this call refuses (WSGI hands the bytes over as Latin-1 text).
        text = suggest_text(request.META.get("QUERY_STRING", "").encode("latin-1"))
    except BadInput as refusal:
        return api_error(refusal.code, refusal.message, status=refusal.status, field=refusal.field)
    except UnicodeEncodeError:
        return api_error("malformed_query", "The query string is not UTF-8 text.", status=400)
    found = browse.suggestions(text, request.profile)
    query = json.dumps(text, ensure_ascii=False).encode()
    response = HttpResponse(
        b'{"query": ' + query + b', "suggestions": ' + found + b"}",
        content_type="application/json",
    )
    # What a profile may see: never stored by a browser or proxy for the next profile.
    response["Cache-Control"] = "private, no-store"
    return response


def _captions() -> Prefetch[str, QuerySet[CaptionTrack], str]:
    return Prefetch("caption_tracks", queryset=CaptionTrack.objects.order_by("-is_default"))


@require_GET
@profile_required
def movie_detail(request: ViewerRequest, slug: str) -> HttpResponse:
    movie = get_object_or_404(
        library.with_title_state(
            Movie.objects.for_profile(request.profile), request.profile
        ).prefetch_related("genres", _captions()),
        slug=slug,
    )
    progress = progress_reader().progress_by_video(request.profile, [movie.pk]).get(movie.pk)
    return render(
        request,
        "catalog/movie_detail.html",
        {
            "movie": movie,
            "poster": browser_url(movie.poster_url) if movie.poster_url else "",
            "progress": progress,
            "library": library.title_state_of(movie),
        },
    )


@require_GET
@profile_required
def series_detail(request: ViewerRequest, slug: str) -> HttpResponse:
    series = get_object_or_404(
        library.with_title_state(
            Series.objects.for_profile(request.profile), request.profile
        ).prefetch_related(
            "genres",
            Prefetch(
                "seasons",
                queryset=Season.objects.order_by("number").prefetch_related(
                    Prefetch(
                        "episodes",
                        queryset=Episode.objects.order_by("number").prefetch_related(_captions()),
                    )
                ),
            ),
        ),
        slug=slug,
    )
    seasons = list(series.seasons.all())
    number = request.GET.get("season")
    season = next((s for s in seasons if str(s.number) == number), seasons[0] if seasons else None)
    episodes = list(season.episodes.all()) if season else []
    progress = progress_reader().progress_by_video(
        request.profile, [episode.pk for episode in episodes]
    )
    languages = sorted(
        {language_name(c.language_code) for e in episodes for c in e.caption_tracks.all()}
    )
    return render(
        request,
        "catalog/series_detail.html",
        {
            "series": series,
            "poster": browser_url(series.poster_url) if series.poster_url else "",
            "seasons": seasons,
            "season": season,
            "episodes": [(episode, progress.get(episode.pk)) for episode in episodes],
            "languages": languages,
            "library": library.title_state_of(series),
        },
    )
