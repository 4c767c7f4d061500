"""One set of token tests for both edges: the portal's own (Django) and the nginx one.

Each test runs once per edge (tests/edges.py) and asserts the same answer: the same files for
a valid token, and the same refusal code, in the same order of checks, for everything else.
The nginx runs need Debian's nginx and njs (``make edge-deps``; CI installs them); without
them those runs are skipped and the Django runs still prove the portal's side.

The last tests are differential: hypothesis mutates a valid token and a valid path, and both
edges must give the same status and code for every mutation.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pytest_django import Settings

from catalog.models import Movie
from deploy.nginx_edge import MISSING, nginx_binary
from playback import grants, tokens
from playback.views import TOKEN_COOKIE
from tests.cast import Household, demo_household_create, sign_in
from tests.edges import (
    CAPTIONS,
    NEEDS_NGINX,
    OUTSIDE,
    PLAYLIST,
    SEGMENT,
    DjangoEdge,
    Edge,
    EdgeAnswer,
    NginxEdge,
    edge_running,
    fixture_edge,  # noqa: F401 - a fixture
    fixture_household,  # noqa: F401 - a fixture
    fixture_local_movie,  # noqa: F401 - a fixture
    fixture_origin,  # noqa: F401 - a fixture
    start,
)
from tests.factories import CaptionTrackFactory, MovieFactory

OLD_KEY = "t1:tests-only-stream-signing-secret"
NEW_KEY = "t2:a-newer-stream-signing-secret"

pytestmark = pytest.mark.usefixtures("fast_passwords")


@pytest.fixture(autouse=True)
def _one_signing_key(settings: Settings) -> None:
    settings.STREAM_SIGNING_KEYS = [OLD_KEY]
    settings.STREAM_TOKEN_TTL_SECONDS = 240


def refusal(answer: EdgeAnswer) -> str:
    assert answer.status == 403, (answer.status, answer.body[:200])
    return answer.code


# --- Files a valid token opens ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "content", "content_type"),
    [
        ("master.m3u8", PLAYLIST, "application/vnd.apple.mpegurl"),
        ("720p/seg0.ts", SEGMENT, "video/mp2t"),
    ],
)
def test_both_edges_serve_the_sessions_files_with_a_valid_token(  # noqa: PLR0917
    edge: Edge, viewer: Client, local_movie: Movie, path: str, content: bytes, content_type: str
) -> None:
    session_id = start(viewer, local_movie)

    answer = edge.get(viewer, session_id, path)

    assert (answer.status, answer.body) == (200, content)
    assert answer.content_type == content_type
    assert answer.headers.get("cache-control", answer.headers.get("Cache-Control")) == (
        "private, max-age=60"
    )


def test_both_edges_serve_the_sessions_captions(
    edge: Edge, viewer: Client, local_movie: Movie
) -> None:
    session_id = start(viewer, local_movie)
    caption = local_movie.video.caption_tracks.get()

    answer = edge.get(viewer, session_id, f"captions/{caption.pk}.vtt")

    assert (answer.status, answer.body) == (200, CAPTIONS)
    assert answer.content_type == "text/vtt; charset=utf-8"


def test_both_edges_refuse_a_caption_of_another_title(
    edge: Edge, viewer: Client, local_movie: Movie, settings: Settings
) -> None:
    other = MovieFactory.create(media=False)
    foreign = CaptionTrackFactory.create(
        video=other.video, caption_url=f"{settings.LOCAL_ORIGIN_URL}quiet/en.vtt"
    )
    session_id = start(viewer, local_movie)

    answer = edge.get(viewer, session_id, f"captions/{foreign.pk}.vtt")

    assert (answer.status, answer.code) == (404, "not_found")


def test_both_edges_answer_not_found_for_a_file_the_stream_does_not_have(
    edge: Edge, viewer: Client, local_movie: Movie
) -> None:
    session_id = start(viewer, local_movie)

    answer = edge.get(viewer, session_id, "720p/seg9.ts")

    assert (answer.status, answer.code) == (404, "not_found")


@pytest.mark.parametrize(
    "path",
    [
        "../secret.txt",
        "../../../secret.txt",
        "..%2F..%2F..%2Fsecret.txt",
        "%2e%2e/%2e%2e/%2e%2e/secret.txt",
        "720p/../../../../secret.txt",
        "captions/../../../../secret.txt",
        "../other/master.m3u8",
        "720p//seg0.ts",
        ".hidden",
        "ABSOLUTE",
    ],
)
def test_both_edges_never_serve_a_file_outside_the_sessions_stream(
    edge: Edge, viewer: Client, local_movie: Movie, origin: Path, path: str
) -> None:
    session_id = start(viewer, local_movie)
    if path == "ABSOLUTE":
        path = str(origin.parent / "secret.txt")

    answer = edge.get(viewer, session_id, path)

    # 400: nginx refuses a path that climbs above the root before any location sees it.
    assert answer.status in {400, 403, 404}
    assert answer.content_type.startswith("application/json")
    assert OUTSIDE not in answer.body
    assert b"the other title" not in answer.body


# --- Refusals: the same code, in the same order, on both ----------------------------------------


def test_both_edges_refuse_a_request_without_the_token(
    edge: Edge, viewer: Client, local_movie: Movie
) -> None:
    session_id = start(viewer, local_movie)
    del viewer.cookies[TOKEN_COOKIE]

    assert refusal(edge.get(viewer, session_id, "master.m3u8")) == "token_missing"


def test_both_edges_refuse_a_token_without_a_sign_in(
    edge: Edge, viewer: Client, local_movie: Movie
) -> None:
    session_id = start(viewer, local_movie)
    anonymous = Client()
    anonymous.cookies[TOKEN_COOKIE] = viewer.cookies[TOKEN_COOKIE].value

    assert refusal(edge.get(anonymous, session_id, "master.m3u8")) == "token_missing"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (
            lambda value, token: value.replace(f"exp={token.exp}", f"exp={token.exp + 86400}"),
            "token_bad_signature",
        ),
        (lambda value, token: value + f"~exp={token.exp + 86400}", "token_malformed"),
        (
            lambda value, token: value.replace("~ctx=", f"~exp={token.exp + 9}~ctx="),
            "token_malformed",
        ),
        (lambda value, token: value.upper(), "token_malformed"),
        (lambda value, token: value[:-1], "token_malformed"),
        (lambda value, token: value.replace("kid=t1", "kid=t9"), "token_unknown_key"),
    ],
    ids=["longer-expiry", "appended-expiry", "repeated-expiry", "upper-case", "cut", "retired-kid"],
)
def test_both_edges_refuse_a_changed_token(
    edge: Edge, viewer: Client, local_movie: Movie, change: object, code: str
) -> None:
    session_id = start(viewer, local_movie)
    value = viewer.cookies[TOKEN_COOKIE].value
    viewer.cookies[TOKEN_COOKIE] = change(value, tokens.parse(value)[0])  # type: ignore[operator]

    assert refusal(edge.get(viewer, session_id, "master.m3u8")) == code


def test_both_edges_refuse_an_expired_token(
    edge: Edge, viewer: Client, household: Household, local_movie: Movie
) -> None:
    session_id = start(viewer, local_movie)
    ctx = tokens.viewer_context(profile_id=household.adult.pk, session_id=UUID(session_id))
    _, stale = tokens.mint(
        session_id=UUID(session_id), ctx=ctx, token_id=uuid.uuid4(), now=time.time() - 241
    )
    viewer.cookies[TOKEN_COOKIE] = stale

    assert refusal(edge.get(viewer, session_id, "master.m3u8")) == "token_expired"


@pytest.mark.parametrize("who", ["kids-profile", "other-household"])
def test_both_edges_refuse_a_token_copied_to_another_viewer(
    edge: Edge, viewer: Client, household: Household, local_movie: Movie, who: str
) -> None:
    session_id = start(viewer, local_movie)
    if who == "kids-profile":
        other = sign_in(Client(), household, household.kids)
    else:
        neighbours = demo_household_create()
        other = sign_in(Client(), neighbours, neighbours.adult)
    other.cookies[TOKEN_COOKIE] = viewer.cookies[TOKEN_COOKIE].value

    assert refusal(edge.get(other, session_id, "master.m3u8")) == "token_other_viewer"


def test_both_edges_refuse_a_token_and_grant_copied_to_another_sign_in(
    edge: Edge, viewer: Client, household: Household, local_movie: Movie
) -> None:
    session_id = start(viewer, local_movie)
    other = sign_in(Client(), household, household.kids)
    for name in (TOKEN_COOKIE, grants.GRANT_COOKIE):
        other.cookies[name] = viewer.cookies[name].value

    assert refusal(edge.get(other, session_id, "master.m3u8")) == "token_other_viewer"


def test_both_edges_refuse_a_token_on_another_sessions_path(
    edge: Edge, viewer: Client, local_movie: Movie
) -> None:
    first = start(viewer, local_movie)
    first_cookies = {name: viewer.cookies[name].value for name in (TOKEN_COOKIE, "edge_grant")}
    second = start(viewer, local_movie)
    for name, value in first_cookies.items():
        viewer.cookies[name] = value

    assert refusal(edge.get(viewer, second, "master.m3u8")) == "token_wrong_path"
    assert edge.get(viewer, first, "master.m3u8").status == 200


def test_both_edges_refuse_the_token_of_an_ended_session(
    edge: Edge, viewer: Client, local_movie: Movie
) -> None:
    session_id = start(viewer, local_movie)
    assert edge.get(viewer, session_id, "master.m3u8").status == 200

    ended = viewer.post(
        reverse("playback:end", args=[session_id]), "{}", content_type="application/json"
    )
    assert ended.status_code == 200
    edge.sessions_ended()

    assert refusal(edge.get(viewer, session_id, "720p/seg0.ts")) == "token_revoked"


# --- Keys ----------------------------------------------------------------------------------------


def test_both_edges_serve_a_session_after_the_signing_key_rotates(
    edge: Edge, viewer: Client, local_movie: Movie, settings: Settings
) -> None:
    session_id = start(viewer, local_movie)
    assert viewer.cookies[TOKEN_COOKIE].value.startswith("kid=t1~")

    settings.STREAM_SIGNING_KEYS = [NEW_KEY, OLD_KEY]
    edge.keys_changed()

    assert edge.get(viewer, session_id, "master.m3u8").status == 200


def test_both_edges_refuse_a_token_once_its_key_is_retired(
    edge: Edge, viewer: Client, local_movie: Movie, settings: Settings
) -> None:
    session_id = start(viewer, local_movie)

    settings.STREAM_SIGNING_KEYS = [NEW_KEY]
    edge.keys_changed()

    assert refusal(edge.get(viewer, session_id, "master.m3u8")) == "token_unknown_key"


# --- Differential: both edges agree on every mutation ---------------------------------------------

MUTATION = st.one_of(
    st.tuples(st.just("replace"), st.integers(0, 300), st.characters(codec="ascii")),
    st.tuples(
        st.just("insert"),
        st.integers(0, 300),
        st.text(st.characters(codec="ascii"), min_size=1, max_size=8),
    ),
    st.tuples(st.just("delete"), st.integers(0, 300), st.integers(1, 8)),
    st.tuples(
        st.just("append"), st.sampled_from(["~exp=9999999999", "~kid=t1", "~", " "]), st.none()
    ),
)


def mutate(value: str, mutation: tuple[str, object, object]) -> str:
    kind, where, what = mutation
    if kind == "append":
        return value + str(where)
    index = int(str(where)) % (len(value) + 1)
    if kind == "replace":
        return value[:index] + str(what) + value[index + 1 :]
    if kind == "insert":
        return value[:index] + str(what) + value[index:]
    return value[:index] + value[index + int(str(what)) :]


@pytest.fixture
def both_edges(
    request: pytest.FixtureRequest, origin: Path, tmp_path: Path, settings: Settings
) -> Iterator[tuple[DjangoEdge, NginxEdge]]:
    if nginx_binary() is None:
        pytest.skip(MISSING)
    for nginx in edge_running("nginx", request, tmp_path / "edge", settings):
        assert isinstance(nginx, NginxEdge)
        yield DjangoEdge(), nginx


@pytest.fixture
def watching(viewer: Client, local_movie: Movie) -> str:
    """One session for every example (a plan allows only so many screens)."""
    return start(viewer, local_movie)


def _comparable(answer: EdgeAnswer) -> tuple[int, str]:
    if answer.status in {403, 404}:
        return answer.status, answer.code
    return answer.status, ""


@NEEDS_NGINX
@hypothesis_settings(max_examples=60, deadline=None)
@given(mutation=MUTATION)
def test_both_edges_give_the_same_answer_for_any_changed_token(
    both_edges: tuple[DjangoEdge, NginxEdge],
    viewer: Client,
    watching: str,
    mutation: tuple[str, object, object],
) -> None:
    session_id = watching
    token = viewer.cookies[TOKEN_COOKIE].value
    try:
        changed = mutate(token, mutation)
        if any(ch in changed for ch in ";\r\n\x00") or changed != changed.strip():
            return  # not a cookie value a browser can send
        viewer.cookies[TOKEN_COOKIE] = changed
        answers = [edge.get(viewer, session_id, "master.m3u8") for edge in both_edges]
    finally:
        viewer.cookies[TOKEN_COOKIE] = token
    assert answers[0].status != 500
    assert _comparable(answers[0]) == _comparable(answers[1]), (changed, answers)


@NEEDS_NGINX
@hypothesis_settings(max_examples=60, deadline=None)
@given(
    path=st.lists(
        st.one_of(
            st.sampled_from(
                [
                    "..",
                    ".",
                    "",
                    "720p",
                    "seg0.ts",
                    "master.m3u8",
                    "captions",
                    "%2e",
                    "%2F",
                    "~",
                    "x" * 130,
                ]
            ),
            st.text(st.characters(codec="ascii", exclude_characters="?#\r\n\x00 "), max_size=6),
        ),
        min_size=1,
        max_size=10,
    ).map("/".join)
)
def test_both_edges_give_the_same_answer_for_any_path(
    both_edges: tuple[DjangoEdge, NginxEdge], viewer: Client, watching: str, path: str
) -> None:
    django_edge, nginx_edge = both_edges
    session_id = watching

    django_answer = django_edge.get(viewer, session_id, path)
    nginx_answer = nginx_edge.get(viewer, session_id, path)

    assert django_answer.status < 500
    assert nginx_answer.status < 500
    assert (django_answer.status == 200) == (nginx_answer.status == 200), path
    if django_answer.status == 200:
        assert django_answer.body == nginx_answer.body


# --- Repeated cookies and other methods -----------------------------------------------------------


def test_both_edges_refuse_a_token_cookie_sent_twice(
    edge: Edge, viewer: Client, local_movie: Movie
) -> None:
    first = start(viewer, local_movie)
    first_token = viewer.cookies[TOKEN_COOKIE].value
    second = start(viewer, local_movie)
    header = (
        f'{_signin(viewer)}; {TOKEN_COOKIE}="{viewer.cookies[TOKEN_COOKIE].value}"; '
        f'{TOKEN_COOKIE}="{first_token}"; edge_grant={viewer.cookies["edge_grant"].coded_value}'
    )

    for session_id in (first, second):
        answer = edge.get_with_cookie_header(header, session_id, "master.m3u8")
        assert refusal(answer) == "token_malformed"


def _signin(client: Client) -> str:
    from django.conf import settings  # noqa: PLC0415

    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
