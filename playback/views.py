"""The player's pages and JSON API (docs/api.md), and the edge that serves the streams."""

from __future__ import annotations

import contextlib
import time
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.access import current_profile, profile_required, session_cache_key
from accounts.http import ViewerRequest
from accounts.preferences import caption_css
from catalog.models import Video
from playback import (
    caption_choice,
    edge,
    entitlement,
    finish,
    grants,
    heartbeats,
    live,
    progress,
    rules,
    sessions,
    tokens,
)
from playback.next_episode import next_episode
from streaming_portal.infra.api import (
    BadInput,
    api_error,
    parse_json_object,
    refuse_unknown_fields,
)
from streaming_portal.infra.fetch import FetchError, fetch
from streaming_portal.infra.origin import CONTENT_TYPES

TOKEN_COOKIE = "edge_token"  # noqa: S105 - a cookie name, not a secret


def refused(error: BadInput) -> JsonResponse:
    return api_error(error.code, error.message, status=error.status, field=error.field)


def _session_profile_id(request: HttpRequest) -> int | None:
    """The chosen profile from the session alone: no SQL, for the hot JSON endpoints.

    The session store is Redis; a session exists only after a successful sign-in (the auth
    hash is re-checked on every page load through the normal middleware).
    """
    if SESSION_KEY not in request.session:
        return None
    profile_id = request.session.get("profile_id")
    return int(profile_id) if profile_id is not None else None


HEARTBEAT_FIELDS = frozenset({"position_seconds", "event", "at", "errors"})
END_FIELDS = frozenset({"reason", "position_seconds", "at", "errors"})
START_FIELDS = frozenset({"device_type"})
FORM_ONLY = frozenset({"csrfmiddlewaretoken"})


def _body(request: HttpRequest, fields: frozenset[str]) -> dict[str, Any]:
    """The request's fields: a JSON object, or a form (navigator.sendBeacon cannot set
    headers, so its CSRF token travels as csrfmiddlewaretoken in a form body).

    Bounded either way (streaming_portal/infra/api.py): size, depth, number magnitude, no
    repeated and no unknown field. An empty body is no fields. BadInput names what is wrong.
    """
    if int(request.META.get("CONTENT_LENGTH") or 0) > settings.API_MAX_BODY_BYTES:
        raise BadInput(
            "body_too_large",
            f"The body is larger than {settings.API_MAX_BODY_BYTES} bytes.",
            status=413,
        )
    if request.content_type == "application/json":
        data = parse_json_object(request.body)
        refuse_unknown_fields(data, fields)
        return data
    # Form bodies (urlencoded or multipart) were parsed already, by the CSRF check.
    form: dict[str, Any] = {}
    for key, values in request.POST.lists():
        if len(values) > 1:
            raise BadInput("duplicate_field", f"{key[:40]} appears more than once.", field=key[:40])
        form[key] = values[0]
    for key in FORM_ONLY:
        form.pop(key, None)
    refuse_unknown_fields(form, fields)
    # Numbers arrive as text in a form; a value that does not convert stays text, and the
    # validator then names the field.
    with contextlib.suppress(KeyError, TypeError, ValueError):
        form["position_seconds"] = float(form["position_seconds"])
    with contextlib.suppress(KeyError, TypeError, ValueError):
        form["at"] = int(form["at"])
    if "errors" in form:
        form["errors"] = [code for code in str(form["errors"]).split(",") if code]
    return form


def _edge_origin(request: HttpRequest) -> str:
    """Where the viewer reaches the edge: STREAM_EDGE_URL (a CDN), else this portal.

    HTTPS unless in development over plain HTTP: production serves only HTTPS.
    """
    if settings.STREAM_EDGE_URL:
        return str(settings.STREAM_EDGE_URL)
    scheme = "http" if settings.DEVELOPMENT and not request.is_secure() else "https"
    return f"{scheme}://{request.get_host()}"


def _with_token(
    request: HttpRequest,
    response: HttpResponse,
    *,
    session_id: UUID,
    token: str,
    expires: int,
) -> HttpResponse:
    """The token cookie, and the grant an edge without the portal's state needs beside it
    (playback/grants.py); both scoped to the session's edge path, both gone when it expires."""
    grant = grants.session_grant(
        token, session_id=session_id, signin_key=request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    )
    for name, value in ((TOKEN_COOKIE, token), (grants.GRANT_COOKIE, grant)):
        if value is None:
            continue
        response.set_cookie(
            name,
            value,
            max_age=max(0, int(expires - time.time())),
            path=tokens.acl_for(session_id),
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Strict",
        )
    return response


