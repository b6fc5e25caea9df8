"""Top-level URL configuration."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from bimodal.portfolio.views.home import home

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/", include("bimodal.config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("portfolio/", include("bimodal.portfolio.urls")),
    path("governance/", include("bimodal.governance.urls")),
    path("changes/", include("bimodal.changes.urls")),
    path("servicedesk/", include("bimodal.servicedesk.urls")),
    path("registers/", include("bimodal.registers.urls")),
    path("suppliers/", include("bimodal.suppliers.urls")),
    path("people/", include("bimodal.people.urls")),
    path("delivery/", include("bimodal.delivery.urls")),
    path("integrations/", include("bimodal.integrations.urls")),
    path("insights/", include("bimodal.insights.urls")),
    path("knowledge/", include("bimodal.knowledge.urls")),
    path("", include("bimodal.core.urls")),
    path("", home, name="home"),
]

handler400 = "bimodal.core.error_views.bad_request"
handler403 = "bimodal.core.error_views.permission_denied"
handler404 = "bimodal.core.error_views.page_not_found"
handler500 = "bimodal.core.error_views.server_error"
