"""Settings of the django-tenants peer: a production-style deployment, configured from the
environment (DATABASE_URL), serving one read-only API over Comply360's schema-mode agencies."""
import os
from urllib.parse import parse_qsl, unquote, urlsplit


def database_from_url(url):
    """postgres://user:pass@host:port/db?opt=v -> a Django DATABASES entry (no extra dependency
    such as dj-database-url, to keep the pinned set small). `?host=/dir` selects a Unix socket."""
    u = urlsplit(url)
    if u.scheme not in ("postgres", "postgresql"):
        raise ValueError(f"DATABASE_URL must be postgres://..., not {u.scheme}://")
    options = dict(parse_qsl(u.query))
    host = options.pop("host", None) or (unquote(u.hostname) if u.hostname else "")
    return {
        # django-tenants' backend: sets search_path to "<tenant schema>, public" for each request.
        "ENGINE": "django_tenants.postgresql_backend",
        "NAME": unquote(u.path.lstrip("/")) or "postgres",
        "USER": unquote(u.username or ""),
        "PASSWORD": unquote(u.password or ""),
        "HOST": host,
        "PORT": str(u.port or ""),
        # Persistent connections, as a production deployment runs: one per gunicorn worker,
        # reused across requests for 10 minutes. No CONN_HEALTH_CHECKS: they would add a
        # round trip per request, and the benchmark's database does not go away under us.
        "CONN_MAX_AGE": int(os.environ.get("DJANGO_CONN_MAX_AGE", "600")),
        "CONN_HEALTH_CHECKS": False,
        "OPTIONS": options,
    }


BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Benchmark-only default; nothing here signs anything that outlives a run (DRF tokens are
# random keys stored in the database, not signed with this).
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "comply360-bench-peer-not-a-secret-only-for-loopback-benchmarks-x7q2")
DEBUG = False
# <slug>.localhost is how the benchmark addresses a tenant, as django-tenants resolves it.
ALLOWED_HOSTS = [".localhost", "localhost", "127.0.0.1"]

# django-tenants: these live in the public schema only ...
SHARED_APPS = [
    "django_tenants",  # must come first
    "agencies",  # tenant + domain models, and the users (each belonging to one agency)
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework",
    "rest_framework.authtoken",
]
# ... and these are read through each tenant's schema. `clients` is unmanaged: its table
# is Comply360's own `clients`, which django-tenants must never create or migrate.
TENANT_APPS = [
    "clients",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "agencies.Agency"
TENANT_DOMAIN_MODEL = "agencies.Domain"
AUTH_USER_MODEL = "agencies.User"
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
# Documented django-tenants optimisation: issue `SET search_path` once per request (each time
# the middleware switches schema) instead of before every cursor.
TENANT_LIMIT_SET_CALLS = True

DATABASES = {"default": database_from_url(os.environ["DATABASE_URL"])}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

MIDDLEWARE = [
    # First, as django-tenants requires: Host -> Domain -> tenant -> search_path.
    "django_tenants.middleware.main.TenantMainMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    # No sessions, CSRF or messages: the API authenticates each request by its token.
]
ROOT_URLCONF = "peersite.urls"
WSGI_APPLICATION = "peersite.wsgi.application"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "agencies.permissions.IsAgencyMember",
    ],
    # Production: JSON only, no browsable API.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
}

USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = False

# With DEBUG off Django logs nothing to the console by default (errors go to mail_admins);
# send request errors to stderr so a failing benchmark says why.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["stderr"], "level": "ERROR", "propagate": False}},
}
