"""Settings for the ward reporting dashboard.

Every value that differs between a developer's laptop and a production server comes from an
environment variable. The defaults are those of production (DEBUG off, every protection on);
development turns DEBUG on with DJANGO_DEBUG=1, as `make run` does.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


# Off unless asked for: a server started without the variable must not show tracebacks.
DEBUG = env_bool("DJANGO_DEBUG", False)

DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "").strip()
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is false")
    SECRET_KEY = DEVELOPMENT_SECRET_KEY
elif SECRET_KEY == DEVELOPMENT_SECRET_KEY and not DEBUG:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY is the development key: set a secret one")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
# Full origins with scheme ("https://baocao.example.vn"): needed when the public address differs
# from the Host header the app sees (a proxy on another port or name).
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tables2",
    "indicators.apps.AxesConfig",  # django-axes, with a Vietnamese name
    "csp",
    "simple_history",
    "indicators",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "indicators.middleware.SessionRefreshMiddleware",
    "indicators.middleware.VietnameseFirstMiddleware",
    "indicators.middleware.UnitTreeMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every view needs a login unless marked @login_not_required (login page, /health/, API).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # With DATABASE_REPLICA_URL: which reads may go to the read replica (after the session).
    "indicators.replica.ReplicaReadsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Records who made each change in the audit trail (django-simple-history).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ward_report.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "ward_report.wsgi.application"

# An empty DATABASE_URL (as left by `export DATABASE_URL=`) means "not set": use SQLite.
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)
    if DATABASE_URL
    else {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Write-ahead log: pages keep reading while an import job writes (SQLite otherwise locks
    # readers out of the file during a long write, and their requests fail).
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL;"

# A PostgreSQL read replica (streaming replication), off unless set: the dashboard's pages, API
# and exports read from it, everything else (writes, the admin, the entry grid, imports, locks,
# logins and sessions) uses the primary; the user who just saved reads from the primary for
# DATABASE_REPLICA_PIN_SECONDS (indicators/replica.py, README "Deployment"). In tests the
# replica is the default database itself (TEST MIRROR).
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "").strip()
DATABASE_REPLICA_PIN_SECONDS = env_int("DATABASE_REPLICA_PIN_SECONDS", 30)
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["indicators.replica.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# django-axes first: it refuses a locked-out login before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "indicators.backends.ModelBackend",  # Django's, reading the signed-in user with one SELECT
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]  # before every app's: ours override third-party texts
# One form for dates and times in Vietnamese ("14:29 ngày 01/12/2026"): indicators/formats/vi.
FORMAT_MODULE_PATH = ["indicators.formats"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", "").strip() or BASE_DIR / "staticfiles")
# WhiteNoise serves static files from the app server. Hashed, compressed files only in
# production (they need `collectstatic`); development and tests read the source folders.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "/"

DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5-responsive.html"

# --- Production security -------------------------------------------------------------------
# The defaults follow DJANGO_DEBUG: off for development, on for production, so that
# `manage.py check --deploy` passes with only DJANGO_DEBUG, DJANGO_SECRET_KEY and
# DJANGO_ALLOWED_HOSTS set.

# Behind a reverse proxy that terminates HTTPS, the app sees plain HTTP: trust the proxy's
# X-Forwarded-Proto. Only when the app is reachable through that proxy alone, or any client
# could claim to be on HTTPS.
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies in a row append to X-Forwarded-For (nginx's
# $proxy_add_x_forwarded_for); the client is that many entries from the right. Read only when
# DJANGO_BEHIND_PROXY is true (indicators.logins.client_address).
TRUSTED_PROXIES = env_int("DJANGO_TRUSTED_PROXIES", 1)

SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
# A health probe may come over plain HTTP from inside the host or cluster.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
# Opt-in: a ward's site is usually a subdomain of the province's (phuong.tinh.gov.vn), and
# includeSubDomains or preload there would bind hosts the ward does not run. Their deploy
# warnings are silenced while they are off, since that is a decision, not an oversight.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [
    *([] if SECURE_HSTS_INCLUDE_SUBDOMAINS else ["security.W005"]),
    *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SECURE = not DEBUG
X_FRAME_OPTIONS = "DENY"

# Sessions end after DJANGO_SESSION_IDLE_MINUTES without a request (8 hours: a working day);
# every request pushes the end back. `manage.py purge_expired` deletes ended sessions.
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_IDLE_MINUTES", 8 * 60) * 60
# The idle timeout is extended by a signed-in request at most once a minute
# (indicators.middleware.SessionRefreshMiddleware), not by a session write per request.
SESSION_SAVE_EVERY_REQUEST = False
WARD_REPORT_SESSION_REFRESH_SECONDS = env_int("WARD_REPORT_SESSION_REFRESH_SECONDS", 60)


def _caches_from_env() -> dict:
    """REDIS_URL (or CACHE_URL) set: Redis, shared by every app replica. Unset: this process's
    memory, which needs nothing installed (development, tests, a single server).

    Summaries, pages, exports and the unit tree are cached under keys built from versions
    read from the database (indicators/freshness.py), so either backend is correct."""
    url = (os.environ.get("REDIS_URL") or os.environ.get("CACHE_URL") or "").strip()
    if url:
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": url,
                "KEY_PREFIX": "ward-report",
            }
        }
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "ward-report",
            # Totals are kept per unit: a country's 3.300 communes keep a few entries each per
            # period, so a national deployment wants more than Django's 300 (or Redis).
            "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("DJANGO_CACHE_MAX_ENTRIES", "20000"))},
        }
    }


CACHES = _caches_from_env()
# Sessions always live in the database, so any replica reads any session; with Redis as the
# cache they are read from it first ("cached_db": the database stays the record).
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if CACHES["default"]["BACKEND"].endswith("RedisCache")
    else "indicators.sessions"  # Django's database store, reading the row with one SELECT
)

# Content-Security-Policy (django-csp 4 format). Scripts only from our own static files: no
# inline script anywhere, data for charts goes through json_script. style-src allows inline
# styles because plotly.js adds its modebar and hover rules in a <style> element it creates:
# with plotly.js 4.1.1 under style-src 'self' the charts still draw, but every such rule is
# refused and the modebar falls apart. No directive needs 'unsafe-eval'.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Failed logins (django-axes): after DJANGO_AXES_FAILURE_LIMIT wrong passwords for one user
# from one address, that pair is refused for DJANGO_AXES_COOLOFF_MINUTES. By user and address
# together, so a ward office behind one shared address is not locked out by one person. An
# address that failed for DJANGO_AXES_ADDRESS_USERNAME_LIMIT different usernames within the
# cool-off is refused for every username (one password tried over many accounts).
# The address is the connection's own (REMOTE_ADDR); with DJANGO_BEHIND_PROXY it is the one the
# trusted proxies forwarded (indicators.logins.client_address), never an entry a client wrote.
AXES_FAILURE_LIMIT = env_int("DJANGO_AXES_FAILURE_LIMIT", 5)
AXES_ADDRESS_USERNAME_LIMIT = env_int("DJANGO_AXES_ADDRESS_USERNAME_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("DJANGO_AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "indicators.logins.LoginThrottle"
AXES_CLIENT_IP_CALLABLE = "indicators.logins.client_address"
# Login records hold usernames, addresses and user agents: personal data (Decree
# 13/2023/NĐ-CP), kept DJANGO_LOGIN_RECORDS_RETENTION_DAYS and then deleted by
# `manage.py purge_expired`.
LOGIN_RECORDS_RETENTION_DAYS = env_int("DJANGO_LOGIN_RECORDS_RETENTION_DAYS", 90)
AXES_COOLOFF_MESSAGE = _(
    "Đăng nhập sai quá nhiều lần. Tài khoản tạm bị khoá, vui lòng thử lại sau."
)

# Errors and warnings to standard error, where gunicorn and docker collect them.
LOG_LEVEL = os.environ.get("DJANGO_LOG_LEVEL", "").strip().upper() or "WARNING"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False}},
}

# By default a month is approved by someone other than the person who submitted it (four
# eyes); a one-person office sets WARD_REPORT_SINGLE_PERSON_APPROVAL=true.
WARD_REPORT_SINGLE_PERSON_APPROVAL = env_bool("WARD_REPORT_SINGLE_PERSON_APPROVAL", False)

# Workbook uploads waiting for their confirmation or their background job are rows of the
# database (indicators.models.PendingUpload), never files on one server's disk: any replica
# may serve the next step. Large imports run outside the request: in a thread of the web
# process ("thread", the default: nothing else to start, `make run` included) or by
# `manage.py run_import_jobs` ("worker": a separate service, as many as wanted; a restart of
# the web process then loses no job).
WARD_REPORT_IMPORT_RUNNER = os.environ.get("WARD_REPORT_IMPORT_RUNNER") or "thread"
