"""URLs of the insights app."""

from django.urls import path  # noqa: F401

app_name = "insights"

urlpatterns: list = []
