"""The self-hosted edge: what a CDN would do, for the demo and for small deployments.

It maps a session's public paths (``/edge/<session>/master.m3u8``, the playlists and
segments named relative to it, ``captions/<id>.vtt``) to files of the origin, after the view
has verified the session's token. The origin's real address stays on the server.
"""

from __future__ import annotations

import time
from functools import cache
from pathlib import Path, PurePosixPath
from urllib.parse import urljoin
from uuid import UUID

from django.contrib.staticfiles import finders
from django.http import JsonResponse

from catalog.models import CaptionTrack, StreamSource
from playback import live
from streaming_portal.infra.origin import local_file, origin_relative_path

URL_CACHE_SECONDS = 300
_stream_urls: dict[str, tuple[float, str]] = {}


def forbidden(code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=403)


def not_found() -> JsonResponse:
    return JsonResponse(
        {"error": {"code": "not_found", "message": "No such file for this session."}},
        status=404,
    )


def _stream_url(stream_id: str) -> str | None:
    """The decrypted origin URL of a stream, cached in this process for a few minutes so
    that segment requests cost no query."""
    cached = _stream_urls.get(stream_id)
    if cached and time.monotonic() - cached[0] < URL_CACHE_SECONDS:
        return cached[1]
    stream = StreamSource.objects.filter(pk=stream_id).only("stream_url").first()
    if stream is None:
        return None
    url = str(stream.stream_url)
    _stream_urls[stream_id] = (time.monotonic(), url)
    return url


def resolve(session_id: UUID, path: str) -> Path | str | None:
    """What a session path maps to: a local origin file, a remote origin URL, or None."""
    parts = PurePosixPath(path).parts
    if not parts or any(part in {"..", "."} or part.startswith("/") for part in parts):
        return None
    state = live.redis().hmget(live.session_key(session_id), "stream", "video")
    if state[0] is None:
        return None
    caption_id = (
        _uuid(parts[1][:-4])
        if parts[0] == "captions" and len(parts) == 2 and parts[1].endswith(".vtt")
        else None
    )
    if parts[0] == "captions":
        caption = (
            CaptionTrack.objects.filter(pk=caption_id, video_id=state[1].decode())
            .only("caption_url")
            .first()
            if caption_id
            else None
        )
        origin = caption.caption_url if caption else None
    else:
        master = _stream_url(state[0].decode())
        origin = (
            master
            if master and path == "master.m3u8"
            else (urljoin(master, path) if master else None)
        )
    if not origin:
        return None
    relative = origin_relative_path(origin)
    if relative is None:
        return origin  # a remote origin: the view fetches it through the safe fetcher
    return local_file(relative)


def bad_gateway(message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": "origin_unreachable", "message": message}}, status=502)


def _uuid(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None


@cache
def hls_js_available() -> bool:
    """Whether the optional hls.js step ran (make player-deps): static/vendor/hls.min.js."""
    return finders.find("vendor/hls.min.js") is not None
