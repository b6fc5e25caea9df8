"""The REST API: each app contributes its routes under /api/."""

from django.urls import include, path

urlpatterns = [
    # First: pipelines call the gate (/api/gate/) many times a second; fewer patterns are tried first.
    # The changes app owns /api/changes/, /api/gate/ and /api/deployments/.
    path("", include("bimodal.changes.api.urls")),
    path("", include("bimodal.core.api.urls")),
    path("portfolio/", include("bimodal.portfolio.api.urls")),
    path("", include("bimodal.suppliers.api.urls")),
    path("governance/", include("bimodal.governance.api.urls")),
    path("servicedesk/", include("bimodal.servicedesk.api.urls")),
    path("registers/", include("bimodal.registers.api.urls")),
    path("people/", include("bimodal.people.api.urls")),
    path("delivery/", include("bimodal.delivery.api.urls")),
    path("integrations/", include("bimodal.integrations.api.urls")),
    path("insights/", include("bimodal.insights.api.urls")),
    path("knowledge/", include("bimodal.knowledge.api.urls")),
]
