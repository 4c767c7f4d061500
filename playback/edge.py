"""The self-hosted edge: what a CDN would do, for the demo and for small deployments.

It maps a session's public paths (``/edge/<session>/master.m3u8``, the playlists and
segments named relative to it, ``captions/<id>.vtt``) to files of the origin, after the view
has verified the session's token. The origin's real address stays on the server.

What a session may open is decided on the text of the path before anything is read:

- ``master.m3u8``: the session's own stream source (its master playlist);
- a plain relative path (``720p/index.m3u8``, ``720p/seg0.ts``): that file in the folder of
  the session's own master playlist, and never outside it (``safe_relative_path`` refuses
  absolute URLs, ``//host``, ``..``, backslashes, percent signs and over-long names);
- ``captions/<uuid>.vtt``: a caption track of the session's own video, by id.

So every file the edge opens, and every URL it fetches, is derived from the session's own
stream source or caption rows; a viewer can only choose among them.
"""

from __future__ import annotations

import re
import time
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from uuid import UUID

from django.contrib.staticfiles import finders
from django.http import JsonResponse

from catalog.models import CaptionTrack, StreamSource
from playback.live import SessionState
from streaming_portal.infra.origin import local_file, origin_relative_path, safe_relative_path

URL_CACHE_SECONDS = 300
MASTER = "master.m3u8"
CAPTION_PATH = re.compile(
    r"captions/(?P<id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.vtt",
    re.ASCII,
)
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
    _stream_urls[stream_id] = (time.monotonic(), url)
    return url


def stream_folder(master_url: str) -> str:
    """The folder of a master playlist's URL, with a trailing slash and no query."""
    parts = urlsplit(master_url)
    folder = parts.path.rsplit("/", 1)[0] + "/"
    return urlunsplit((parts.scheme, parts.netloc, folder, "", ""))


def origin_url(session: SessionState, path: str) -> str | None:
    """The origin URL that ``path`` names for this session, or None if it names nothing the
    session owns. Text only: no file is opened and nothing is fetched."""
    caption = CAPTION_PATH.fullmatch(path)
    if caption:
        track = (
            CaptionTrack.objects.filter(
                pk=UUID(caption["id"]),
                video_id=session.video_id,
                format=CaptionTrack.Format.WEBVTT,
            )
            .only("caption_url")
            .first()
        )
        return track.caption_url if track else None
    if safe_relative_path(path) is None or path.startswith("captions/"):
        return None
    master = stream_url(session.stream_id)
    if master is None:
        return None
    return master if path == MASTER else stream_folder(master) + path


def resolve(session: SessionState, path: str) -> Path | str | None:
    """What a session path maps to: a local origin file, a remote origin URL, or None."""
    origin = origin_url(session, path)
    if origin is None:
        return None
    relative = origin_relative_path(origin)
    if relative is None:
        return origin  # a remote origin: the view fetches it through the safe fetcher
    return local_file(relative)


@cache
def hls_js_available() -> bool:
    """Whether the optional hls.js step ran (make player-deps): static/vendor/hls.min.js."""
    return finders.find("vendor/hls.min.js") is not None
