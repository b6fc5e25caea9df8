"""URLs of the insights app."""

from django.urls import path

from bimodal.insights import views

app_name = "insights"

urlpatterns = [
    path("", views.cio, name="cio"),
    path("operations/", views.operations, name="operations"),
    path("delivery/", views.delivery, name="delivery"),
    path("value-streams/<slug:stream>/", views.heatmap, name="heatmap"),
    path("records/<slug:metric>/", views.drilldown, name="drilldown"),
    path("settings/", views.metric_settings, name="settings"),
    path("maturity/", views.maturity, name="maturity"),
    path("maturity/new/", views.maturity_create, name="maturity_create"),
    path("maturity/<int:pk>/", views.maturity_detail, name="maturity_detail"),
]
