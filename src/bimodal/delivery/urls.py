"""URLs of the delivery app."""

from django.urls import path  # noqa: F401

app_name = "delivery"

urlpatterns: list = []
