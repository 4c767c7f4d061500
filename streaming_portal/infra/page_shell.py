"""Pages served from a cached shell: rendered once per viewer state, finished per request.

A browse page is three kinds of HTML:

- **shared parts** (the home rows, a genre's grid, a search's results): the same for every
  profile of one audience, cached once per audience (catalog/page_cache.py);
- **the shell** around them (the header with the profile's name, Continue watching): the same
  for every request of one viewer state, cached under a key that names that state;
- **the per-request pieces**: the CSRF token, masked anew for every response as Django does.

The shell is rendered with markers where the parts and the token go (``PART``/``CSRF_SLOT``),
so a cached page costs two string replacements instead of a template rendering. The markers
hold U+001E, a control character that the text validator refuses in every editable field
(streaming_portal/infra/text.py), so no title or name can spell one.

A request with messages waiting is rendered in full and not cached: a message is shown once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from streaming_portal.infra.local_cache import LocalCache, cached_in_two_layers

CSRF_SLOT = "\x1ecsrf\x1e"
# Bumped whenever what is stored changes shape, so a deploy never reads an older shape.
KEY_PREFIX = "page-shell:3:"
MARKER = re.compile(b"(\x1e[^\x1e]*\x1e)")

# What a shell's builder returns: its template context and how long the shell may be served.
ShellBuild = tuple[dict[str, Any], int]


def part_marker(name: str) -> SafeString:
    return mark_safe(f"\x1epart:{name}\x1e")  # noqa: S308 - a fixed marker, no input in it


def render_page(
    request: HttpRequest,
    template_name: str,
    *,
    key: str,
    build: Callable[[], ShellBuild],
    parts: Mapping[str, bytes],
) -> HttpResponse:
    """The page ``template_name`` renders, its shell cached under ``key``.

    ``key`` must name everything the shell shows besides ``parts`` and the token (the
    profile, the catalog version, the viewer's progress…); ``build`` is called on a miss and
    returns the context and the shell's time to live (0: do not cache).
    """
    if get_messages(request):
        context, _ = build()
        shown = {name: mark_safe(html.decode()) for name, html in parts.items()}  # noqa: S308 - our own rendered HTML
        return HttpResponse(render_to_string(template_name, {**context, **shown}, request))
    pieces = _shell(request, template_name, key=key, build=build, parts=parts)
    fill = {
        CSRF_SLOT.encode(): get_token(request).encode(),
        **{part_marker(name).encode(): html for name, html in parts.items()},
    }
    # Even pieces are the shell's own HTML, odd ones its markers: one join, one copy, and
    # the parts go out as the bytes they were cached as.
    return HttpResponse(
        b"".join(fill.get(piece, piece) if i % 2 else piece for i, piece in enumerate(pieces))
    )


def _shell(
    request: HttpRequest,
    template_name: str,
    *,
    key: str,
    build: Callable[[], ShellBuild],
    parts: Mapping[str, bytes],
) -> list[bytes]:
    """The shell split at its markers: this process's copy, Redis's (stored with its
    expiry), or a new rendering."""
    key = f"{KEY_PREFIX}{key}"

    def rendered() -> tuple[list[bytes], int]:
        context, timeout = build()
        markers = {name: part_marker(name) for name in parts}
        context = {**context, **markers, "csrf_token": CSRF_SLOT}
        return MARKER.split(render_to_string(template_name, context, request).encode()), timeout

    return cached_in_two_layers(_local, key, rendered, local_seconds=LOCAL_SECONDS)


# Shells are per viewer state: enough for every viewer a busy web node serves in a minute.
LOCAL_SHELLS = 2048
LOCAL_SECONDS = 30
_local = LocalCache(LOCAL_SHELLS)
clear_local = _local.clear
