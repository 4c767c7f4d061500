"""The demo's local origin: the folder that stands in for object storage behind a CDN.

``seed_demo`` writes HLS playlists, segments, captions and posters into LOCAL_ORIGIN_ROOT and
records them under LOCAL_ORIGIN_URL. The portal maps that URL prefix back to the folder to
serve the files (``/origin/…``) and, later, to check them. Any other URL belongs to a real
CDN and is passed through untouched.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.urls import reverse
from django.utils._os import safe_join

CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".vtt": "text/vtt; charset=utf-8",
    ".ttml": "application/ttml+xml",
    ".svg": "image/svg+xml",
    ".jpg": "image/jpeg",
    ".png": "image/png",
}
PUBLIC_SUFFIXES = frozenset({".svg", ".jpg", ".png"})

# A path relative to a folder of the origin, as a viewer may name it: a few plain names joined
# by "/". No leading dot (so no "." or ".." and no hidden files), no scheme, host, query,
# percent sign, backslash or empty segment, and short enough for every file system.
PATH_SEGMENT = re.compile(r"[A-Za-z0-9_+~-][A-Za-z0-9._+~-]{0,127}", re.ASCII)
MAX_PATH_LENGTH = 512
MAX_PATH_DEPTH = 8


def safe_relative_path(path: str) -> str | None:
    """``path`` if it is a plain relative path that cannot leave its folder, else None.

    Decides on the text alone, before any file is opened or any URL is built.
    """
    if not path or len(path) > MAX_PATH_LENGTH:
        return None
    segments = path.split("/")
    if len(segments) > MAX_PATH_DEPTH or not all(map(PATH_SEGMENT.fullmatch, segments)):
        return None
    return path


def origin_relative_path(url: str) -> str | None:
    """The path inside the local origin for ``url``, or None if it lives elsewhere."""
    prefix = settings.LOCAL_ORIGIN_URL.rstrip("/") + "/"
    if not url.startswith(prefix):
        return None
    return url[len(prefix) :].split("?", 1)[0]


def local_file(relative: str) -> Path | None:
    """The file for an origin path, refusing anything outside the origin folder."""
    if safe_relative_path(relative) is None:
        return None
    try:
        path = Path(safe_join(str(settings.LOCAL_ORIGIN_ROOT), relative))
        return path if path.is_file() else None
    except (SuspiciousFileOperation, ValueError, OSError):  # outside, a NUL, too long a name
        return None


def browser_url(url: str) -> str:
    """Where a browser fetches ``url``: the portal's /origin/ for local files, else the URL."""
    relative = origin_relative_path(url)
    if relative is None:
        return url
    return reverse("origin", kwargs={"path": relative})
