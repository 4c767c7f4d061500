"""Settings for the streaming portal: one module, every deployment knob from the environment.

Production is the default. The ``DEBUG`` variable turns on development mode (``DEVELOPMENT``:
a generated secret key, localhost hosts, plain HTTP, readable logs), and without it a missing
``SECRET_KEY`` stops the process with a message saying what to set. Django's own debug pages
(``settings.DEBUG``) stay off even in development, so a viewer under ``make run`` sees the
portal's themed 404 and 500 as in production; ``DJANGO_DEBUG_PAGES=true`` turns them on for a
developer chasing a traceback. ``.env.example`` lists
every variable; ``docs/architecture.md`` explains the Redis layout.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from pathlib import Path
from urllib.parse import unquote

import environ
from django.core.exceptions import ImproperlyConfigured
from redis.backoff import NoBackoff
from redis.retry import Retry

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

DEVELOPMENT = env.bool("DEBUG", default=False)
DEBUG = DEVELOPMENT and env.bool("DJANGO_DEBUG_PAGES", default=False)


def _required(name: str, hint: str) -> str:
    value = str(env.str(name, default=""))
    if not value:
        raise ImproperlyConfigured(f"{name} is not set. {hint}")
    return value


if DEVELOPMENT and not env.str("SECRET_KEY", default=""):
    # Development only: a random key kept in the git-ignored data folder, so sessions survive
    # restarts and no key is ever written into the code.
    _key_file = BASE_DIR / ".local" / "secret_key"
    if not _key_file.exists():
        _key_file.parent.mkdir(exist_ok=True)
        _key_file.write_text(secrets.token_urlsafe(50))
        _key_file.chmod(0o600)
    SECRET_KEY = _key_file.read_text().strip()
else:
    SECRET_KEY = _required(
        "SECRET_KEY",
        "Set SECRET_KEY to a long random string (python -c 'import secrets; "
        "print(secrets.token_urlsafe(50))'), or set DEBUG=true for local development.",
    )

ALLOWED_HOSTS: list[str] = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEVELOPMENT else []
)
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    # The catalog's editorial history: triggers (pgtrigger) that write events (pghistory).
    "pgtrigger",
    "pghistory",
    "streaming_portal.apps.StreamingPortalConfig",
    "catalog",
    "accounts",
    "playback",
]

MIDDLEWARE = [
    "streaming_portal.infra.logs.RequestIdMiddleware",
    "streaming_portal.infra.api.ApiErrorMiddleware",
    "streaming_portal.infra.replica.ReplicaReadsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Names the editor on the history events an admin request writes (after authentication).
    "streaming_portal.infra.actors.EditorActorMiddleware",
    "streaming_portal.infra.ratelimit.RateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# History events are ordered by the moment of each write, not by their transaction's start.
PGHISTORY_CREATED_AT_FUNCTION = "clock_timestamp()"

# The benchmarks mount their baselines beside the real URLs (bench/urls.py).
CSRF_FAILURE_VIEW = "streaming_portal.errors.csrf_failure"

# Who tells the catalog's pages a viewer's progress (catalog/progress_source.py): the
# playback app, named here so that catalog never imports it.
VIEWER_PROGRESS = "playback.progress"

# The player's API: the largest body it reads (streaming_portal/infra/api.py bounds the rest).
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=16 * 1024)

ROOT_URLCONF = env.str("ROOT_URLCONF", default="streaming_portal.urls")
WSGI_APPLICATION = "streaming_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.viewer",
            ],
        },
    },
]

# --- PostgreSQL -----------------------------------------------------------------------------

DATABASES = {
    "default": env.db_url_config(
        _required(
            "DATABASE_URL",
            "Set DATABASE_URL to your PostgreSQL server (postgres://user:password@host/db), or "
            "start the portal through `make run` or `python manage.py`, which start the "
            "embedded PostgreSQL when it is unset.",
        )
    )
}
# A Unix-socket directory arrives percent-encoded in the URL's host part.
DATABASES["default"]["HOST"] = unquote(DATABASES["default"].get("HOST", ""))
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# A streaming replica for browse reads (streaming_portal/infra/replica.py): optional.
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = {
        **env.db_url_config(env.str("DATABASE_REPLICA_URL")),
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        "ATOMIC_REQUESTS": False,
        "TEST": {"MIRROR": "default"},
    }
    DATABASES["replica"]["HOST"] = unquote(DATABASES["replica"].get("HOST", ""))
    # A replica that does not answer within this long is skipped, never waited for.
    DATABASES["replica"].setdefault("OPTIONS", {})["connect_timeout"] = 2
DATABASE_ROUTERS = ["streaming_portal.infra.replica.ReplicaRouter"]
REPLICA_READ_APPS = env.list("REPLICA_READ_APPS", default=["catalog"])
REPLICA_CHECK_SECONDS = env.float("REPLICA_CHECK_SECONDS", default=1.0)
REPLICA_MAX_LAG_BYTES = env.int("REPLICA_MAX_LAG_BYTES", default=16 * 1024 * 1024)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, sessions, and (later) the heartbeat buffer, tokens and rate limits -------

REDIS_URL = _required(
    "REDIS_URL",
    "Set REDIS_URL to your Redis server (redis://host:6379/0), or start the portal through "
    "`make run` or `python manage.py`, which start the embedded Redis when it is unset.",
)
# A Redis that stalls or is away costs a request at most this long per call, not a hung
# worker: one quick retry without back-off (redis-py's default backs off for seconds).
REDIS_SOCKET_TIMEOUT_SECONDS = env.float("REDIS_SOCKET_TIMEOUT_SECONDS", default=0.5)
_REDIS_OPTIONS = {
    "CLIENT_CLASS": "django_redis.client.DefaultClient",
    "SOCKET_CONNECT_TIMEOUT": REDIS_SOCKET_TIMEOUT_SECONDS,
    "SOCKET_TIMEOUT": REDIS_SOCKET_TIMEOUT_SECONDS,
    "CONNECTION_POOL_KWARGS": {"retry": Retry(NoBackoff(), 1)},
}
# Redis Sentinel: with REDIS_SENTINELS (host:port, ...), REDIS_URL names the monitored master
# instead of a host (redis://portal/0) and every client asks the sentinels where it is now.
REDIS_SENTINELS: list[str] = env.list("REDIS_SENTINELS", default=[])
REDIS_SENTINEL_MASTER = env.str("REDIS_SENTINEL_MASTER", default="portal")
if REDIS_SENTINELS:
    _REDIS_OPTIONS = {
        **_REDIS_OPTIONS,
        "CONNECTION_FACTORY": "django_redis.pool.SentinelConnectionFactory",
        "SENTINELS": [
            (host, int(port)) for host, _, port in (s.rpartition(":") for s in REDIS_SENTINELS)
        ],
        "SENTINEL_KWARGS": {"socket_timeout": REDIS_SOCKET_TIMEOUT_SECONDS},
    }
CACHES = {
    # Rendered rows, Continue watching, versions: all can be rebuilt from PostgreSQL, so a
    # Redis that cannot be read is a cache miss and the pages go on (more slowly).
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "cache",
        "OPTIONS": {**_REDIS_OPTIONS, "IGNORE_EXCEPTIONS": True},
    },
    # The sessions' fast copy. A Redis that cannot be read is a cache miss here, never an
    # error, so the session is read from PostgreSQL instead: nobody is signed out, and no
    # session cookie is deleted, because Redis blinked. Stored as JSON (sessions are JSON
    # anyway), so the heartbeat script reads who is watching in its own round trip; the
    # prefix names the format, so a copy in an older one is never read.
    "sessions": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "session-json",
        "OPTIONS": {
            **_REDIS_OPTIONS,
            "IGNORE_EXCEPTIONS": True,
            "SERIALIZER": "django_redis.serializers.json.JSONSerializer",
        },
    },
}
# An outage is reported once per request by the API (a warning with the 503) and by /readyz,
# not by a traceback for every cache read it turned into a miss.
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = False
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_CACHE_ALIAS = "sessions"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 24 * 14)

# --- Celery ---------------------------------------------------------------------------------

if REDIS_SENTINELS:
    # Celery's sentinel transport: every sentinel, and the master's name in the options.
    _CELERY_DB = REDIS_URL.rstrip("/").rpartition("/")[2] if REDIS_URL.count("/") > 2 else "0"
    _CELERY_SENTINELS = ";".join(f"sentinel://{s}/{_CELERY_DB}" for s in REDIS_SENTINELS)
    CELERY_BROKER_TRANSPORT_OPTIONS = {"master_name": REDIS_SENTINEL_MASTER}
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"master_name": REDIS_SENTINEL_MASTER}
    CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=_CELERY_SENTINELS)
else:
    CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_EXPIRES = 60 * 60
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {}
# Every worker host may run beat; one schedules at a time (streaming_portal/beat_lock.py).
CELERY_BEAT_SCHEDULER = "streaming_portal.beat_lock.LockedScheduler"
BEAT_LOCK_SECONDS = env.int("BEAT_LOCK_SECONDS", default=30)

# --- Auth -----------------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["accounts.backends.EmailOrUsernameBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:profiles"
LOGOUT_REDIRECT_URL = "catalog:home"
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Streaming portal <noreply@localhost>")

# --- Internationalisation -------------------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static files and the demo origin -------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / ".local" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Hashed, compressed file names in production; the tests and `make run` serve the source files
# through the finders so that no collectstatic step is needed there.
STATICFILES_MANIFEST = env.bool("STATICFILES_MANIFEST", default=not DEVELOPMENT)
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=DEVELOPMENT)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATICFILES_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Security: strict unless in development, every flag overridable behind a TLS proxy ---------

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEVELOPMENT)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https")
    if env.bool("TRUST_X_FORWARDED_PROTO", default=False)
    else None
)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.int(
    "SECURE_HSTS_SECONDS", default=0 if DEVELOPMENT else 60 * 60 * 24 * 365
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEVELOPMENT)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEVELOPMENT)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEVELOPMENT)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEVELOPMENT)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# --- Logging --------------------------------------------------------------------------------

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        # LOG_FORMAT: "json", one object per line with the request and task ids (production's
        # default), or "plain", readable lines (the default with DEVELOPMENT, as under make run).
        "portal": {
            "()": "streaming_portal.infra.logs.formatter",
            "log_format": env.str("LOG_FORMAT", default="plain" if DEVELOPMENT else "json"),
        },
    },
    "filters": {
        "context": {"()": "streaming_portal.infra.logs.ContextFilter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "portal",
            "filters": ["context"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's default config gives "django" its own console (and mail) handler; cleared
        # here, each django.request line reaches the root's handler once, never twice.
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.db.backends": {"level": "INFO"},
    },
}

# --- The portal's own knobs -----------------------------------------------------------------

# Where the embedded engines keep their data, when they are in use (set by engines.py).
EMBEDDED_ENGINES_DIR = env.str("PORTAL_EMBEDDED_ENGINES", default="")

# Fernet keys for stream URLs at rest, newest first (streaming_portal/infra/crypto.py says
# how they rotate).
STREAM_URL_KEYS: list[str] = env.list("STREAM_URL_KEYS", default=[])
if not STREAM_URL_KEYS and DEVELOPMENT:
    # Development only: a stable key derived from SECRET_KEY (deploy checks refuse none).
    STREAM_URL_KEYS = [
        base64.urlsafe_b64encode(
            hashlib.sha256(f"stream-url:{SECRET_KEY}".encode()).digest()
        ).decode()
    ]

# How long the home page's genre rows stay cached (per audience; catalog edits clear them).
BROWSE_CACHE_SECONDS = env.int("BROWSE_CACHE_SECONDS", default=60)
# Continue watching: a position counts once it reaches this many seconds or this fraction of
# the running time, whichever comes first (so an accidental click does not put a title there).
CONTINUE_WATCHING_MIN_SECONDS = env.int("CONTINUE_WATCHING_MIN_SECONDS", default=30)
CONTINUE_WATCHING_MIN_FRACTION = env.float("CONTINUE_WATCHING_MIN_FRACTION", default=0.05)

# A title whose window ends within this many days is flagged "last day(s) to watch".
LAST_CHANCE_DAYS = env.int("LAST_CHANCE_DAYS", default=7)

# The demo origin: seed_demo writes HLS files to LOCAL_ORIGIN_ROOT and gives them URLs under
# LOCAL_ORIGIN_URL; the portal maps that prefix back to the folder to serve and check them.
LOCAL_ORIGIN_ROOT = Path(env.str("LOCAL_ORIGIN_ROOT", default=str(BASE_DIR / ".local" / "origin")))
LOCAL_ORIGIN_URL = env.str("LOCAL_ORIGIN_URL", default="https://origin.portal.localhost/")
# Media on S3-compatible object storage: stream URLs under S3_ORIGIN_URL name objects of
# S3_MEDIA_BUCKET (keys are the rest of the URL). The edges read them with the credentials
# below (boto3); an empty S3_ORIGIN_URL means no media lives there.
S3_ORIGIN_URL = env.str("S3_ORIGIN_URL", default="")
S3_MEDIA_BUCKET = env.str("S3_MEDIA_BUCKET", default="")
S3_ENDPOINT_URL = env.str("S3_ENDPOINT_URL", default="")  # empty: AWS's own endpoints
S3_REGION = env.str("S3_REGION", default="us-east-1")
S3_ACCESS_KEY_ID = env.str("S3_ACCESS_KEY_ID", default="")
S3_SECRET_ACCESS_KEY = env.str("S3_SECRET_ACCESS_KEY", default="")

# --- Playback -------------------------------------------------------------------------------

# HMAC keys for stream tokens as kid:secret, newest first; old keys verify until removed.
STREAM_SIGNING_KEYS: list[str] = env.list("STREAM_SIGNING_KEYS", default=[])
if not STREAM_SIGNING_KEYS and DEVELOPMENT:
    STREAM_SIGNING_KEYS = [
        "dev:" + hashlib.sha256(f"stream-signing:{SECRET_KEY}".encode()).hexdigest()
    ]
# The self-hosted edge fetches remote origin files up to this size (segments are a few MB).
# The public origin of the stream edge, when a CDN serves /edge/ (e.g. https://edge.example);
# empty: this portal's own host. The token audit records the URL each token opens there.
STREAM_EDGE_URL = env.str("STREAM_EDGE_URL", default="")
EDGE_MAX_BYTES = env.int("EDGE_MAX_BYTES", default=64 * 1024 * 1024)
# A token's life; a system check refuses more than 300 seconds.
STREAM_TOKEN_TTL_SECONDS = env.int("STREAM_TOKEN_TTL_SECONDS", default=240)
HEARTBEAT_INTERVAL_SECONDS = env.int("HEARTBEAT_INTERVAL_SECONDS", default=10)
# Celery beat flushes buffered progress this often; an entry is written at least every
# PROGRESS_MAX_LAG_SECONDS while a viewer watches, and at the next flush once they pause,
# leave or finish.
PROGRESS_FLUSH_SECONDS = env.int("PROGRESS_FLUSH_SECONDS", default=60)
PROGRESS_MAX_LAG_SECONDS = env.int("PROGRESS_MAX_LAG_SECONDS", default=120)
# A viewing session with no heartbeat for this long is closed automatically.
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_SECONDS", default=90)
# A title counts as finished from this fraction of its running time (the credits).
FINISHED_FRACTION = env.float("FINISHED_FRACTION", default=0.95)

CELERY_BEAT_SCHEDULE.update(
    {
        "flush-watch-progress": {
            "task": "playback.tasks.flush_watch_progress",
            "schedule": float(PROGRESS_FLUSH_SECONDS),
        },
        "close-idle-sessions": {
            "task": "playback.tasks.close_idle_sessions",
            "schedule": float(max(15, SESSION_IDLE_SECONDS // 3)),
        },
        "clear-expired-sessions": {
            "task": "accounts.tasks.clear_expired_sessions",
            "schedule": 24 * 3600.0,
        },
    }
)

# --- Media validation -------------------------------------------------------------------------

# The one fetcher (streaming_portal/infra/fetch.py): timeouts, a size cap and redirects per request.
MEDIA_FETCH_TIMEOUT_SECONDS = env.float("MEDIA_FETCH_TIMEOUT_SECONDS", default=10.0)
MEDIA_FETCH_MAX_BYTES = env.int("MEDIA_FETCH_MAX_BYTES", default=5 * 1024 * 1024)
MEDIA_FETCH_MAX_REDIRECTS = env.int("MEDIA_FETCH_MAX_REDIRECTS", default=3)
# The whole of one fetch (all redirects and the body) may take at most this long.
MEDIA_FETCH_TOTAL_SECONDS = env.float("MEDIA_FETCH_TOTAL_SECONDS", default=30.0)
# Networks admitted although private or loopback (tests and a same-machine origin only).
MEDIA_FETCH_ALLOWED_NETWORKS: list[str] = env.list("MEDIA_FETCH_ALLOWED_NETWORKS", default=[])
# An extra CA certificate file to trust (a private origin's, or the tests').
MEDIA_FETCH_CA_BUNDLE = env.str("MEDIA_FETCH_CA_BUNDLE", default="")
# A stream's length may differ from the title's by this much (or 1 %, whichever is larger):
# encoders round segment durations, and editors enter whole minutes.
MEDIA_DURATION_TOLERANCE_SECONDS = env.int("MEDIA_DURATION_TOLERANCE_SECONDS", default=60)
# Beat revalidates anything not checked for this long.
MEDIA_REVALIDATE_AFTER_HOURS = env.int("MEDIA_REVALIDATE_AFTER_HOURS", default=24)

CELERY_BEAT_SCHEDULE["revalidate-stale-media"] = {
    "task": "catalog.tasks.revalidate_stale_media",
    "schedule": 15 * 60.0,
}

# --- Operations: rate limits, health, logs (issue 7) -------------------------------------------
# Each section below is owned by one module; see docs/architecture.md.

# Rate limits
# "requests/seconds" per bucket, counted in fixed windows (docs/ratelimits.md). Viewer reads
# are keyed by session when signed in, else by client address (IPv6 by /64); admin changes by
# user id. RATELIMIT_ENABLED=false removes the middleware (the benchmark's baseline).
RATELIMIT_ENABLED = env.bool("RATELIMIT_ENABLED", default=True)
RATELIMIT_VIEWER_READ = env.str("RATELIMIT_VIEWER_READ", default="300/60")
RATELIMIT_ADMIN_MUTATION = env.str("RATELIMIT_ADMIN_MUTATION", default="60/60")
# Reverse proxies in front of gunicorn that append the client to X-Forwarded-For; with 0 the
# client is REMOTE_ADDR (a header any client can forge is never read).
RATELIMIT_TRUSTED_PROXY_COUNT = env.int("RATELIMIT_TRUSTED_PROXY_COUNT", default=0)

# Health and logs
# /readyz (streaming_portal/health.py, docs/operations.md). Its checks run side by side; each
# has this long to answer, and the Celery worker ping (information, never a failure) this long.
READYZ_CHECK_TIMEOUT_SECONDS = env.float("READYZ_CHECK_TIMEOUT_SECONDS", default=1.0)
READYZ_WORKER_PING_SECONDS = env.float("READYZ_WORKER_PING_SECONDS", default=0.5)
# Degraded when an unflushed heartbeat is older than this. A position normally waits up to
# PROGRESS_MAX_LAG_SECONDS plus one flush interval; this allows two flushes more.
READYZ_HEARTBEAT_MAX_AGE_SECONDS = env.int(
    "READYZ_HEARTBEAT_MAX_AGE_SECONDS",
    default=PROGRESS_MAX_LAG_SECONDS + 3 * PROGRESS_FLUSH_SECONDS,
)
# Degraded when a stream or caption never validated belongs to a video older than this (a
# check is queued on save, and beat queues the stale ones every 15 minutes).
READYZ_UNVALIDATED_MAX_AGE_SECONDS = env.int("READYZ_UNVALIDATED_MAX_AGE_SECONDS", default=3600)
