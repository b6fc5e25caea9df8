"""Settings, read from the environment (see docs/operations.md for every variable)."""

import os
import secrets
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
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_tables2",
    "django_tasks",
    "django_tasks_db",
    "bootstrap",
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
    "bimodal.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "bimodal.core.middleware.RequestIdMiddleware",
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
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

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

if PRODUCTION:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
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
    },
}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

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

# Hot queries (the deployment gate's) run as prepared statements on PostgreSQL; turn off only behind a
# pooler that drops them (PgBouncer before 1.21 in transaction mode).
# The public holidays of the organisation's calendar (release trains skip them): `holidays` package codes.
BIMODAL_HOLIDAY_COUNTRY = os.environ.get("BIMODAL_HOLIDAY_COUNTRY", "GB")
BIMODAL_HOLIDAY_SUBDIVISION = os.environ.get("BIMODAL_HOLIDAY_SUBDIVISION", "ENG")
BIMODAL_PREPARED_STATEMENTS = env_bool("BIMODAL_PREPARED_STATEMENTS", True)
