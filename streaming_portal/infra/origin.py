"""The demo's local origin: the folder that stands in for object storage behind a CDN.

``seed_demo`` writes HLS playlists, segments, captions and posters into LOCAL_ORIGIN_ROOT and
records them under LOCAL_ORIGIN_URL. The portal maps that URL prefix back to the folder to
serve the files (``/origin/…``) and, later, to check them. Any other URL belongs to a real
CDN and is passed through untouched.
"""

from __future__ import annotations

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


def origin_relative_path(url: str) -> str | None:
    """The path inside the local origin for ``url``, or None if it lives elsewhere."""
    prefix = settings.LOCAL_ORIGIN_URL.rstrip("/") + "/"
    if not url.startswith(prefix):
        return None
    return url[len(prefix) :].split("?", 1)[0]


def local_file(relative: str) -> Path | None:
    """The file for an origin path, refusing anything outside the origin folder."""
    try:
        path = Path(safe_join(str(settings.LOCAL_ORIGIN_ROOT), relative))
    except (SuspiciousFileOperation, ValueError):  # outside the folder, or a NUL byte
        return None
    return path if path.is_file() else None


def browser_url(url: str) -> str:
    """Where a browser fetches ``url``: the portal's /origin/ for local files, else the URL."""
    relative = origin_relative_path(url)
    if relative is None:
        return url
    return reverse("origin", kwargs={"path": relative})
