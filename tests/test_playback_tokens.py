"""Signed stream tokens: the signature, expiry, path and viewer checks, key rotation, the edge
that enforces them over HTTP, renewal and its audit trail, and the five-minute ceiling.

The unit tests call ``tokens.verify`` with the same arguments the edge passes it (the request
path and the viewer context of whoever is signed in), so what passes here passes at the edge.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

import pytest
from django.core.checks import Tags, run_checks
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from catalog.models import Movie
from playback import live, tokens
from playback.errors import PlaybackRefused
from playback.models import SignedStreamToken
from playback.views import TOKEN_COOKIE
from tests.cast import Household, demo_household_create, sign_in
from tests.edges import local_movie_create, local_origin_create

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

OLD_KEY = "t1:tests-only-stream-signing-secret"  # tests/engines.py sets this one
NEW_KEY = "t2:a-newer-stream-signing-secret"
PLAYLIST = b"#EXTM3U\n#EXT-X-VERSION:3\n#EXTINF:4.0,\n720p/seg0.ts\n#EXT-X-ENDLIST\n"
SEGMENT = bytes(range(188)) * 4
CAPTIONS = b"WEBVTT\n\n00:00.000 --> 00:02.000\nHello\n"
OUTSIDE = b"a file outside the origin"

pytestmark = pytest.mark.usefixtures("fast_passwords")


@pytest.fixture(autouse=True)
def _one_signing_key(settings: Settings) -> None:
    settings.STREAM_SIGNING_KEYS = [OLD_KEY]
    settings.STREAM_TOKEN_TTL_SECONDS = 240


# --- Unit: tokens.verify ----------------------------------------------------------------------

SESSION = UUID("6f1c1a52-2f4e-4b43-9d55-0e6f5c0b9a11")
ACL = f"/edge/{SESSION}/"


def minted(*, profile_id: int = 7, now: float | None = None) -> tuple[tokens.StreamToken, str]:
    ctx = tokens.viewer_context(profile_id=profile_id, session_id=SESSION)
    return tokens.mint(session_id=SESSION, ctx=ctx, token_id=uuid.uuid4(), now=now)


def rejection(
    value: str, *, path: str = f"{ACL}master.m3u8", profile_id: int = 7, **kw: Any
) -> str:
    """The code verify() refuses ``value`` with, as the edge would call it."""
    ctx = tokens.viewer_context(profile_id=profile_id, session_id=SESSION)
    with pytest.raises(tokens.TokenRejected) as refused:
        tokens.verify(value, path=path, ctx=ctx, **kw)
    return refused.value.code


@pytest.mark.parametrize(
    "path", ["master.m3u8", "720p/index.m3u8", "720p/seg0.ts", "captions/x.vtt"]
)
def test_it_opens_every_path_under_the_tokens_acl(path: str) -> None:
    token, value = minted()
    ctx = tokens.viewer_context(profile_id=7, session_id=SESSION)

    assert tokens.verify(value, path=ACL + path, ctx=ctx) == token


@pytest.mark.parametrize(
    "path",
    [
        f"/edge/{uuid.uuid4()}/master.m3u8",
        f"/edge/{SESSION}",
        "/origin/master.m3u8",
        f"/EDGE/{SESSION}/master.m3u8",
    ],
)
def test_it_refuses_a_path_outside_the_tokens_acl(path: str) -> None:
    _, value = minted()

    assert rejection(value, path=path) == "token_wrong_path"


@pytest.mark.parametrize("field", ["exp", "acl", "ctx", "tid"])
def test_it_refuses_a_token_whose_payload_was_changed(field: str) -> None:
    token, value = minted()
    changed = {
        "exp": f"exp={token.exp + 3600}",
        "acl": f"acl=/edge/{uuid.uuid4()}/",
        "ctx": f"ctx={tokens.viewer_context(profile_id=8, session_id=SESSION)}",
        "tid": f"tid={uuid.uuid4()}",
    }[field]
    original = f"{field}={getattr(token, field)}"
    assert original in value
    tampered = value.replace(original, changed)
    # A changed acl or ctx would otherwise be refused for the path or the viewer: present
    # the tampered token exactly where and to whom it now claims to belong.
    path = tokens.parse(tampered)[0].acl + "master.m3u8"
    profile_id = 8 if field == "ctx" else 7

    assert rejection(tampered, path=path, profile_id=profile_id) == "token_bad_signature"


def test_it_refuses_a_token_whose_signature_was_changed() -> None:
    _, value = minted()
    last = value[-1]
    tampered = value[:-1] + ("0" if last != "0" else "1")

    assert rejection(tampered) == "token_bad_signature"


def test_it_refuses_a_token_signed_with_another_secret_under_a_known_kid() -> None:
    _, value = minted()
    payload = value.rsplit("~hmac=", 1)[0]
    forged = payload + "~hmac=" + hashlib.sha256(payload.encode()).hexdigest()

    assert rejection(forged) == "token_bad_signature"


def test_it_refuses_a_token_once_it_has_expired() -> None:
    token, value = minted()

    assert rejection(value, now=token.exp) == "token_expired"
    assert rejection(value, now=token.exp + 1) == "token_expired"


def test_it_accepts_a_token_until_its_last_second() -> None:
    token, value = minted()
    ctx = tokens.viewer_context(profile_id=7, session_id=SESSION)

    assert tokens.verify(value, path=ACL + "master.m3u8", ctx=ctx, now=token.exp - 1) == token


def test_it_refuses_a_token_presented_by_another_viewer() -> None:
    _, value = minted(profile_id=7)

    assert rejection(value, profile_id=8) == "token_other_viewer"


def test_it_refuses_a_token_whose_key_was_removed(settings: Settings) -> None:
    _, value = minted()
    settings.STREAM_SIGNING_KEYS = [NEW_KEY]

    assert rejection(value) == "token_unknown_key"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "garbage",
        "kid=t1",
        "kid=t1~exp=1~acl=/edge/x/~ctx=abc~tid=" + str(SESSION),  # no signature
        "exp=1~kid=t1~acl=/edge/x/~ctx=abc~tid=" + str(SESSION) + "~hmac=00",  # out of order
        "kid=t1~exp=soon~acl=/edge/x/~ctx=abc~tid=" + str(SESSION) + "~hmac=00",
        "kid=t1~exp=1~acl=/edge/x/~ctx=abc~tid=not-a-uuid~hmac=00",
        "kid=t1~exp=1~acl=/edge/x/~ctx=abc~tid=" + str(SESSION) + "~hmac=00~extra=1",
    ],
)
def test_it_refuses_a_malformed_token(value: str) -> None:
    assert rejection(value) == "token_malformed"


def test_it_signs_new_tokens_with_the_newest_key(settings: Settings) -> None:
    settings.STREAM_SIGNING_KEYS = [NEW_KEY, OLD_KEY]

    token, value = minted()

    assert token.kid == "t2"
    assert value.startswith("kid=t2~")


def test_it_still_accepts_a_token_signed_with_the_previous_key_after_rotation(
    settings: Settings,
) -> None:
    token, value = minted()
    assert token.kid == "t1"

    settings.STREAM_SIGNING_KEYS = [NEW_KEY, OLD_KEY]

    # The edge computes the viewer context now, after the rotation, for every request, keyed
    # like the token's own signature (its kid).
    ctx = tokens.viewer_context(profile_id=7, session_id=SESSION, kid=token.kid)
    assert tokens.verify(value, path=ACL + "master.m3u8", ctx=ctx) == token


# --- Through HTTP -----------------------------------------------------------------------------
# What the edge serves and refuses is tests/test_edge_tokens.py's: one set for both edges.


@pytest.fixture
def household(db: None) -> Household:
    """Here the demo household of a factory user, rather than conftest's signed-up one."""
    return demo_household_create()


