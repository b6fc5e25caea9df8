"""URLs of the registers app."""

from django.urls import path

from bimodal.registers import views

app_name = "registers"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("reviews/", views.reviews, name="reviews"),
    # before the items' <slug> routes, which would otherwise take "import" for a slug
    path("<str:kind>/import/", views.register_import, name="import"),
    path("low-code/", views.lowcode_list, name="lowcode_list"),
    path("low-code/new/", views.lowcode_create, name="lowcode_create"),
    path("low-code/<slug:slug>/", views.lowcode_detail, name="lowcode_detail"),
    path("low-code/<slug:slug>/edit/", views.lowcode_edit, name="lowcode_edit"),
    path("low-code/<slug:slug>/promote/", views.lowcode_promote, name="lowcode_promote"),
    path("ai/", views.ai_list, name="ai_list"),
    path("ai/new/", views.ai_create, name="ai_create"),
    path("ai/<slug:slug>/", views.ai_detail, name="ai_detail"),
    path("ai/<slug:slug>/edit/", views.ai_edit, name="ai_edit"),
    path("ai/<slug:slug>/decide/", views.ai_decide, name="ai_decide"),
    path("cloud/", views.cloud_list, name="cloud_list"),
    path("cloud/new/", views.cloud_create, name="cloud_create"),
    path("cloud/costs/import/", views.cost_import, name="cost_import"),
    path("cloud/costs/export.csv", views.cost_export, name="cost_export"),
    path("cloud/<slug:slug>/", views.cloud_detail, name="cloud_detail"),
    path("cloud/<slug:slug>/edit/", views.cloud_edit, name="cloud_edit"),
    path("<str:kind>/export.csv", views.register_export, name="export"),
    path("<str:kind>/<slug:slug>/review/", views.item_review, name="item_review"),
    path("<str:kind>/<slug:slug>/transition/", views.item_transition, name="item_transition"),
]
