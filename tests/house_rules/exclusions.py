"""What the generic house-rule tests cannot check, and why. test_coverage.py fails on any discovered page or
endpoint that is neither checked nor named here, and on any name here that no longer exists."""

# API endpoints (by path, or by view class name for the many router roots) that no generic check applies to.
API_EXCLUDED = {
    "APIRootView": "DRF's router root: lists the endpoint URLs only, no data, and is open by DRF's design",
    "/api/schema/": "the OpenAPI description: describes the API, holds no data (drf-spectacular serves it)",
    "/api/docs/": "Swagger UI page for the OpenAPI description: no data",
    "/api/redoc/": "ReDoc page for the OpenAPI description: no data",
    "/api/integrations/webhooks/github/": (
        "called by GitHub, not by a person: authenticated by the HMAC signature of the repository's secret "
        "(integrations/tests/test_webhooks.py)"
    ),
    "/api/integrations/webhooks/gitlab/": (
        "called by GitLab, not by a person: authenticated by the repository's token "
        "(integrations/tests/test_webhooks.py)"
    ),
    "/api/integrations/webhooks/github/<repository_id>/": (
        "GitHub's webhook for one repository: authenticated by its HMAC signature "
        "(integrations/tests/test_webhook_hostile.py)"
    ),
    "/api/integrations/webhooks/gitlab/<repository_id>/": (
        "GitLab's webhook for one project: authenticated by its token (integrations/tests/test_webhook_hostile.py)"
    ),
    "/api/servicedesk/alertmanager/": (
        "called by Prometheus Alertmanager with a shared secret, not by a person (503 until it is configured)"
    ),
}

# API endpoints that answer every signed-in caller by design, so "no role → 403/404" does not apply.
API_OPEN_TO_SIGNED_IN = {
    "/api/users/me/": "the caller's own account (username, roles, teams): its whole purpose",
    "/api/servicedesk/notifications/": (
        "each person's own notifications (restricted to recipient = caller): anyone signed in may list them "
        "and mark them read; another person's notification is still a 404 (checked)"
    ),
}

# API endpoints without a model of their own (figures computed over many models, or a bulk load): the
# per-model checks (restriction, flat query counts, audit of writes) do not apply; access checks still do.
API_WITHOUT_MODEL = {
    "/api/governance/report/": "the bureaucracy report: aggregates over decision requests",
    "/api/servicedesk/priority-matrix/": "the impact × urgency matrix as one document (PUT replaces cells)",
    "/api/integrations/deployments/bulk/": "bulk load of deployment history (POST only)",
    "/api/insights/dora/": "DORA figures aggregated over deployments and incidents",
    "/api/insights/kpis/": "Mode 1 KPIs aggregated over changes and tickets",
    "/api/insights/heatmaps/<stream>/": "value-stream heat map aggregated over the transition log",
    "/api/insights/settings/": (
        "the organisation's settings for the figures as one document (a single row; PUT/PATCH replace it "
        "through services.metric_settings_update, audited; denials tested in insights)"
    ),
    "/api/delivery/contention/": "supply against demand for people and money, aggregated",
    "/api/users/me/": "the caller's own account",
}

# Pages that no generic check applies to.
PAGES_EXCLUDED = {
    "login": "the sign-in page itself: open to anonymous visitors by definition",
    "logout": "signing out: harmless for anonymous visitors (Django's LogoutView, POST only)",
}

# Models listed by an endpoint for which the world has no rows (no maker in makers.py), and why.
MODELS_WITHOUT_MAKER = {
    "changes.GateRequest": (
        "the deployment gate answers pipeline tokens only: people's sessions are refused (checked), and a "
        "token's scope is tested in changes/tests/test_api.py"
    ),
}

# Pages whose name and path do not say their model (see pages.py), placed by hand: page → (model, fixed
# URL values). List pages here (no URL arguments) are also checked for flat query counts.
PAGE_MODELS = {
    "servicedesk:queue": ("servicedesk.Ticket", {}),
    "servicedesk:notifications": ("core.Notification", {}),
    "servicedesk:portal": ("servicedesk.CatalogueItem", {}),
    "servicedesk:admin_item": ("servicedesk.CatalogueItem", {}),
    "servicedesk:admin_schedule": ("servicedesk.SupportSchedule", {}),
    "servicedesk:admin_definition": ("servicedesk.SlaDefinition", {}),
    "suppliers:siam_ticket": ("servicedesk.Ticket", {}),
    "knowledge:ticket_link": ("servicedesk.Ticket", {}),  # link an article to the ticket, by its number
    "registers:reviews": ("registers.ReviewTask", {}),
    "registers:item_review": ("registers.LowCodeApp", {"kind": "low-code"}),
    "registers:item_transition": ("registers.LowCodeApp", {"kind": "low-code"}),
    "delivery:portfolio": ("delivery.Initiative", {}),
    "governance:rights_grid": ("core.OrgUnit", {}),  # the RACI grid of one org unit, by its slug
}

# Pages whose URL arguments are choices, not rows: the values used to call them.
PAGE_VALUES = {
    "insights:heatmap": {"stream": "detect-to-correct"},
    "insights:drilldown": {"metric": "deployments"},
    "registers:export": {"kind": "low-code"},
    "registers:import": {"kind": "low-code"},
}

# Pages every signed-in person may use for their own data (so "no role → refused" does not apply; they must
# still show and change nothing of anyone else's).
PAGES_OPEN_TO_SIGNED_IN = {
    "servicedesk:notifications": "one's own notifications",
    "servicedesk:notification_read_all": "marks one's own notifications read",
    "servicedesk:notification_preferences": "one's own channel per kind of notification",
}

# API writes ("<endpoint> <action>") that cannot be made generically, and why.
WRITES_NOT_GENERIC: dict[str, str] = {}
