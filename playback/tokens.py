"""Signed stream tokens, in a form a CDN edge can check without asking the portal.

A token is one cookie value of ``~``-separated fields followed by an HMAC-SHA256 over them:

    kid=k2~exp=1767225600~acl=/edge/<session>/~ctx=<viewer hash>~tid=<uuid>~hmac=<hex>

- ``kid`` names the key in STREAM_SIGNING_KEYS, so keys rotate: the newest key signs, every
  listed key verifies until its tokens have expired and it is removed.
- ``exp`` is a Unix time at most STREAM_TOKEN_TTL_SECONDS (<= 300) after issue.
- ``acl`` is the path prefix the token opens: one viewing session's playlists and segments,
  never the origin's real address.
- ``ctx`` is a keyed hash of the profile and the viewing session (never raw ids), checked
  against whoever presents the token.

The token travels as a cookie scoped to the ``acl`` path, so the player's playlist and every
segment request carry it, the URLs themselves hold no credential, and the page renews it
before it expires while the session lives.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

FIELDS = ("kid", "exp", "acl", "ctx", "tid")


class TokenRejected(Exception):  # noqa: N818 - reads as a sentence: raise TokenRejected(...)
    """Why a token does not open a path; ``code`` is the short error code shown to support."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class StreamToken:
    kid: str
    exp: int
    acl: str
    ctx: str
    tid: UUID

    def payload(self) -> str:
        return f"kid={self.kid}~exp={self.exp}~acl={self.acl}~ctx={self.ctx}~tid={self.tid}"


def signing_keys() -> dict[str, bytes]:
    """STREAM_SIGNING_KEYS as {kid: secret}, newest first (dicts keep insertion order)."""
    keys: dict[str, bytes] = {}
    for entry in settings.STREAM_SIGNING_KEYS:
        kid, _, secret = entry.partition(":")
        if not kid or not secret or "~" in kid or "=" in kid:
            raise ImproperlyConfigured(
                "STREAM_SIGNING_KEYS entries look like kid:secret (no '~' or '=' in the kid)."
            )
        keys[kid] = secret.encode()
    if not keys:
        raise ImproperlyConfigured("STREAM_SIGNING_KEYS is not set.")
    return keys


def _signature(secret: bytes, payload: str) -> str:
    return hmac.new(secret, payload.encode(), hashlib.sha256).hexdigest()


def viewer_context(*, profile_id: int, session_id: UUID, kid: str | None = None) -> str:
    """A keyed hash of who watches which session: the token's ``ctx``.

    Keyed with the same key as the token's signature (``kid``; the newest key by default),
    so a token minted before a key rotation still matches its viewer after it.
    """
    keys = signing_keys()
    secret = keys.get(kid) if kid else None
    if secret is None:
        secret = next(iter(keys.values()))
    message = f"viewer:{profile_id}:{session_id}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


def acl_for(session_id: UUID) -> str:
    return f"/edge/{session_id}/"


def mint(
    *, session_id: UUID, ctx: str, token_id: UUID, now: float | None = None
) -> tuple[StreamToken, str]:
    """A new token for one viewing session, signed with the newest key."""
    ttl = settings.STREAM_TOKEN_TTL_SECONDS
    kid, secret = next(iter(signing_keys().items()))
    token = StreamToken(
        kid=kid,
        exp=int((now if now is not None else time.time()) + ttl),
        acl=acl_for(session_id),
        ctx=ctx,
        tid=token_id,
    )
    payload = token.payload()
    return token, f"{payload}~hmac={_signature(secret, payload)}"


def parse(value: str) -> tuple[StreamToken, str, str]:
    """(token, signed payload, signature) from a cookie value; TokenRejected if malformed."""
    parts = dict(part.split("=", 1) for part in value.split("~") if "=" in part)
    if list(parts) != [*FIELDS, "hmac"]:
        raise TokenRejected("token_malformed", "The playback token is malformed.")
    try:
        token = StreamToken(
            kid=parts["kid"],
            exp=int(parts["exp"]),
            acl=parts["acl"],
            ctx=parts["ctx"],
            tid=UUID(parts["tid"]),
        )
    except ValueError as error:
        raise TokenRejected("token_malformed", "The playback token is malformed.") from error
    return token, value.rsplit("~hmac=", 1)[0], parts["hmac"]


def verify(value: str, *, path: str, ctx: str, now: float | None = None) -> StreamToken:
    """The token if it opens ``path`` for the viewer ``ctx`` now; TokenRejected otherwise.

    Checks, in order: shape, a known key, the signature (constant time), expiry, the path
    prefix, the viewer. Every segment request goes through this; it does no I/O.
    """
    token, payload, signature = parse(value)
    secret = signing_keys().get(token.kid)
    if secret is None:
        raise TokenRejected(
            "token_unknown_key", "The playback token was signed with a retired key."
        )
    if not hmac.compare_digest(_signature(secret, payload), signature):
        raise TokenRejected("token_bad_signature", "The playback token's signature does not match.")
    if token.exp <= (now if now is not None else time.time()):
        raise TokenRejected("token_expired", "The playback token has expired.")
    if not path.startswith(token.acl):
        raise TokenRejected("token_wrong_path", "The playback token does not open this address.")
    if not hmac.compare_digest(token.ctx, ctx):
        raise TokenRejected("token_other_viewer", "The playback token belongs to another viewer.")
    return token


def token_hash(value: str) -> str:
    """What the audit row keeps instead of the token."""
    return hashlib.sha256(value.encode()).hexdigest()