# --- Pages ---------------------------------------------------------------------------------


@require_GET
@profile_required
def watch(request: ViewerRequest, video_id: UUID) -> HttpResponse:
    """The full-viewport player. The player starts the session itself (a POST); the page
    carries the profile's caption look and, for an episode, what plays next."""
    video = get_object_or_404(
        Video.objects.for_profile(request.profile).select_related(
            "movie", "episode__season__series"
        ),
        pk=video_id,
    )
    label = rules.title_label(video)
    return render(
        request,
        "playback/watch.html",
        {
            "video": video,
            "title": label.title,
            "subtitle": label.subtitle,
            "back_url": label.title_url,
            "hls_js": edge.hls_js_available(),
            "from_start": request.GET.get("from") == "start",
            "heartbeat_seconds": settings.HEARTBEAT_INTERVAL_SECONDS,
            "caption_css": caption_css(request.profile),
            "next_episode": next_episode(profile=request.profile, video=video),
            "autoplay_next": request.profile.autoplay_next,
        },
    )


@require_POST
@profile_required
def forget(request: ViewerRequest, video_id: UUID) -> HttpResponse:
    """Remove a title from this profile's Continue watching row."""
    progress.progress_forget(profile=request.profile, video_id=video_id)
    return redirect("catalog:home")


# --- JSON API --------------------------------------------------------------------------------


