"""The edge grant (playback/grants.py), the revocation markers the nginx edge reads
(playback/revocations.py, ``manage.py edge_revocations``) and the rendered nginx
configuration (playback/edge_config.py)."""

from __future__ import annotations

import os
import stat
import time
import uuid
from pathlib import Path
from uuid import UUID

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from deploy.nginx_edge import MISSING, Nginx, nginx_binary
from playback import grants, live, revocations, tokens
from playback.edge_config import EdgeLayout, edge_config_write
from tests.cast import Household
from tests.factories import MovieFactory, StreamSourceFactory

pytestmark = pytest.mark.usefixtures("fast_passwords")
KEY = "t1:tests-only-stream-signing-secret"


@pytest.fixture(autouse=True)
def _one_signing_key(settings: Settings) -> None:
    settings.STREAM_SIGNING_KEYS = [KEY]


def started(viewer: Client, settings: Settings, url: str | None = None) -> tuple[str, Client]:
    movie = MovieFactory.create(media=False)
    StreamSourceFactory.create(
        video=movie.video, stream_url=url or f"{settings.LOCAL_ORIGIN_URL}quiet/master.m3u8"
    )
    response = viewer.post(
        reverse("playback:start", args=[movie.pk]), "{}", content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return str(response.json()["session_id"]), viewer


def test_it_hands_a_grant_bound_to_the_profile_and_the_sign_in(
    viewer: Client, household: Household, settings: Settings
) -> None:
    session_id, _ = started(viewer, settings)
    signin = viewer.cookies[settings.SESSION_COOKIE_NAME].value
    value = viewer.cookies[grants.GRANT_COOKIE].value
    grant = grants.parse(value, signin_key=signin)
    token = tokens.parse(viewer.cookies["edge_token"].value)[0]

    assert grant is not None
    assert (grant.kid, grant.exp, grant.acl, grant.ctx) == (
        token.kid,
        token.exp,
        token.acl,
        token.ctx,
    )
    assert token.ctx == tokens.viewer_context(
        profile_id=household.adult.pk, session_id=UUID(session_id)
    )
    assert grants.parse(value, signin_key=signin + "x") is None
    assert signin not in value
    assert (grant.origin, grant.master) == ("local", "quiet/master.m3u8")
    cookie = viewer.cookies[grants.GRANT_COOKIE]
    assert cookie["path"] == f"/edge/{session_id}/"
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"


def test_it_renews_the_grant_with_the_token(viewer: Client, settings: Settings) -> None:
    session_id, _ = started(viewer, settings)
    del viewer.cookies[grants.GRANT_COOKIE]

    renewal = viewer.post(reverse("playback:token", args=[session_id]))

    assert renewal.status_code == 200
    signin = viewer.cookies[settings.SESSION_COOKIE_NAME].value
    assert grants.parse(renewal.cookies[grants.GRANT_COOKIE].value, signin_key=signin)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("LOCAL/a/b/master.m3u8", ("local", "a/b/master.m3u8")),
        ("https://media.example.com/bucket/vod/x/master.m3u8", ("s3", "vod/x/master.m3u8")),
        ("https://elsewhere.example.com/vod/x/master.m3u8", ("portal", "")),
        ("https://media.example.com/bucketX/master.m3u8", ("portal", "")),
    ],
)
def test_it_names_the_origin_of_a_stream(
    settings: Settings, url: str, expected: tuple[str, str]
) -> None:
    settings.S3_ORIGIN_URL = "https://media.example.com/bucket/"

    assert grants.origin_of(url.replace("LOCAL/", settings.LOCAL_ORIGIN_URL)) == expected


def test_it_sends_a_stream_the_edge_cannot_open_itself_to_the_portal(settings: Settings) -> None:
    session = uuid.uuid4()
    ctx = tokens.viewer_context(profile_id=3, session_id=session)
    _, token = tokens.mint(session_id=session, ctx=ctx, token_id=uuid.uuid4())

    value = grants.grant_value(
        token, signin_key="k", stream_url=f"{settings.LOCAL_ORIGIN_URL}a/..%2f/master.m3u8"
    )

    grant = grants.parse(value, signin_key="k")
    assert grant is not None
    assert (grant.origin, grant.master) == ("portal", "")


