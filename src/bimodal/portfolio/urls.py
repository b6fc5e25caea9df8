"""URLs of the portfolio app."""

from django.urls import path

from bimodal.portfolio import views

app_name = "portfolio"

urlpatterns = [
    path("services/", views.service_list, name="service_list"),
    path("services/<slug:slug>/", views.service_detail, name="service_detail"),
    path("modes/", views.mode_list, name="mode_list"),
    path("modes/<slug:key>/", views.mode_detail, name="mode_detail"),
]
