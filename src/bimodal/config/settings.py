"""Settings, read from the environment (see docs/operations.md for every variable)."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
import plotly
from django.core.exceptions import ImproperlyConfigured


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean environment variable ("1", "true", "yes", "on" are true)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    """Read a comma-separated environment variable."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PACKAGE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("BIMODAL_DATA_DIR", Path.cwd() / "var")).resolve()
PRODUCTION = env_bool("BIMODAL_PRODUCTION", False)
DEBUG = env_bool("DEBUG", not PRODUCTION)


def _secret_key() -> str:
    """Return SECRET_KEY; in development a key is generated once and kept in the data directory."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when BIMODAL_PRODUCTION is on.")
    key_file = DATA_DIR / ".secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    return key


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_tables2",
    "django_tasks",
    "django_tasks_db",
    "bootstrap",
    "axes",
    "bimodal.core",
    "bimodal.suppliers",
    "bimodal.portfolio",
    "bimodal.governance",
    "bimodal.changes",
    "bimodal.servicedesk",
    "bimodal.registers",
    "bimodal.people",
    "bimodal.delivery",
    "bimodal.integrations",
    "bimodal.insights",
    "bimodal.knowledge",
    "bimodal.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "bimodal.core.middleware.SessionRenewalMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "bimodal.core.middleware.RequestIdMiddleware",
    "bimodal.core.middleware.QueryTimeoutMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "bimodal.config.urls"
WSGI_APPLICATION = "bimodal.config.wsgi.application"
ASGI_APPLICATION = "bimodal.config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "bimodal.core.context_processors.navigation",
            ],
            # The page formats for dates, numbers and money, usable in every template without a load.
            "builtins": ["bimodal.core.templatetags.bimodal_format"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'bimodal.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    # First, as django-axes asks: refuses a sign-in while its username and address are locked out.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The longest one analytics statement may run (PostgreSQL duration; "0": no limit). A figure that needs
# longer is stopped and its page answers 503 instead of holding the database (docs/insights.md).
INSIGHTS_STATEMENT_TIMEOUT = os.environ.get("INSIGHTS_STATEMENT_TIMEOUT", "2min")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True
# Dates and times on pages: one format for the whole site (config/formats/en_GB/formats.py).
FORMAT_MODULE_PATH = ["bimodal.config.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", DATA_DIR / "static"))
if not PRODUCTION:
    # whitenoise warns on every request when the directory is missing; it fills only on collectstatic.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [
    PACKAGE_DIR / "static",
    ("plotly", Path(plotly.__file__).resolve().parent / "package_data"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media"))
MEDIA_URL = "/media/"
WHITENOISE_USE_FINDERS = not PRODUCTION

# --- security (docs/operations.md, "Security"): transport, cookies, sessions, sign-in, throttling --------
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", PRODUCTION)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Idle timeout: the session ends after this many minutes without a request. Activity renews it at most
# once a minute (bimodal.core.middleware.SessionRenewalMiddleware), not by a write on every request.
SESSION_COOKIE_AGE = int(os.environ.get("BIMODAL_SESSION_IDLE_MINUTES", "30")) * 60
SESSION_SAVE_EVERY_REQUEST = False
SECURE_SSL_REDIRECT = env_bool("BIMODAL_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = int(os.environ.get("BIMODAL_HSTS_SECONDS", "31536000" if PRODUCTION else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("BIMODAL_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("BIMODAL_HSTS_PRELOAD", False)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Only behind a proxy that sets (and overwrites) the header may it be trusted: a client reaching gunicorn
# directly could otherwise claim https. BIMODAL_PROXY_SSL_HEADER=X-Forwarded-Proto turns it on.
_PROXY_HEADER = os.environ.get("BIMODAL_PROXY_SSL_HEADER", "").strip()
if _PROXY_HEADER:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _PROXY_HEADER.upper().replace("-", "_"), "https")

# Content-Security-Policy (django-csp): scripts from our own origin only, no inline script (charts are
# drawn by static/bimodal/page.js from data attributes). Styles allow inline because plotly.js and htmx
# insert <style> elements; scripts allow eval because the plotly.js bundle the plotly package ships (not
# its "strict" build) compiles some chart code at run time (the portfolio home's charts need it). Inline
# script stays refused.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-eval'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Cache for throttling (and anything else): the process's memory by default; with several web processes
# set BIMODAL_CACHE_URL so that they share the counts (`db://` = a database table created by
# `bimodal setup`, or a redis:// URL with the redis package installed).
_CACHE_URL = os.environ.get("BIMODAL_CACHE_URL", "").strip()
if _CACHE_URL.startswith("db://"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "bimodal_cache"}
    }
elif _CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Sign-in lockout (django-axes): after BIMODAL_LOGIN_FAILURE_LIMIT failures for one username from one
# address, that pair is refused for BIMODAL_LOGIN_COOLOFF_MINUTES; attempts are kept in the database.
AXES_FAILURE_LIMIT = int(os.environ.get("BIMODAL_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("BIMODAL_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "bimodal.core.security.client_ip"

# API tokens of people (core.ApiToken): valid for this many days unless given another expiry.
BIMODAL_API_TOKEN_DAYS = int(os.environ.get("BIMODAL_API_TOKEN_DAYS", "90"))
# A published knowledge article not revised for this many days counts as stale (docs/knowledge.md).
KNOWLEDGE_STALE_AFTER_DAYS = int(os.environ.get("KNOWLEDGE_STALE_AFTER_DAYS", "180"))
# Wrong API or pipeline tokens from one address: after this many in a minute, 429 until the minute ends.
BIMODAL_AUTH_FAILURE_LIMIT = int(os.environ.get("BIMODAL_AUTH_FAILURE_LIMIT", "10"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "bimodal.core.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["bimodal.core.api.permissions.RolePermission"],
    "DEFAULT_FILTER_BACKENDS": [
        "bimodal.core.api.filters.FilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "bimodal.core.api.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "bimodal.core.api.exceptions.exception_handler",
    # Scoped throttles (core.api.throttling): anonymous calls by address, people's API tokens and
    # sessions by person, pipelines by token; the counts live in the configured cache.
    "DEFAULT_THROTTLE_CLASSES": [
        "bimodal.core.api.throttling.AnonThrottle",
        "bimodal.core.api.throttling.TokenThrottle",
        "bimodal.core.api.throttling.SessionThrottle",
        "bimodal.core.api.throttling.PipelineThrottle",
    ],
    "NUM_PROXIES": 1 if _PROXY_HEADER else None,
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("BIMODAL_THROTTLE_ANON", "300/min"),
        "token": os.environ.get("BIMODAL_THROTTLE_TOKEN", "1200/min"),
        "session": os.environ.get("BIMODAL_THROTTLE_SESSION", "1200/min"),
        "pipeline": os.environ.get("BIMODAL_THROTTLE_PIPELINE", "100/s"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Bimodal API",
    "DESCRIPTION": (
        "REST API of Bimodal: modes, service portfolio, teams, dependencies and the audit log. "
        "Machines (CI/CD pipelines, monitoring) authenticate with `Authorization: Token <key>`; "
        "people with their browser session."
    ),
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and Swagger UI describe every endpoint: for signed-in users unless opened on purpose.
    "SERVE_PERMISSIONS": (
        ["rest_framework.permissions.AllowAny"]
        if env_bool("BIMODAL_PUBLIC_API_DOCS", False)
        else ["rest_framework.permissions.IsAuthenticated"]
    ),
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "bimodal.core.api.schema.document_errors",
    ],
    # Choice sets that share a field name ("kind" …) get distinct enum components.
    "ENUM_NAME_OVERRIDES": {
        "TeamKindEnum": "bimodal.core.choices.TeamKind",
        "HostingEnum": "bimodal.portfolio.choices.Hosting",
        "ForumKindEnum": "bimodal.governance.choices.ForumKind",
        "DependencyKindEnum": "bimodal.portfolio.choices.DependencyKind",
        "TicketStatusEnum": "bimodal.servicedesk.choices.TicketStatus",
        "ArticleStateEnum": "bimodal.knowledge.choices.ArticleState",
        "TicketLevelEnum": "bimodal.servicedesk.choices.Level",
        "SupplierStatusEnum": "bimodal.suppliers.choices.SupplierStatus",
        "ContractStatusEnum": "bimodal.suppliers.choices.ContractStatus",
        "MspEvaluationStatusEnum": "bimodal.suppliers.choices.EvaluationStatus",
        "TicketPriorityEnum": "bimodal.servicedesk.choices.Priority",
        "RepositoryProviderEnum": "bimodal.integrations.choices.Provider",
        "CloudProviderEnum": "bimodal.registers.choices.CloudProvider",
        "DeliveryOutcomeEnum": "bimodal.integrations.choices.DeliveryOutcome",
        "DeploymentStatusEnum": "bimodal.changes.choices.DeploymentStatus",
        "DemandStatusEnum": "bimodal.delivery.choices.DemandStatus",
        "InitiativeStatusEnum": "bimodal.delivery.choices.InitiativeStatus",
        "PhaseStatusEnum": "bimodal.delivery.choices.PhaseStatus",
        "PhaseKindEnum": "bimodal.delivery.choices.PhaseKind",
        "GateStatusEnum": "bimodal.delivery.choices.GateStatus",
        "StoryStatusEnum": "bimodal.delivery.choices.StoryStatus",
        "SprintStatusEnum": "bimodal.delivery.choices.SprintStatus",
        "InitiativeRiskStatusEnum": "bimodal.delivery.choices.RiskStatus",
        "RagEnum": "bimodal.delivery.choices.Rag",
        "AlertStatusEnum": "bimodal.servicedesk.choices.AlertStatus",
        "ReleaseStatusEnum": "bimodal.changes.choices.ReleaseStatus",
        "TemplateStatusEnum": "bimodal.changes.choices.TemplateStatus",
    },
}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A running task whose worker has not renewed its lease for this many seconds is taken to be dead (killed,
# machine lost) and queued again (core.tasks, `bimodal worker`).
BIMODAL_TASK_LEASE_SECONDS = int(os.environ.get("BIMODAL_TASK_LEASE_SECONDS", "300"))
# Seconds between two runs of the periodic SLA check (clocks, warnings, escalations).
BIMODAL_SLA_CHECK_SECONDS = int(os.environ.get("BIMODAL_SLA_CHECK_SECONDS", "60"))

# The audit chain is keyed (HMAC-SHA256): under this key, or one derived from SECRET_KEY when it is empty.
# Keep it outside the database (and its backups) so that a copy of the database cannot be re-chained.
BIMODAL_AUDIT_KEY = os.environ.get("BIMODAL_AUDIT_KEY", "")

DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5.html"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

BIMODAL_DEMO_PASSWORD = os.environ.get("BIMODAL_DEMO_PASSWORD", "demo")

# Secrets the product reads back (webhook HMAC keys) are encrypted at rest (core.fields): under this
# Fernet key, or one derived from SECRET_KEY when it is empty. Old keys (comma-separated) still decrypt.
BIMODAL_SECRETS_KEY = os.environ.get("BIMODAL_SECRETS_KEY", "")
BIMODAL_SECRETS_OLD_KEYS = os.environ.get("BIMODAL_SECRETS_OLD_KEYS", "")

# The public holidays of the organisation's calendar (release trains skip them): `holidays` package codes.
BIMODAL_HOLIDAY_COUNTRY = os.environ.get("BIMODAL_HOLIDAY_COUNTRY", "GB")
BIMODAL_HOLIDAY_SUBDIVISION = os.environ.get("BIMODAL_HOLIDAY_SUBDIVISION", "ENG")
# Hot queries (the deployment gate's) run as prepared statements on PostgreSQL. Behind a pooler in
# transaction mode (PgBouncer; docs/deployment.md) a session's prepared statements and open cursors do not
# survive the transaction: BIMODAL_PGBOUNCER=1 reads query sets without server-side cursors and prepares
# nothing (BIMODAL_PREPARED_STATEMENTS=0, which it implies, keeps psycopg from preparing on its own);
# PgBouncer 1.21+ with max_prepared_statements set keeps them (BIMODAL_PREPARED_STATEMENTS=1).
BIMODAL_PGBOUNCER = env_bool("BIMODAL_PGBOUNCER", False)
BIMODAL_PREPARED_STATEMENTS = env_bool("BIMODAL_PREPARED_STATEMENTS", not BIMODAL_PGBOUNCER)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    if BIMODAL_PGBOUNCER or not BIMODAL_PREPARED_STATEMENTS:
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    if not BIMODAL_PREPARED_STATEMENTS:
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None

# Email (docs/operations.md "Email"): Django's SMTP backend by default, configured from the environment.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
# Where `…filebased.EmailBackend` writes (the demo uses it when no EMAIL_HOST is set).
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(DATA_DIR / "outbox"))
# Where people reach this site: links in emails are made absolute with it.
BIMODAL_BASE_URL = os.environ.get("BIMODAL_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# The desk's address: notifications come from it, and replies go to desk+<ticket>@ its domain.
BIMODAL_DESK_ADDRESS = os.environ.get("BIMODAL_DESK_ADDRESS", "desk@bimodal.example")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", BIMODAL_DESK_ADDRESS)
# Mail from an address no active person has: "ignore" (recorded and counted) or "create" (a requester
# who cannot sign in until an administrator sets a password).
BIMODAL_MAIL_UNKNOWN_SENDERS = os.environ.get("BIMODAL_MAIL_UNKNOWN_SENDERS", "ignore")
# The service (slug) that tickets opened by email are about; routing rules then choose their group.
BIMODAL_MAIL_SERVICE = os.environ.get("BIMODAL_MAIL_SERVICE", "")
# The mailbox `bimodal mail-in --imap` reads.
BIMODAL_IMAP_HOST = os.environ.get("BIMODAL_IMAP_HOST", "")
BIMODAL_IMAP_PORT = int(os.environ.get("BIMODAL_IMAP_PORT", "0"))  # 0: 143, or 993 with SSL
BIMODAL_IMAP_USER = os.environ.get("BIMODAL_IMAP_USER", "")
BIMODAL_IMAP_PASSWORD = os.environ.get("BIMODAL_IMAP_PASSWORD", "")
BIMODAL_IMAP_FOLDER = os.environ.get("BIMODAL_IMAP_FOLDER", "INBOX")
BIMODAL_IMAP_SSL = env_bool("BIMODAL_IMAP_SSL", False)
