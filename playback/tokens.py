"""Signed stream tokens, in a form a CDN edge can check without asking the portal.

A token is one cookie value: five ``~``-separated fields in a fixed order, then an
HMAC-SHA256 over exactly those fields (docs/api.md gives the grammar as an edge implements it):

    kid=k2~exp=1767225600~acl=/edge/<session>/~ctx=<32 hex>~tid=<uuid>~hmac=<64 hex>

- ``kid`` names the key in STREAM_SIGNING_KEYS, so keys rotate: the newest key signs, every
  listed key verifies until its tokens have expired and it is removed.
- ``exp`` is a Unix time at most STREAM_TOKEN_TTL_SECONDS (<= 300) after issue.
- ``acl`` is the path prefix the token opens: one viewing session's playlists and segments,
  never the origin's real address.
- ``ctx`` is a keyed hash of the profile and the viewing session (never raw ids), checked
  against whoever presents the token.
- ``tid`` is the token's id in the audit trail (SignedStreamToken).

The grammar is strict on purpose: each field exactly once, in this order, ASCII only, in its
canonical spelling (lower-case hex and UUIDs, no leading zeros), nothing after the signature,
at most MAX_LENGTH characters. A parser that kept the last of a repeated field while the HMAC
covered a prefix would let a viewer append ``~exp=<forever>``; here any such value is simply
not a token (``token_malformed``), so the signed text and the text that is read are the same.

The token travels as a cookie scoped to the ``acl`` path, so the player's playlist and every
segment request carry it, the URLs themselves hold no credential, and the page renews it
before it expires while the session lives.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from playback import entitlement, finish, live, ownership
from playback.errors import PlaybackRefused
from playback.models import SignedStreamToken

FIELDS = ("kid", "exp", "acl", "ctx", "tid")
MAX_LENGTH = 256
KID = re.compile(r"[A-Za-z0-9_-]{1,16}", re.ASCII)
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# The fields the token shares with the edge grant (playback/grants.py), as regex parts.
KID_EXP_ACL_CTX = (
    r"kid=(?P<kid>[A-Za-z0-9_-]{1,16})"
    r"~exp=(?P<exp>[1-9][0-9]{0,11})"
    rf"~acl=(?P<acl>/edge/{_UUID}/)"
    r"~ctx=(?P<ctx>[0-9a-f]{32})"
)
HMAC_FIELD = r"~hmac=(?P<hmac>[0-9a-f]{64})"
GRAMMAR = re.compile(rf"{KID_EXP_ACL_CTX}~tid=(?P<tid>{_UUID}){HMAC_FIELD}", re.ASCII)


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
        if not secret or not KID.fullmatch(kid):
            raise ImproperlyConfigured(
                "STREAM_SIGNING_KEYS entries look like kid:secret, the kid 1 to 16 letters, "
                "digits, '-' or '_'."
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
    """(token, signed payload, signature) from a cookie value; TokenRejected if malformed.

    The whole value must match the grammar; the payload is then exactly the text before
    ``~hmac=``, which is what the signature covers.
    """
    match = GRAMMAR.fullmatch(value) if len(value) <= MAX_LENGTH else None
    if match is None:
        raise TokenRejected("token_malformed", "The playback token is malformed.")
    token = StreamToken(
        kid=match["kid"],
        exp=int(match["exp"]),
        acl=match["acl"],
        ctx=match["ctx"],
        tid=UUID(match["tid"]),
    )
    return token, value[: match.start("hmac") - len("~hmac=")], match["hmac"]


def verify(value: str, *, path: str, ctx: str, now: float | None = None) -> StreamToken:
    """The token if it opens ``path`` for the viewer ``ctx`` now; TokenRejected otherwise.

    Checks, in order: shape, a known key, the signature (constant time), expiry, the path
    prefix, the viewer. Every segment request goes through this; it does no I/O.
    """
    return _verified(parse(value), path=path, ctx_for=lambda kid: ctx, now=now)


def verify_viewer(
    value: str, *, path: str, profile_id: int, session_id: UUID, now: float | None = None
) -> StreamToken:
    """``verify`` for whoever presents the token (the edge): the viewer context is keyed like
    the token's own signature, by its kid, so the token is parsed once, not twice."""
    return _verified(
        parse(value),
        path=path,
        ctx_for=lambda kid: viewer_context(profile_id=profile_id, session_id=session_id, kid=kid),
        now=now,
    )


def _verified(
    parsed: tuple[StreamToken, str, str],
    *,
    path: str,
    ctx_for: Callable[[str], str],
    now: float | None,
) -> StreamToken:
    token, payload, signature = parsed
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
    if not hmac.compare_digest(token.ctx, ctx_for(token.kid)):
        raise TokenRejected("token_other_viewer", "The playback token belongs to another viewer.")
    return token


def token_hash(value: str) -> str:
    """What the audit row keeps instead of the token."""
    return hashlib.sha256(value.encode()).hexdigest()


# --- Issuing and renewing (the workflow) -------------------------------------------------------


def default_edge_origin() -> str:
    """The edge's origin when no request says it (commands, workers): STREAM_EDGE_URL, else
    the first of ALLOWED_HOSTS over HTTPS."""
    if settings.STREAM_EDGE_URL:
        return str(settings.STREAM_EDGE_URL)
    hosts = [host for host in settings.ALLOWED_HOSTS if host and "*" not in host]
    return f"https://{hosts[0].lstrip('.') if hosts else 'localhost'}"


def token_issue(
    *, session_id: UUID, profile_id: int, edge_origin: str = "", checked: bool = False
) -> tuple[str, int]:
    """The session's stream token and its expiry (Unix time).

    Every call re-checks entitlement (two queries; ``checked`` skips it when the caller has
    just done so): a viewer no longer entitled is refused and the session revoked at once.
    Within the first half of a token's life the same token is returned; after that a fresh
    one is minted (and audited), so a live session always holds a token with minutes left.
    """
    state = ownership.owned_session(session_id=session_id, profile_id=profile_id)
    if state.ended:
        code = state.refusal or "session_ended"
        message = entitlement.MESSAGES.get(code, "This viewing session has ended.")
        raise PlaybackRefused(code, message, status=409 if code == "session_ended" else 403)
    refusal = (
        None
        if checked
        else entitlement.still_entitled(profile_id=profile_id, video_id=state.video_id)
    )
    if refusal is not None:
        finish.session_revoke(session_id=session_id, profile_id=profile_id, code=refusal.code)
        refusal.status = 403
        raise refusal
    ttl = settings.STREAM_TOKEN_TTL_SECONDS
    current, remaining_ms = live.token_current(session_id)
    if current is not None and remaining_ms > ttl * 500:
        return current, parse(current)[0].exp
    now = time.time()
    ctx = viewer_context(profile_id=profile_id, session_id=session_id)
    token, value = mint(session_id=session_id, ctx=ctx, token_id=uuid.uuid4(), now=now)
    live.token_store(session_id, value, ttl_seconds=ttl)
    SignedStreamToken.objects.create(
        token_id=token.tid,
        video_id=state.video_id,
        session_id=session_id,
        profile_id=profile_id,
        viewer_context=ctx,
        signed_url=(edge_origin or default_edge_origin()).rstrip("/") + token.acl,
        key_id=token.kid,
        token_sha256=token_hash(value),
        issued_at=datetime.fromtimestamp(now, tz=UTC),
        expires_at=datetime.fromtimestamp(token.exp, tz=UTC),
    )
    return value, token.exp