@require_POST
def start(request: HttpRequest, video_id: UUID) -> HttpResponse:
    """Start a viewing session: entitlement, session, first token (set as a cookie)."""
    if not request.user.is_authenticated:
        return api_error("not_signed_in", "Sign in to watch.", status=403)
    profile = current_profile(request)
    if profile is None:
        return api_error("no_profile", "Choose who is watching first.", status=403)
    try:
        video = entitlement.entitled_video(profile=profile, video_id=video_id)
        data = _body(request, START_FIELDS)
        device = sessions.parse_device_type(
            data.get("device_type"),
            default=sessions.device_from_user_agent(request.headers.get("User-Agent", "")),
        )
        started = sessions.session_start(
            profile=profile,
            video=video,
            device_type=device,
            edge_origin=_edge_origin(request),
            from_start=request.GET.get("from") == "start",
        )
    except BadInput as error:
        return refused(error)
    response = JsonResponse(
        {
            "session_id": str(started.session.pk),
            "playlist_url": started.playlist_url,
            "resume_seconds": started.resume_seconds,
            "duration_seconds": started.duration_seconds,
            "drm_required": started.drm_required,
            "heartbeat_seconds": settings.HEARTBEAT_INTERVAL_SECONDS,
            "token_expires_at": started.token_expires_at,
            "token_renew_seconds": max(1, settings.STREAM_TOKEN_TTL_SECONDS // 2),
            "captions": [
                {
                    "language_code": caption.language_code,
                    "label": caption.label,
                    "url": caption.url,
                    "default": caption.is_default,
                }
                for caption in started.captions
            ],
            "selected_caption": caption_choice.selected_caption(
                started.captions, profile.caption_language
            ),
            "audio_language": profile.audio_language or None,
            "markers": [
                {"kind": marker.kind, "start": marker.start, "end": marker.end}
                for marker in started.markers
            ],
            "trickplay": {"url": started.trickplay_url} if started.trickplay_url else None,
        },
        status=201,
    )
    return _with_token(
        request,
        response,
        session_id=started.session.pk,
        token=started.token,
        expires=started.token_expires_at,
    )


@require_POST
def heartbeat(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """Buffer the player's position. Zero SQL queries (a test asserts it)."""
    answered = heartbeat_by_session(request, session_id)
    if answered is not None:
        return answered
    # The long way: the session as Django reads it (from PostgreSQL when Redis lost it).
    profile_id = _session_profile_id(request)
    if profile_id is None:
        return api_error("not_signed_in", "Sign in to watch.", status=403)
    try:
        beat = heartbeats.parse_heartbeat(_body(request, HEARTBEAT_FIELDS))
        status = heartbeats.heartbeat_record(
            session_id=session_id, profile_id=profile_id, heartbeat=beat
        )
    except BadInput as error:
        return refused(error)
    return JsonResponse({"status": status})


def heartbeat_by_session(request: HttpRequest, session_id: UUID) -> HttpResponse | None:
    """The heartbeat's answer in one round trip to Redis, whose script reads who is watching
    from the session's own copy; None when that copy is not in Redis (the caller takes the
    long way). CSRF is the caller's to check, as for any view."""
    cache_key = session_cache_key(request)
    if cache_key is None:
        return None
    try:
        beat = heartbeats.parse_heartbeat(_body(request, HEARTBEAT_FIELDS))
        status = heartbeats.heartbeat_record_by_session(
            session_cache_key=cache_key, session_id=session_id, heartbeat=beat
        )
    except BadInput as error:
        return refused(error)
    return None if status is None else JsonResponse({"status": status})


@require_POST
def token(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """Renew the session's stream token before it expires (the same one in its first half)."""
    profile_id = _session_profile_id(request)
    if profile_id is None:
        return api_error("not_signed_in", "Sign in to watch.", status=403)
    try:
        value, expires = tokens.token_issue(
            session_id=session_id, profile_id=profile_id, edge_origin=_edge_origin(request)
        )
    except BadInput as error:
        return refused(error)
    return _with_token(
        request,
        JsonResponse({"token_expires_at": expires}),
        session_id=session_id,
        token=value,
        expires=expires,
    )


@require_POST
def end(request: HttpRequest, session_id: UUID) -> HttpResponse:
    profile_id = _session_profile_id(request)
    if profile_id is None:
        return api_error("not_signed_in", "Sign in to watch.", status=403)
    try:
        data = _body(request, END_FIELDS)
        reason = finish.parse_end_reason(data.pop("reason", None))
        if "position_seconds" in data:
            # The last position rides with the end itself (one beacon as the page goes away),
            # so it can never arrive after the session closed.
            last = heartbeats.parse_heartbeat(
                {**data, "event": "ended" if reason == "ENDED" else "hidden"}
            )
            heartbeats.heartbeat_record(
                session_id=session_id, profile_id=profile_id, heartbeat=last
            )
        finish.session_end(session_id=session_id, profile_id=profile_id, reason=reason)
    except BadInput as error:
        return refused(error)
    return JsonResponse({"status": "ended"})


# --- The edge --------------------------------------------------------------------------------


@require_GET
def edge_file(  # noqa: PLR0911 - one refusal per check, in the order the docstring gives
    request: HttpRequest, session_id: UUID, path: str
) -> HttpResponseBase:
    """Serve one playlist, segment or caption file of a session, if its token allows it.

    In order, before any file is opened or any URL fetched: the token (grammar, key,
    signature, expiry, path, viewer; no I/O), the session (one Redis read: revoked the moment
    it ends), then the path (only what the session owns; edge.origin_url).
    """
    value = request.COOKIES.get(TOKEN_COOKIE)
    profile_id = _session_profile_id(request)
    if not value or profile_id is None:
        return edge.forbidden("token_missing", "No playback token came with this request.")
    if edge.cookie_repeated(request.META.get("HTTP_COOKIE", ""), TOKEN_COOKIE):
        return edge.forbidden("token_malformed", "The playback token is malformed.")
    try:
        tokens.verify_viewer(value, path=request.path, profile_id=profile_id, session_id=session_id)
    except tokens.TokenRejected as rejection:
        return edge.forbidden(rejection.code, rejection.message)
    session = live.session_state(session_id)
    if session is None or session.profile_id != profile_id:
        return edge.not_found()
    if session.ended:
        return edge.forbidden(
            "token_revoked", "This viewing session has ended; its playback token is revoked."
        )
    target = edge.resolve(session, path)
    if target is None:
        return edge.not_found()
    if isinstance(target, edge.TtmlCaption):
        response: HttpResponseBase = edge.ttml_response(target)
    elif isinstance(target, str):
        # A remote origin (object storage): fetched through the one safe fetcher. A CDN in
        # front of the portal would do this itself, checking the same token.
        try:
            fetched = fetch(target, max_bytes=settings.EDGE_MAX_BYTES)
        except FetchError as error:
            return edge.bad_gateway(error.message)
        response = HttpResponse(
            fetched.body, content_type=fetched.content_type or "application/octet-stream"
        )
    else:
        response = FileResponse(target.open("rb"), content_type=CONTENT_TYPES.get(target.suffix))
    response["Cache-Control"] = "private, max-age=60"
    return response
