"""Production: deploy checks, settings from the environment, security headers, the compose
file, and — on PostgreSQL — the real start-up sequence under gunicorn and a backup restored
into an empty database.

The start-up and backup tests run the project's own commands in subprocesses against
throw-away databases (unique names, dropped afterwards) on the PostgreSQL server the suite
runs on; they are skipped on SQLite.
"""

from __future__ import annotations

import contextlib
import fnmatch
import http.client
import io
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
needs_postgres = pytest.mark.skipif(
    not ON_POSTGRES, reason="needs PostgreSQL: run with DATABASE_URL=postgres://…"
)


def clean_env(**values: str) -> dict[str, str]:
    """This process's environment without any project setting, plus `values`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "GUNICORN_", "AXES_", "DATABASE_", "WARD_REPORT_"))
        and key != "REDIS_URL"
    }
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["DJANGO_SETTINGS_MODULE"] = "ward_report.settings"
    env.update(values)
    return env


def production_env(**values: str) -> dict[str, str]:
    production = {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "baocao.example.vn",
    }
    return clean_env(**(production | values))


def manage(*args: str, env: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


SHOW_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "DEBUG": s.DEBUG,
    "ENGINE": s.DATABASES["default"]["ENGINE"],
    "ALLOWED_HOSTS": s.ALLOWED_HOSTS,
    "CSRF_TRUSTED_ORIGINS": s.CSRF_TRUSTED_ORIGINS,
    "SECURE_SSL_REDIRECT": s.SECURE_SSL_REDIRECT,
    "SECURE_PROXY_SSL_HEADER": s.SECURE_PROXY_SSL_HEADER,
    "SECURE_HSTS_SECONDS": s.SECURE_HSTS_SECONDS,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": s.SECURE_HSTS_INCLUDE_SUBDOMAINS,
    "SECURE_HSTS_PRELOAD": s.SECURE_HSTS_PRELOAD,
    "SESSION_COOKIE_SECURE": s.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": s.CSRF_COOKIE_SECURE,
    "STATICFILES_STORAGE": s.STORAGES["staticfiles"]["BACKEND"],
    "AXES_FAILURE_LIMIT": s.AXES_FAILURE_LIMIT,
    "AXES_COOLOFF_MINUTES": s.AXES_COOLOFF_TIME.total_seconds() / 60,
    "AXES_ADDRESS_USERNAME_LIMIT": s.AXES_ADDRESS_USERNAME_LIMIT,
    "TRUSTED_PROXIES": s.TRUSTED_PROXIES,
    "SESSION_COOKIE_AGE": s.SESSION_COOKIE_AGE,
    "SESSION_SAVE_EVERY_REQUEST": s.SESSION_SAVE_EVERY_REQUEST,
    "WARD_REPORT_SESSION_REFRESH_SECONDS": s.WARD_REPORT_SESSION_REFRESH_SECONDS,
    "LOGIN_RECORDS_RETENTION_DAYS": s.LOGIN_RECORDS_RETENTION_DAYS,
    "CACHE_BACKEND": s.CACHES["default"]["BACKEND"],
    "CACHE_LOCATION": s.CACHES["default"].get("LOCATION"),
    "SESSION_ENGINE": s.SESSION_ENGINE,
    "DATABASES": sorted(s.DATABASES),
    "DATABASE_ROUTERS": s.DATABASE_ROUTERS,
}))
"""


def show_settings(env: dict[str, str]) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", SHOW_SETTINGS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# --- manage.py check --deploy -------------------------------------------------------------------


def test_deploy_check_passes_with_only_a_secret_key_and_the_hosts():
    env = production_env()
    del env["DJANGO_DEBUG"]  # off by default
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    # The two silenced are HSTS includeSubDomains and preload, opt-in (see the next test).
    assert "System check identified no issues (2 silenced)." in result.stdout


def test_deploy_check_silences_nothing_once_hsts_subdomains_and_preload_are_opted_in():
    env = production_env(
        DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS="true", DJANGO_SECURE_HSTS_PRELOAD="true"
    )
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_deploy_check_fails_on_the_development_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=clean_env(DJANGO_DEBUG="1"))
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W018"):
        assert warning in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["DJANGO_SECRET_KEY"]
    result = manage("check", "--deploy", env=env)
    assert result.returncode != 0
    assert "ImproperlyConfigured: DJANGO_SECRET_KEY must be set" in result.stderr


