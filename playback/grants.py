"""The edge grant: what an edge that cannot read the portal's state needs beside the token.

The portal's own edge (playback/views.edge_file) knows who presents a token from the sign-in
session and where the session's files live from Redis and PostgreSQL. The nginx edge
(deploy/nginx/edge.js) has neither, so the portal hands the browser a second signed cookie,
``edge_grant``, with the token and scoped to the same path. It says two things:

- **who may present the token**: the grant carries the token's viewer context (``ctx``) and
  its signature covers the browser's sign-in cookie too (which travels beside it, never
  inside it). So a grant verifies only with the sign-in it was issued to, and a token copied
  into another browser is ``token_other_viewer`` there, as on the portal's edge;
- **where the session's files live** (``org``): which configured origin, and the path of the
  session's master playlist inside it. The origin's address stays in the edge's
  configuration; a stream on any other host is served through the portal's edge.

    kid=k2~exp=1767225600~acl=/edge/<session>/~ctx=<32 hex>~org=local:<path>~hmac=<64 hex>

    hmac = HMAC-SHA256(secret of kid, <the text before "~hmac="> + "~signin=" + <sign-in cookie>)

The grammar is as strict as the token's (docs/api.md): each field once, in this order,
keyed, expiring and scoped with the token it goes with. A grant opens nothing alone: every
request still needs a valid token for its path. The edge checks it with one HMAC.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from uuid import UUID

from django.conf import settings

from playback import edge, live, tokens
from streaming_portal.infra.origin import origin_relative_path, safe_relative_path

GRANT_COOKIE = "edge_grant"
MAX_LENGTH = 1024
ORIGIN_LOCAL = "local"
ORIGIN_S3 = "s3"
ORIGIN_PORTAL = "portal"  # any other host: the nginx edge hands the request to the portal's edge
GRAMMAR = re.compile(
    tokens.KID_EXP_ACL_CTX
    + r"~org=(?P<origin>local|s3|portal):(?P<master>[A-Za-z0-9._+~/-]{0,700})"
    + tokens.HMAC_FIELD,
    re.ASCII,
)


@dataclass(frozen=True)
class Grant:
    kid: str
    exp: int
    acl: str
    ctx: str
    origin: str  # ORIGIN_LOCAL, ORIGIN_S3 or ORIGIN_PORTAL
    master: str  # the master playlist's path inside that origin ("" for the portal)

    def payload(self) -> str:
        return (
            f"kid={self.kid}~exp={self.exp}~acl={self.acl}~ctx={self.ctx}"
            f"~org={self.origin}:{self.master}"
        )


def signature(secret: bytes, payload: str, signin_key: str) -> str:
    """The grant's HMAC: over its payload and the sign-in cookie it was issued to."""
    message = f"{payload}~signin={signin_key}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def origin_of(stream_url: str) -> tuple[str, str]:
    """(origin name, master playlist path inside it) for a stream source's URL."""
    relative = origin_relative_path(stream_url)
    if relative is not None:
        return ORIGIN_LOCAL, relative
    s3_prefix = settings.S3_ORIGIN_URL.rstrip("/") + "/" if settings.S3_ORIGIN_URL else ""
    if s3_prefix and stream_url.startswith(s3_prefix):
        return ORIGIN_S3, stream_url[len(s3_prefix) :].split("?", 1)[0]
    return ORIGIN_PORTAL, ""


def grant_value(token_value: str, *, signin_key: str, stream_url: str) -> str:
    """The grant that goes with ``token_value`` (same key, expiry, path and viewer) for the
    browser signed in with ``signin_key``. The caller has checked that this sign-in's
    profile owns the token's session."""
    token, _, _ = tokens.parse(token_value)
    secret = tokens.signing_keys()[token.kid]
    origin, master = origin_of(stream_url)
    if not edge_path_safe(master):
        origin, master = ORIGIN_PORTAL, ""
    grant = Grant(token.kid, token.exp, token.acl, token.ctx, origin, master)
    payload = grant.payload()
    return f"{payload}~hmac={signature(secret, payload, signin_key)}"


def edge_path_safe(master: str) -> bool:
    """Whether the nginx edge can open this origin path itself (the same plain-path rule as
    the edge's own paths); anything else goes through the portal's edge."""
    return bool(master) and safe_relative_path(master) is not None


def session_grant(token_value: str, *, session_id: UUID, signin_key: str | None) -> str | None:
    """The grant for a session's current token, or None when there is nothing to bind it to
    (no sign-in cookie) or the session is gone."""
    if not signin_key:
        return None
    state = live.session_state(session_id)
    if state is None:
        return None
    stream_url = edge.stream_url(state.stream_id)
    if stream_url is None:
        return None
    return grant_value(token_value, signin_key=signin_key, stream_url=stream_url)


def parse(value: str, *, signin_key: str) -> Grant | None:
    """The grant in ``value`` if it matches the grammar and its signature for this sign-in
    (for tests and the docs; the nginx edge implements the same checks in JavaScript)."""
    match = GRAMMAR.fullmatch(value) if len(value) <= MAX_LENGTH else None
    if match is None:
        return None
    secret = tokens.signing_keys().get(match["kid"])
    payload = value[: match.start("hmac") - len("~hmac=")]
    if secret is None or not hmac.compare_digest(
        signature(secret, payload, signin_key), match["hmac"]
    ):
        return None
    return Grant(
        kid=match["kid"],
        exp=int(match["exp"]),
        acl=match["acl"],
        ctx=match["ctx"],
        origin=match["origin"],
        master=match["master"],
    )