@pytest.fixture
def local_movie(settings: Settings, tmp_path: Path) -> Movie:
    return local_movie_create(settings, local_origin_create(settings, tmp_path))


def start(client: Client, movie: Movie) -> tuple[str, Response]:
    response = client.post(
        reverse("playback:start", args=[movie.pk]), "{}", content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return str(response.json()["session_id"]), response


# --- The cookie -----------------------------------------------------------------------------


def assert_edge_cookie(response: Response, session_id: str) -> None:
    cookie = response.cookies[TOKEN_COOKIE]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == f"/edge/{session_id}/"
    assert 0 < int(cookie["max-age"]) <= 300


def test_it_sets_a_strict_http_only_short_cookie_scoped_to_the_session(
    viewer: Client, local_movie: Movie
) -> None:
    session_id, started = start(viewer, local_movie)

    assert_edge_cookie(started, session_id)


def test_it_sets_the_same_kind_of_cookie_when_the_player_renews(
    viewer: Client, local_movie: Movie
) -> None:
    session_id, _ = start(viewer, local_movie)

    renewed = viewer.post(reverse("playback:token", args=[session_id]))

    assert renewed.status_code == 200
    assert_edge_cookie(renewed, session_id)


# --- Renewal and its audit trail ------------------------------------------------------------


def age_current_token(session_id: str, *, past_half: bool) -> None:
    """Make the session's current token look older: what waiting would do, without the wait."""
    ttl_ms = 240 * 1000
    remaining = ttl_ms // 2 - 1000 if past_half else ttl_ms // 2 + 5000
    assert live.redis().pexpire(live.token_key(session_id), remaining)


def test_it_renews_to_the_same_token_in_the_first_half_of_its_life(
    viewer: Client, local_movie: Movie
) -> None:
    session_id, _ = start(viewer, local_movie)
    first = viewer.cookies[TOKEN_COOKIE].value
    age_current_token(session_id, past_half=False)

    renewed = viewer.post(reverse("playback:token", args=[session_id]))

    assert renewed.cookies[TOKEN_COOKIE].value == first
    assert SignedStreamToken.objects.filter(session_id=UUID(session_id)).count() == 1


def test_it_renews_to_a_new_audited_token_after_half_its_life(
    viewer: Client, household: Household, local_movie: Movie
) -> None:
    session_id, _ = start(viewer, local_movie)
    first = viewer.cookies[TOKEN_COOKIE].value
    age_current_token(session_id, past_half=True)

    renewed = viewer.post(reverse("playback:token", args=[session_id]))

    second = renewed.cookies[TOKEN_COOKIE].value
    assert second != first
    assert renewed.json()["token_expires_at"] == tokens.parse(second)[0].exp
    audit = SignedStreamToken.objects.filter(session_id=UUID(session_id)).order_by("issued_at")
    assert [row.token_sha256 for row in audit] == [
        hashlib.sha256(first.encode()).hexdigest(),
        hashlib.sha256(second.encode()).hexdigest(),
    ]
    newest = audit.last()
    assert newest is not None
    assert newest.token_id == tokens.parse(second)[0].tid
    assert (newest.profile_id, newest.video_id) == (household.adult.pk, local_movie.pk)
    # The movie-portal document: the HTTPS URL the token opens.
    assert (newest.key_id, newest.signed_url) == ("t1", f"https://testserver/edge/{session_id}/")
    assert newest.expires_at - newest.issued_at <= timedelta(seconds=300)
    # The renewed token opens the stream.
    assert viewer.get(f"/edge/{session_id}/master.m3u8").status_code == 200


def test_it_keeps_no_token_in_the_audit_rows(viewer: Client, local_movie: Movie) -> None:
    session_id, _ = start(viewer, local_movie)
    issued = [viewer.cookies[TOKEN_COOKIE].value]
    age_current_token(session_id, past_half=True)
    issued.append(
        viewer.post(reverse("playback:token", args=[session_id])).cookies[TOKEN_COOKIE].value
    )

    rows = list(SignedStreamToken.objects.filter(session_id=UUID(session_id)).values())

    assert len(rows) == 2
    signatures = [value.rsplit("~hmac=", 1)[1] for value in issued]
    for row in rows:
        for column, stored in row.items():
            for value, signature in zip(issued, signatures, strict=True):
                assert value not in str(stored), column
                assert signature not in str(stored), column


def test_it_refuses_to_renew_another_profiles_session(
    viewer: Client, household: Household, local_movie: Movie
) -> None:
    session_id, _ = start(viewer, local_movie)
    sibling = sign_in(Client(), household, household.kids)

    response = sibling.post(reverse("playback:token", args=[session_id]))

    assert response.status_code == 404
    assert json.loads(response.content)["error"]["code"] == "unknown_session"
    assert TOKEN_COOKIE not in response.cookies


def test_it_refuses_a_token_lifetime_over_five_minutes_at_startup(settings: Settings) -> None:
    settings.STREAM_TOKEN_TTL_SECONDS = 301

    errors = run_checks(tags=[Tags.security])

    assert "streaming_portal.E002" in {error.id for error in errors}


def test_it_accepts_a_token_lifetime_of_five_minutes(settings: Settings) -> None:
    settings.STREAM_TOKEN_TTL_SECONDS = 300

    errors = run_checks(tags=[Tags.security])

    assert "streaming_portal.E002" not in {error.id for error in errors}


def test_it_stops_a_copied_address_within_the_token_lifetime_of_the_end(
    viewer: Client, household: Household, local_movie: Movie
) -> None:
    session_id, _ = start(viewer, local_movie)
    copied = viewer.cookies[TOKEN_COOKIE].value
    audit = SignedStreamToken.objects.get(session_id=UUID(session_id))
    minted_at = audit.issued_at.timestamp()

    ended = viewer.post(
        reverse("playback:end", args=[session_id]), "{}", content_type="application/json"
    )
    assert ended.status_code == 200

    renewal = viewer.post(reverse("playback:token", args=[session_id]))
    assert renewal.status_code == 409
    assert json.loads(renewal.content)["error"]["code"] == "session_ended"
    assert TOKEN_COOKIE not in renewal.cookies
    with pytest.raises(PlaybackRefused):
        tokens.token_issue(session_id=UUID(session_id), profile_id=household.adult.pk)
    ctx = tokens.viewer_context(profile_id=household.adult.pk, session_id=UUID(session_id))
    with pytest.raises(tokens.TokenRejected) as refused:
        tokens.verify(
            copied, path=f"/edge/{session_id}/master.m3u8", ctx=ctx, now=minted_at + 240 + 1
        )
    assert refused.value.code == "token_expired"
    assert tokens.parse(copied)[0].exp - minted_at <= 300