# --- settings from the environment --------------------------------------------------------------


def test_with_nothing_set_the_app_refuses_to_start_without_a_secret_key():
    result = manage("check", env=clean_env())
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is false" in result.stderr


def test_the_development_key_is_refused_without_debug():
    key = "dev-only-insecure-key-do-not-use-in-production"
    result = manage("check", env=production_env(DJANGO_SECRET_KEY=key))
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is the development key" in result.stderr


def test_debug_on_gets_sqlite_the_development_key_and_plain_http():
    shown = show_settings(clean_env(DJANGO_DEBUG="1"))
    assert shown["DEBUG"] is True
    assert shown["ENGINE"] == "django.db.backends.sqlite3"
    assert shown["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost", "[::1]"]
    assert (shown["SECURE_SSL_REDIRECT"], shown["SECURE_HSTS_SECONDS"]) == (False, 0)
    assert (shown["SESSION_COOKIE_SECURE"], shown["CSRF_COOKIE_SECURE"]) == (False, False)
    assert shown["STATICFILES_STORAGE"] == "django.contrib.staticfiles.storage.StaticFilesStorage"


def test_production_defaults_turn_every_protection_on():
    shown = show_settings(production_env(DATABASE_URL=""))
    assert shown["DEBUG"] is False
    assert shown["ENGINE"] == "django.db.backends.sqlite3"  # an empty DATABASE_URL is unset
    assert shown["SECURE_SSL_REDIRECT"] is True
    assert shown["SECURE_PROXY_SSL_HEADER"] is None
    assert shown["SECURE_HSTS_SECONDS"] == 31_536_000
    # Opt-in: a ward's site is usually a subdomain of the province's.
    assert shown["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False
    assert shown["SECURE_HSTS_PRELOAD"] is False
    assert (shown["SESSION_COOKIE_SECURE"], shown["CSRF_COOKIE_SECURE"]) == (True, True)
    assert shown["STATICFILES_STORAGE"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert (shown["AXES_FAILURE_LIMIT"], shown["AXES_COOLOFF_MINUTES"]) == (5, 15)
    assert (shown["AXES_ADDRESS_USERNAME_LIMIT"], shown["TRUSTED_PROXIES"]) == (10, 1)
    assert shown["SESSION_COOKIE_AGE"] == 8 * 60 * 60  # idle for a working day
    # extended by a request at most once a minute (SessionRefreshMiddleware), not on each one
    assert shown["SESSION_SAVE_EVERY_REQUEST"] is False
    assert shown["WARD_REPORT_SESSION_REFRESH_SECONDS"] == 60
    assert shown["LOGIN_RECORDS_RETENTION_DAYS"] == 90
    # Nothing to install: this process's memory as the cache, sessions in the database, and
    # no read replica.
    assert shown["CACHE_BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert shown["SESSION_ENGINE"] == "indicators.sessions"
    assert (shown["DATABASES"], shown["DATABASE_ROUTERS"]) == (["default"], [])


def test_each_production_knob_is_read_from_its_variable():
    shown = show_settings(
        production_env(
            DJANGO_ALLOWED_HOSTS="baocao.example.vn, 10.1.2.3",
            DJANGO_CSRF_TRUSTED_ORIGINS="https://baocao.example.vn",
            DJANGO_BEHIND_PROXY="true",
            DJANGO_SECURE_SSL_REDIRECT="false",
            DJANGO_SECURE_HSTS_SECONDS="3600",
            DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS="true",
            DJANGO_SECURE_HSTS_PRELOAD="true",
            DJANGO_AXES_FAILURE_LIMIT="7",
            DJANGO_AXES_COOLOFF_MINUTES="30",
            DJANGO_AXES_ADDRESS_USERNAME_LIMIT="4",
            DJANGO_TRUSTED_PROXIES="2",
            DJANGO_SESSION_IDLE_MINUTES="30",
            DJANGO_LOGIN_RECORDS_RETENTION_DAYS="30",
            REDIS_URL="redis://127.0.0.1:6379/3",
            DATABASE_URL="postgres://ward@db-primary:5432/ward",
            DATABASE_REPLICA_URL="postgres://ward@db-replica:5432/ward",
        )
    )
    assert shown["ALLOWED_HOSTS"] == ["baocao.example.vn", "10.1.2.3"]
    assert shown["CSRF_TRUSTED_ORIGINS"] == ["https://baocao.example.vn"]
    assert shown["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert shown["SECURE_SSL_REDIRECT"] is False
    assert (shown["SECURE_HSTS_SECONDS"], shown["SECURE_HSTS_PRELOAD"]) == (3600, True)
    assert shown["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert (shown["AXES_FAILURE_LIMIT"], shown["AXES_COOLOFF_MINUTES"]) == (7, 30)
    assert (shown["AXES_ADDRESS_USERNAME_LIMIT"], shown["TRUSTED_PROXIES"]) == (4, 2)
    assert shown["SESSION_COOKIE_AGE"] == 30 * 60
    assert shown["LOGIN_RECORDS_RETENTION_DAYS"] == 30
    # Redis shared by every replica; sessions read from it first, kept in the database.
    assert shown["CACHE_BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert shown["CACHE_LOCATION"] == "redis://127.0.0.1:6379/3"
    assert shown["SESSION_ENGINE"] == "django.contrib.sessions.backends.cached_db"
    assert shown["DATABASES"] == ["default", "replica"]
    assert shown["DATABASE_ROUTERS"] == ["indicators.replica.ReplicaRouter"]


def test_a_malformed_number_is_refused_with_the_variable_named():
    result = manage("check", env=production_env(DJANGO_SECURE_HSTS_SECONDS="a year"))
    assert result.returncode != 0
    assert "DJANGO_SECURE_HSTS_SECONDS must be a whole number, not 'a year'" in result.stderr


def variables_read_by_the_project() -> set[str]:
    settings_source = (ROOT / "ward_report" / "settings.py").read_text()
    app_sources = [path.read_text() for path in (ROOT / "indicators").rglob("*.py")]
    python_sources = [settings_source, *app_sources]
    names = set()
    for source in python_sources:
        names |= set(re.findall(r'env_(?:bool|list|int)\(\s*"([A-Z0-9_]+)"', source))
        names |= set(re.findall(r'os\.environ\.get\(\s*"([A-Z0-9_]+)"', source))
    for path in ("scripts/docker-entrypoint", "docker-compose.yml"):
        names |= set(re.findall(r"(?<!\$)\$\{([A-Z0-9_]+)", (ROOT / path).read_text()))
    return names


def test_env_example_documents_every_variable_the_project_reads():
    names = variables_read_by_the_project()
    assert {"DATABASE_URL", "DJANGO_SECRET_KEY", "DJANGO_AXES_FAILURE_LIMIT", "GUNICORN_BIND"} <= (
        names
    )
    example = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^(?:# )?([A-Z0-9_]+)=", example, flags=re.MULTILINE))
    assert names - documented == set()


def test_env_example_holds_no_secret_and_env_files_stay_out_of_git_and_the_image():
    example = (ROOT / ".env.example").read_text()
    assert re.search(r"^DJANGO_SECRET_KEY=$", example, flags=re.MULTILINE)
    assert re.search(r"^POSTGRES_PASSWORD=$", example, flags=re.MULTILINE)
    assert ".env" in (ROOT / ".gitignore").read_text().split()
    assert ".env" in (ROOT / ".dockerignore").read_text().split()


# --- security headers and the content security policy --------------------------------------------


def csp_directives(header: str) -> dict[str, list[str]]:
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in parts}


def test_every_response_carries_the_security_headers(client, db):
    response = client.get(resolve_url(settings.LOGIN_URL))
    assert response.status_code == 200
    policy = csp_directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no inline script, no eval, no other host
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]  # plotly.js adds a <style>
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


class ScriptCollector(HTMLParser):
    """The <script> tags of a page and any on…= event-handler attributes."""

    def __init__(self):
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.scripts.append(dict(attrs))
        self.handlers += [f"{tag} {name}" for name, _ in attrs if name.startswith("on")]


def inline_scripts(html: str) -> list[str]:
    collector = ScriptCollector()
    collector.feed(html)
    inline = [
        str(attrs)
        for attrs in collector.scripts
        if not attrs.get("src") and attrs.get("type") != "application/json"
    ]
    return inline + collector.handlers


def pages_to_render() -> list[str]:
    pages = [reverse("admin:index")]
    demo_arguments = {
        "home": {},
        "period-summary": {"unit_code": "chanh-lo", "year": 2023, "period_key": "9m"},
        "indicator-detail": {
            "unit_code": "chanh-lo",
            "year": 2023,
            "period_key": "9m",
            "indicator_code": "thu-ngan-sach",
        },
    }
    for name, kwargs in demo_arguments.items():
        with contextlib.suppress(Exception):
            pages.append(reverse(name, kwargs=kwargs))
    return pages


def test_the_login_page_has_no_inline_script_the_policy_would_block(client, db):
    response = client.get(resolve_url(settings.LOGIN_URL))
    assert response.status_code == 200
    assert inline_scripts(response.content.decode()) == []


@pytest.mark.parametrize("path", pages_to_render())
def test_pages_have_no_inline_script_the_policy_would_block(demo, staff_client, path):
    response = staff_client.get(path, follow=True)
    assert response.status_code == 200
    assert inline_scripts(response.content.decode()) == []


# --- docker-compose.yml ------------------------------------------------------------------------


def compose_config(tmp_path: Path, **values: str) -> subprocess.CompletedProcess:
    """`docker-compose config` on a copy of the project's compose file, .env from the example."""
    for name in ("docker-compose.yml", "Dockerfile"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    return subprocess.run(
        ["docker-compose", "config"],
        cwd=tmp_path,
        env=clean_env(**values),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.skipif(not shutil.which("docker-compose"), reason="docker-compose is not installed")
def test_compose_file_is_valid_and_starts_the_app_after_a_healthy_database(tmp_path):
    result = compose_config(tmp_path, POSTGRES_PASSWORD="only-for-this-check")
    assert result.returncode == 0, result.stderr
    config = result.stdout
    assert "condition: service_healthy" in config
    assert "pg_isready" in config
    assert "pgdata:/var/lib/postgresql/data" in config
    assert "DATABASE_URL: postgres://ward:only-for-this-check@db:5432/ward" in config
    assert "127.0.0.1:8000:8000" in config


@pytest.mark.skipif(not shutil.which("docker-compose"), reason="docker-compose is not installed")
def test_compose_runs_replicas_behind_a_proxy_with_redis_a_worker_and_one_migration(tmp_path):
    import yaml

    result = compose_config(tmp_path, POSTGRES_PASSWORD="only-for-this-check")
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    assert set(services) == {"proxy", "app", "worker", "migrate", "redis", "db"}
    app, worker, migrate = services["app"], services["worker"], services["migrate"]
    assert app["deploy"]["replicas"] == 2
    assert "ports" not in app  # reached through the proxy only
    assert "127.0.0.1:8000:8000" in str(services["proxy"]["ports"])
    assert "/deploy/nginx.conf" in str(services["proxy"]["volumes"])
    for shared in (app, worker, migrate):
        assert shared["image"] == "ward-report:latest"
        assert shared["environment"]["REDIS_URL"] == "redis://redis:6379/0"
        assert shared["environment"]["WARD_REPORT_IMPORT_RUNNER"] == "worker"
    assert migrate["entrypoint"] == ["python", "manage.py", "migrate", "--noinput"]
    assert worker["entrypoint"] == ["python", "manage.py", "run_import_jobs"]
    # The replicas do not migrate: the migrate service did, once, before they start.
    assert app["environment"]["DJANGO_MIGRATE_ON_START"] == "false"
    ran_first = app["depends_on"]["migrate"]["condition"]
    assert ran_first == "service_completed_successfully"
    assert app["depends_on"]["redis"]["condition"] == "service_healthy"
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "server app:8000;" in nginx and "proxy_pass http://ward_app;" in nginx


@pytest.mark.skipif(not shutil.which("docker-compose"), reason="docker-compose is not installed")
def test_compose_refuses_to_run_without_a_database_password(tmp_path):
    result = compose_config(tmp_path)
    assert result.returncode != 0
    assert "set POSTGRES_PASSWORD in .env" in result.stderr


# --- the image ----------------------------------------------------------------------------------


def ignored_by_docker(path: str, patterns: list[str]) -> bool:
    """Whether .dockerignore leaves `path` (or a folder above it) out of the build context."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    candidates = [pattern.removeprefix("**/") for pattern in patterns] + patterns
    return any(fnmatch.fnmatch(prefix, pattern) for prefix in prefixes for pattern in candidates)


def test_the_image_gets_everything_the_app_needs_and_no_local_state():
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    needed = [
        "pyproject.toml",
        "README.md",
        "manage.py",
        "ward_report/settings.py",
        "indicators/models.py",
        "indicators/migrations/0001_initial.py",
        "indicators/data/catalogue.json",
        "templates/base.html",
        "static/css/site.css",
        "scripts/docker-entrypoint",
    ]
    assert [path for path in needed if ignored_by_docker(path, patterns)] == []
    local = [".env", ".venv/bin/python", "db.sqlite3", "staticfiles/admin/css/base.css", ".git"]
    assert [path for path in local if not ignored_by_docker(path, patterns)] == []


def test_the_image_starts_with_the_entrypoint_the_start_up_test_runs():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["/app/scripts/docker-entrypoint"]' in dockerfile
    assert re.search(r"^USER (?!root)\w+", dockerfile, flags=re.MULTILINE)
    assert os.access(ROOT / "scripts" / "docker-entrypoint", os.X_OK)


# --- PostgreSQL: throw-away databases -------------------------------------------------------


def server_url(database: str) -> str:
    db = settings.DATABASES["default"]
    user = quote(db.get("USER") or "postgres", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{database}"


def run_on_server(sql: str) -> None:
    import psycopg

    with psycopg.connect(server_url("postgres"), autocommit=True) as connection:
        connection.execute(sql)


@contextlib.contextmanager
def throwaway_database(purpose: str):
    """A new empty database with a unique name; dropped on the way out, whatever happened."""
    name = f"ward_{purpose}_{uuid.uuid4().hex[:12]}"
    run_on_server(f'CREATE DATABASE "{name}"')
    try:
        yield server_url(name)
    finally:
        run_on_server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def checked(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def prepare_demo_database(url: str, *, password: str) -> dict[str, str]:
    """migrate, load the demo and add a superuser, as an operator would; returns the env."""
    env = production_env(DATABASE_URL=url, DJANGO_SUPERUSER_PASSWORD=password)
    checked(manage("migrate", "--noinput", env=env))
    checked(manage("load_demo", env=env))
    checked(
        manage(
            "createsuperuser", "--noinput", "--username", "quantri", "--email", "qt@example.vn",
            env=env,
        )
    )  # fmt: skip
    return env


CALL_API = """
import django
django.setup()
from django.contrib.auth import get_user_model
from django.test import Client
client = Client()
client.force_login(get_user_model().objects.get(username="quantri"))
response = client.get("/api/units/chanh-lo/2023/9m/", secure=True)
assert response.status_code == 200, response.status_code
print(response.content.decode())
"""


def api_summary(url: str) -> dict:
    env = production_env(DATABASE_URL=url, DJANGO_ALLOWED_HOSTS="testserver")
    result = checked(
        subprocess.run(
            [sys.executable, "-c", CALL_API],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    )
    return json.loads(result.stdout)


def revenue(summary: dict) -> dict:
    return next(row for row in summary["indicators"] if row["code"] == "thu-ngan-sach")


@needs_postgres
@pytest.mark.skipif(
    not (shutil.which("pg_dump") and shutil.which("pg_restore")),
    reason="pg_dump and pg_restore are not installed",
)
def test_a_dump_restored_into_an_empty_database_gives_the_same_api_numbers(tmp_path):
    dump = tmp_path / "ward.dump"
    with throwaway_database("backup") as source, throwaway_database("restore") as restored:
        prepare_demo_database(source, password=secrets.token_urlsafe(16))
        before = api_summary(source)
        # The commands of README "Backup and restore", against these two databases.
        checked(
            subprocess.run(
                ["pg_dump", "-Fc", "--file", str(dump), "--dbname", source],
                capture_output=True,
                text=True,
                timeout=300,
            )
        )
        checked(
            subprocess.run(
                ["pg_restore", "--no-owner", "--exit-on-error", "--dbname", restored, str(dump)],
                capture_output=True,
                text=True,
                timeout=300,
            )
        )
        after = api_summary(restored)
    assert after == before
    assert revenue(after)["actual"] == "6021447000"
    assert revenue(after)["targets"][0]["percent"] == "86.70190064794816414686825054"
    petitions = next(row for row in after["indicators"] if row["code"] == "don-thu-giai-quyet")
    assert (petitions["numerator"], petitions["denominator"]) == ("49", "69")


# --- PostgreSQL: the real start-up sequence under gunicorn -----------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """Plain HTTP to gunicorn on the loopback; `proxied` adds what an HTTPS proxy would send."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method, path, *, proxied=True, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
        if proxied:
            sent["X-Forwarded-Proto"] = "https"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response, content

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)


def wait_until_healthy(server: Server, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the entrypoint stopped ({process.returncode}):\n{log.read_text()}")
        with contextlib.suppress(OSError):
            response, _ = server.get("/health/", proxied=False)
            if response.status == 200:
                return
        time.sleep(0.5)
    pytest.fail(f"gunicorn did not answer /health/ in time:\n{log.read_text()}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def served_env(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """`env` for gunicorn on the loopback behind a (pretended) HTTPS proxy, with the static
    files collected as the image's build does."""
    env = env | {
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "DJANGO_BEHIND_PROXY": "true",
    }
    checked(manage("collectstatic", "--noinput", env=env))
    return env


@contextlib.contextmanager
def gunicorn(env: dict[str, str], log: Path, *, workers: int = 1):
    """The image's entrypoint (migrate, then gunicorn) on a free port of the loopback, until
    the block ends; yields the :class:`Server`, whose ``process`` is the entrypoint's."""
    port = free_port()
    env = env | {"GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(workers)}
    with log.open("w") as output:
        process = subprocess.Popen(
            [str(ROOT / "scripts" / "docker-entrypoint")],
            cwd=log.parent,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(port)
    server.process = process
    try:
        wait_until_healthy(server, process, log)
        yield server
    finally:
        stop(process)


def hashed_name(static_root: Path, name: str) -> str:
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    return manifest["paths"][name]


@needs_postgres
def test_gunicorn_serves_the_dashboard_from_postgresql_with_static_files(tmp_path):
    log = tmp_path / "gunicorn.log"
    password = secrets.token_urlsafe(16)
    with throwaway_database("startup") as url:
        env = served_env(prepare_demo_database(url, password=password), tmp_path)
        # As the image starts: the entrypoint.
        with gunicorn(env, log, workers=2) as server:
            check_the_running_server(server, tmp_path / "static", password)
    assert server.process.returncode == 0, log.read_text()  # a clean shutdown on SIGTERM


def log_in(server: Server, login_page: bytes, password: str) -> None:
    """Log in as the demo's administrator through the real form (CSRF and django-axes)."""
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', login_page)
    origin = f"https://127.0.0.1:{server.port}"
    form = f"csrfmiddlewaretoken={token.group(1).decode()}&username=quantri"
    form += f"&password={quote(password)}&next=/"
    response, _ = server.request(
        "POST",
        "/admin/login/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": origin,
            "Referer": f"{origin}/admin/login/",
        },
    )
    assert response.status == 302, "login refused"
    assert response.headers["Location"] == "/"


def check_the_running_server(server: Server, static_root: Path, password: str) -> None:
    response, body = server.get("/health/")
    assert (response.status, json.loads(body)) == (200, {"status": "ok"})

    # Plain HTTP (no proxy in front) is sent to HTTPS.
    response, _ = server.get("/admin/login/", proxied=False)
    assert response.status == 301
    assert response.headers["Location"] == f"https://127.0.0.1:{server.port}/admin/login/"

    # An anonymous visitor is sent to the login page, which answers with every header.
    response, _ = server.get("/")
    assert response.status == 302
    assert response.headers["Location"] == "/admin/login/?next=/"
    response, body = server.get("/admin/login/?next=/")
    assert response.status == 200
    policy = csp_directives(response.headers["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Secure" in str(response.headers.get_all("Set-Cookie"))

    # The page links the hashed, compressed static files WhiteNoise serves.
    admin_css = hashed_name(static_root, "admin/css/base.css")
    assert f"/static/{admin_css}" in body.decode()
    response, css = server.get(f"/static/{admin_css}", headers={"Accept-Encoding": "gzip"})
    assert response.status == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "immutable" in response.headers["Cache-Control"]
    plotly = sorted(p.name for p in (ROOT / "static" / "vendor").glob("plotly-*.min.js"))
    for name in plotly:
        response, script = server.get(f"/static/{hashed_name(static_root, f'vendor/{name}')}")
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/javascript")
        assert len(script) > 1_000_000

    # Log in through the real form (CSRF and django-axes in the way), then read the numbers.
    log_in(server, body, password)
    response, body = server.get("/api/units/chanh-lo/2023/9m/")
    assert response.status == 200
    assert revenue(json.loads(body))["actual"] == "6021447000"
    response, body = server.get("/units/chanh-lo/2023/9m/")
    assert response.status == 200
    assert "6.021.447.000" in body.decode()


@needs_postgres
def test_an_upload_of_200001_rows_gets_its_answer_from_gunicorn_before_the_worker_timeout(
    tmp_path,
):
    """The reproduction of an upload that ended in gunicorn's 30 s worker timeout (HTTP 500):
    the rows are counted as they are read, and the answer comes in seconds."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("figures")
    sheet.append(["unit", "indicator", "year", "month", "value"])
    for number in range(200_001):
        sheet.append(["chanh-lo", "thu-ngan-sach", 2023, 1, number])
    workbook = io.BytesIO()
    book.save(workbook)
    log = tmp_path / "gunicorn.log"
    password = secrets.token_urlsafe(16)
    with throwaway_database("upload") as url:
        env = served_env(prepare_demo_database(url, password=password), tmp_path)
        with gunicorn(env, log) as server:
            _, login_page = server.get("/admin/login/?next=/")
            log_in(server, login_page, password)
            started = time.monotonic()
            response, answer = post_upload(server, workbook.getvalue(), "lon.xlsx")
            seconds = time.monotonic() - started
    print(f"\n200,001 rows answered by gunicorn in {seconds:.1f} s")
    assert response.status == 200, log.read_text()
    assert "Tệp có hơn 200000 dòng số liệu" in answer.decode()


def csrf_token(page: bytes) -> str:
    return re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()


def post_form(server: Server, path: str, fields: dict[str, str] | list[tuple[str, str]]):
    """POST a form as the browser would from `path`'s own page (same-origin headers)."""
    from urllib.parse import urlencode

    origin = f"https://127.0.0.1:{server.port}"
    return server.request(
        "POST",
        path,
        body=urlencode(fields),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": origin,
            "Referer": f"{origin}{path}",
        },
    )


def post_upload(server: Server, content: bytes, name: str):
    """The admin's import form: the workbook `content` as the file `name`."""
    _, page = server.get("/admin/indicators/import/")
    boundary = "----ward-report-test"
    body = b"".join(
        [
            f"--{boundary}\r\n".encode(),
            b'Content-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n',
            csrf_token(page).encode() + b"\r\n",
            f"--{boundary}\r\n".encode(),
            f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'.encode(),
            b"Content-Type: application/octet-stream\r\n\r\n",
            content,
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    origin = f"https://127.0.0.1:{server.port}"
    return server.request(
        "POST",
        "/admin/indicators/import/",
        body=body,
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Origin": origin,
            "Referer": f"{origin}/admin/indicators/import/",
        },
    )
