"""URLs of the people app."""

from django.urls import path

from bimodal.people import views

app_name = "people"

urlpatterns = [
    path("", views.matrix, name="matrix"),
    path("gaps/", views.gaps, name="gaps"),
    path("profiles/", views.profiles, name="profiles"),
    path("proficiency/record/", views.proficiency_record, name="proficiency_record"),
]
