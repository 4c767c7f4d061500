"""The self-hosted edge: what a CDN would do, for the demo and for small deployments.

It maps a session's public paths (``/edge/<session>/master.m3u8``, the playlists and
segments named relative to it, ``captions/<id>.vtt``) to files of the origin, after the view
has verified the session's token. The origin's real address stays on the server.

What a session may open is decided on the text of the path before anything is read:

- ``master.m3u8``: the session's own stream source (its master playlist);
- a plain relative path (``720p/index.m3u8``, ``720p/seg0.ts``): that file in the folder of
  the session's own master playlist, and never outside it (``safe_relative_path`` refuses
  absolute URLs, ``//host``, ``..``, backslashes, percent signs and over-long names);
- ``captions/<uuid>.vtt``: a caption track of the session's own video, by id (a TTML track
  is converted to WebVTT on the way, after the worker's own checks: ``ttml_response``);
- ``thumbs/thumbs.vtt`` and ``thumbs/<sprite>.jpg`` (or .png): the session's own video's
  trickplay track once READY, and a plain file name in that track's folder.

So every file the edge opens, and every URL it fetches, is derived from the session's own
stream source or caption rows; a viewer can only choose among them.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from uuid import UUID

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import cache as django_cache
from django.http import HttpResponse, JsonResponse

from catalog.models import CaptionTrack, StreamSource, TrickplayStatus, TrickplayTrack
from catalog.ttml import TtmlRefused, ttml_as_webvtt
from playback.live import SessionState
from streaming_portal.infra.fetch import FetchError, fetch
from streaming_portal.infra.origin import local_file, origin_relative_path, safe_relative_path

URL_CACHE_SECONDS = 300
MASTER = "master.m3u8"
CAPTION_PATH = re.compile(
    r"captions/(?P<id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.vtt",
    re.ASCII,
)
THUMBS_VTT = "thumbs/thumbs.vtt"
THUMBS_SPRITE = re.compile(r"thumbs/(?P<name>[A-Za-z0-9_+~-][A-Za-z0-9._+~-]{0,127}\.(?:jpg|png))")
_stream_urls: dict[str, tuple[float, str]] = {}


def cookie_repeated(header: str, name: str) -> bool:
    """Whether the Cookie header names ``name`` more than once (another path's cookie, or a
    sibling domain's): refused, never "the last one wins", as the nginx edge refuses it."""
    return len(re.findall(rf"(?:^|;)\s*{re.escape(name)}=", header)) > 1


def forbidden(code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=403)


def not_found() -> JsonResponse:
    return JsonResponse(
        {"error": {"code": "not_found", "message": "No such file for this session."}},
        status=404,
    )


def bad_gateway(message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": "origin_unreachable", "message": message}}, status=502)


def stream_url_remember(stream_id: str, url: str) -> None:
    """Keep a stream's URL the caller has loaded anyway (a session's start): no query later."""
    _stream_urls[stream_id] = (time.monotonic(), url)


def stream_url(stream_id: str) -> str | None:
    """The decrypted origin URL of a stream, cached in this process for a few minutes so
    that segment requests cost no query."""
    cached = _stream_urls.get(stream_id)
    if cached and time.monotonic() - cached[0] < URL_CACHE_SECONDS:
        return cached[1]
    stream = StreamSource.objects.filter(pk=stream_id).only("stream_url").first()
    if stream is None:
        return None
    url = str(stream.stream_url)
    stream_url_remember(stream_id, url)
    return url


def stream_folder(master_url: str) -> str:
    """The folder of a master playlist's URL, with a trailing slash and no query."""
    parts = urlsplit(master_url)
    folder = parts.path.rsplit("/", 1)[0] + "/"
    return urlunsplit((parts.scheme, parts.netloc, folder, "", ""))


@dataclass(frozen=True)
class TtmlCaption:
    """A TTML caption track's file (a local origin file or a remote URL): browsers play
    WebVTT only, so the edge converts it (catalog/ttml.py) before it answers."""

    source: Path | str
    track_id: UUID
    duration_seconds: int


def _caption(session: SessionState, path: str) -> CaptionTrack | None:
    caption = CAPTION_PATH.fullmatch(path)
    if not caption:
        return None
    track: CaptionTrack | None = (
        CaptionTrack.objects.filter(pk=UUID(caption["id"]), video_id=session.video_id)
        .select_related("video")
        .only("caption_url", "format", "video__duration_minutes")
        .first()
    )
    return track


def _thumbs(session: SessionState, path: str) -> str | None:
    """The URL of the session's own trickplay VTT or of a sprite beside it (one query)."""
    sprite = THUMBS_SPRITE.fullmatch(path)
    if path != THUMBS_VTT and sprite is None:
        return None
    vtt = (
        TrickplayTrack.objects.filter(video_id=session.video_id, status=TrickplayStatus.READY)
        .values_list("trickplay_url", flat=True)
        .first()
    )
    if not vtt:
        return None
    return stream_folder(vtt) + sprite["name"] if sprite else vtt


def origin_url(session: SessionState, path: str) -> str | None:
    """The origin URL that ``path`` names for this session, or None if it names nothing the
    session owns. Text only: no file is opened and nothing is fetched."""
    if CAPTION_PATH.fullmatch(path):
        track = _caption(session, path)
        return track.caption_url if track else None
    if path.startswith("thumbs/"):
        return _thumbs(session, path)
    if safe_relative_path(path) is None or path.startswith("captions/"):
        return None
    master = stream_url(session.stream_id)
    if master is None:
        return None
    return master if path == MASTER else stream_folder(master) + path


def _located(origin: str) -> Path | str | None:
    relative = origin_relative_path(origin)
    if relative is None:
        return origin  # a remote origin: the view fetches it through the safe fetcher
    return local_file(relative)


def resolve(session: SessionState, path: str) -> Path | str | TtmlCaption | None:
    """What a session path maps to: a local origin file, a remote origin URL, a TTML
    caption to convert, or None."""
    if CAPTION_PATH.fullmatch(path):
        track = _caption(session, path)
        source = _located(track.caption_url) if track else None
        if track is None or source is None:
            return None
        if track.format == CaptionTrack.Format.TTML:
            return TtmlCaption(source, track.pk, track.video.duration_seconds)
        return source
    origin = origin_url(session, path)
    return _located(origin) if origin is not None else None


# A converted TTML file is kept this long, per track and source URL: every viewer of a title
# asks for the same captions, and the conversion parses the whole XML document.
TTML_CACHE_SECONDS = 300


def _ttml_body(source: Path | str) -> bytes:
    """The TTML file's bytes, at most EDGE_MAX_BYTES (a remote one through the safe fetcher);
    FetchError otherwise."""
    if isinstance(source, str):
        return fetch(source, max_bytes=settings.EDGE_MAX_BYTES).body
    with source.open("rb") as file:
        body = file.read(settings.EDGE_MAX_BYTES + 1)
    if len(body) > settings.EDGE_MAX_BYTES:
        raise FetchError("The caption file is larger than the edge serves.", transient=False)
    return body


def ttml_response(caption: TtmlCaption) -> HttpResponse:
    """The TTML caption as WebVTT, or a 502 naming what is wrong with its file."""
    try:
        body = _ttml_body(caption.source)
    except FetchError as error:
        return bad_gateway(error.message)
    key = f"ttml-vtt:{caption.track_id}:{hashlib.sha256(body).hexdigest()[:32]}"
    vtt: str | None = django_cache.get(key)
    if vtt is None:
        try:
            vtt = ttml_as_webvtt(body.decode("utf-8", errors="replace"), caption.duration_seconds)
        except TtmlRefused as refused:
            return JsonResponse(
                {"error": {"code": "caption_invalid", "message": refused.message}}, status=502
            )
        django_cache.set(key, vtt, TTML_CACHE_SECONDS)
    return HttpResponse(vtt.encode(), content_type="text/vtt; charset=utf-8")


@cache
def hls_js_available() -> bool:
    """Whether the optional hls.js step ran (make player-deps): static/vendor/hls.min.js."""
    return finders.find("vendor/hls.min.js") is not None