@pytest.mark.parametrize(
    "change",
    [
        lambda v: v.replace("~ctx=", "~ctx=1")[:-1],
        lambda v: v.replace("org=portal:", "org=local:../"),
        lambda v: v + "~ctx=1",
        lambda v: v.replace("kid=t1", "kid=t2"),
        lambda v: v[:-1] + ("0" if v[-1] != "0" else "1"),
    ],
)
def test_it_refuses_a_changed_grant(change: object) -> None:
    session = uuid.uuid4()
    ctx = tokens.viewer_context(profile_id=3, session_id=session)
    _, token = tokens.mint(session_id=session, ctx=ctx, token_id=uuid.uuid4())
    value = grants.grant_value(token, signin_key="k", stream_url="https://x.example/m.m3u8")
    assert grants.parse(value, signin_key="k") is not None

    assert grants.parse(change(value), signin_key="k") is None  # type: ignore[operator]


# --- Revocation markers ---------------------------------------------------------------------


def test_it_writes_a_marker_for_every_ended_session(
    viewer: Client, settings: Settings, tmp_path: Path
) -> None:
    session_id, _ = started(viewer, settings)
    ended = viewer.post(
        reverse("playback:end", args=[session_id]), "{}", content_type="application/json"
    )
    assert ended.status_code == 200

    call_command("edge_revocations", str(tmp_path), "--once")

    assert [marker.name for marker in tmp_path.iterdir()] == [session_id]


def test_it_marks_sessions_closed_as_idle(db: None, tmp_path: Path) -> None:
    closed: list[tuple[UUID | str, int | None]] = [(uuid.uuid4(), None), (uuid.uuid4(), 7)]
    live.sessions_closed(closed)

    call_command("edge_revocations", str(tmp_path), "--once")

    assert {marker.name for marker in tmp_path.iterdir()} == {str(s) for s, _ in closed}


def test_it_ignores_a_member_that_is_not_a_session(db: None, tmp_path: Path) -> None:
    live.redis().zadd(revocations.REVOKED_KEY, {"../../etc/passwd": int(time.time() * 1000)})

    call_command("edge_revocations", str(tmp_path), "--once")

    assert list(tmp_path.iterdir()) == []


def test_it_forgets_markers_and_members_older_than_any_token(
    db: None, tmp_path: Path, settings: Settings
) -> None:
    old, fresh = tmp_path / str(uuid.uuid4()), tmp_path / str(uuid.uuid4())
    old.touch()
    fresh.touch()
    window = revocations.revoked_window_ms() / 1000
    os.utime(old, (time.time() - window - 1,) * 2)

    assert revocations.markers_prune(tmp_path) == 1
    assert list(tmp_path.iterdir()) == [fresh]
    with live.redis().pipeline() as pipe:
        revocations.revocations_add(pipe, [uuid.uuid4()], now_ms=0)
        revocations.revocations_add(pipe, [uuid.uuid4()])
        pipe.execute()
    assert live.redis().zcard(revocations.REVOKED_KEY) == 1


# --- The rendered configuration --------------------------------------------------------------


def test_it_keeps_the_edges_keys_readable_by_their_owner_only(tmp_path: Path) -> None:
    edge_config_write(
        EdgeLayout(config_dir=tmp_path, listen="127.0.0.1:1", portal_nodes=["127.0.0.1:2"])
    )

    mode = stat.S_IMODE((tmp_path / "edge-config.json").stat().st_mode)
    assert mode == 0o600
    assert "tests-only-stream-signing-secret" in (tmp_path / "edge-config.json").read_text()
    assert "tests-only-stream-signing-secret" not in (tmp_path / "nginx.conf").read_text()


@pytest.mark.skipif(nginx_binary() is None, reason=MISSING)
@pytest.mark.parametrize("with_s3", [False, True])
def test_it_renders_a_configuration_nginx_accepts(
    tmp_path: Path, settings: Settings, with_s3: bool
) -> None:
    if with_s3:
        settings.S3_ORIGIN_URL = "https://media.example.com/media/"
        settings.S3_ENDPOINT_URL = "http://127.0.0.1:9"
        settings.S3_MEDIA_BUCKET = "media"
    conf = edge_config_write(
        EdgeLayout(
            config_dir=tmp_path,
            listen="127.0.0.1:1",
            portal_nodes=["127.0.0.1:2", "127.0.0.1:3"],
        )
    )

    Nginx(conf, port=1).test_config()  # raises with nginx's own words
    assert ("s3_origin" in conf.read_text()) is with_s3
