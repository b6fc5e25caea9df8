"""URLs of the integrations app."""

from django.urls import path

from bimodal.integrations import views

app_name = "integrations"

urlpatterns = [
    path("", views.repository_list, name="repository_list"),
    path("repositories/new/", views.repository_create, name="repository_create"),
    path("repositories/<int:pk>/", views.repository_detail, name="repository_detail"),
    path("repositories/<int:pk>/edit/", views.repository_edit, name="repository_edit"),
    path(
        "repositories/<int:pk>/rotate-secret/",
        views.repository_rotate_secret,
        name="repository_rotate_secret",
    ),
    path("deliveries/", views.delivery_list, name="delivery_list"),
    path("services/<slug:slug>/deployments/", views.service_deployments, name="service_deployments"),
]
