"""The REST API: each app contributes its routes under /api/."""

from django.urls import include, path

urlpatterns = [
    path("", include("bimodal.core.api.urls")),
    path("portfolio/", include("bimodal.portfolio.api.urls")),
    path("", include("bimodal.suppliers.api.urls")),
]
