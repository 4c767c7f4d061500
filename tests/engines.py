"""A pytest plugin loaded before pytest-django reads the settings (``-p tests.engines``).

Without ``DATABASE_URL``/``REDIS_URL`` it starts the embedded engines in their own folder,
so that test data never touches the data of ``make run``.
"""

from __future__ import annotations

import os
from pathlib import Path

from streaming_portal.engines import BASE_DIR, ensure_environment

os.environ.setdefault("PORTAL_ENGINES_DIR", str(Path(BASE_DIR) / ".local" / "engines-test"))
# The suite runs with production settings; only the key and host are the tests' own.
os.environ.setdefault("SECRET_KEY", "tests-only-" + "k" * 50)
# A fixed Fernet key for stream URLs (tests rotate keys on top of it).
os.environ.setdefault("STREAM_URL_KEYS", "dGVzdHMtb25seS1zdHJlYW0tdXJsLWtleS0wMDAwMDA=")
# The demo origin of the tests, apart from make run's (encoded once, reused across runs).
os.environ.setdefault("LOCAL_ORIGIN_ROOT", str(Path(BASE_DIR) / ".local" / "origin-test"))
os.environ.setdefault("STREAM_SIGNING_KEYS", "t1:tests-only-stream-signing-secret")
# Production settings otherwise; the test client and the live server speak plain HTTP.
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("STATICFILES_MANIFEST", "false")
os.environ.setdefault("WHITENOISE_USE_FINDERS", "true")
ensure_environment()
# WhiteNoise warns about a missing STATIC_ROOT even when it serves through the finders.
(Path(BASE_DIR) / ".local" / "staticfiles").mkdir(parents=True, exist_ok=True)
