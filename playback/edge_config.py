"""The nginx edge's configuration, rendered from the portal's own settings.

One source of truth: the signing keys, the session cookie's name and the origins come from
settings, so rotating a key is ``manage.py edge_config`` and ``nginx -s reload`` on each edge
(docs/deploy.md). The keys go into ``edge-config.json``, readable by its owner only.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

from playback import tokens

TEMPLATES = Path(settings.BASE_DIR) / "deploy" / "nginx"


@dataclass
class EdgeLayout:
    """Where one edge listens, which portal nodes it balances over, and its folders."""

    config_dir: Path
    listen: str
    portal_nodes: Sequence[str]
    run_dir: Path | None = None
    revoked_dir: Path | None = None
    access_log: str = "off"
    user: str = ""  # an nginx `user` directive, or none (Debian's default: www-data)
    cache_size: str = "1g"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def runtime(self) -> Path:
        return self.run_dir or self.config_dir / "run"

    @property
    def revocations(self) -> Path:
        return self.revoked_dir or self.config_dir / "revoked"


def _fill(template: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        template = template.replace(f"@@{name}@@", value)
    if "@@" in template:
        raise ValueError("the nginx template names a value edge_config does not set")
    return template


def _s3_parts(revoked_dir: Path) -> tuple[str, str]:
    """The upstream block and the location for the object-storage origin, or two blanks."""
    if not (settings.S3_ORIGIN_URL and settings.S3_ENDPOINT_URL and settings.S3_MEDIA_BUCKET):
        return "", ""
    endpoint = urlsplit(settings.S3_ENDPOINT_URL)
    upstream = (
        "    js_set $s3_date edge.s3Date;\n"
        "    js_set $s3_authorization edge.s3Authorization;\n"
        f"    upstream s3_origin {{\n        server {endpoint.netloc};\n"
        "        keepalive 16;\n    }\n"
    )
    location = _fill(
        (TEMPLATES / "s3-location.conf.template").read_text(),
        {
            "S3_ENDPOINT": f"{endpoint.scheme}://s3_origin",
            "S3_BUCKET": settings.S3_MEDIA_BUCKET,
            "S3_HOST": endpoint.netloc,
            "REVOKED_DIR": str(revoked_dir),
        },
    )
    return upstream, location


def edge_config_write(layout: EdgeLayout) -> Path:
    """Write nginx.conf, edge.js, proxy-headers.conf and edge-config.json; the nginx.conf path."""
    layout.config_dir.mkdir(parents=True, exist_ok=True)
    for folder in (layout.runtime, layout.revocations):
        folder.mkdir(parents=True, exist_ok=True)
    for name in ("edge.js", "proxy-headers.conf"):
        shutil.copyfile(TEMPLATES / name, layout.config_dir / name)
    (layout.config_dir / "bad-request.json").write_text(
        '{"error": {"code": "bad_request", "message": "The request could not be read."}}'
    )
    secrets = layout.config_dir / "edge-config.json"
    secrets.touch(mode=0o600)
    os.chmod(secrets, 0o600)
    secrets.write_text(
        json.dumps(
            {
                "keys": {kid: secret.decode() for kid, secret in tokens.signing_keys().items()},
                "session_cookie": settings.SESSION_COOKIE_NAME,
                "s3": {
                    "bucket": settings.S3_MEDIA_BUCKET,
                    "host": urlsplit(settings.S3_ENDPOINT_URL).netloc,
                    "region": settings.S3_REGION,
                    "access_key": settings.S3_ACCESS_KEY_ID,
                    "secret_key": settings.S3_SECRET_ACCESS_KEY,
                }
                if settings.S3_ENDPOINT_URL
                else None,
            }
        )
    )
    s3_upstream, s3_location = _s3_parts(layout.revocations)
    nginx_conf = layout.config_dir / "nginx.conf"
    nginx_conf.write_text(
        _fill(
            (TEMPLATES / "nginx.conf.template").read_text(),
            {
                "USER": layout.user,
                "RUN_DIR": str(layout.runtime),
                "CONFIG_DIR": str(layout.config_dir),
                "ACCESS_LOG": layout.access_log,
                "CACHE_SIZE": layout.cache_size,
                "LISTEN": layout.listen,
                "REVOKED_DIR": str(layout.revocations),
                "LOCAL_ORIGIN_ROOT": str(Path(settings.LOCAL_ORIGIN_ROOT).resolve()),
                "PORTAL_SERVERS": "\n".join(
                    f"        server {node} max_fails=1 fail_timeout=3s;"
                    for node in layout.portal_nodes
                ),
                "S3_UPSTREAM": s3_upstream,
                "S3_LOCATION": s3_location,
                **layout.extra,
            },
        )
    )
    return nginx_conf
