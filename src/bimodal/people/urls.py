"""URLs of the people app."""

from django.urls import path

from bimodal.people import views

app_name = "people"

urlpatterns = [
    path("", views.matrix, name="matrix"),
    path("gaps/", views.gaps, name="gaps"),
    path("profiles/", views.profiles, name="profiles"),
    path("profiles/skills/new/", views.skill_create, name="skill_create"),
    path("profiles/skills/<slug:slug>/edit/", views.skill_edit, name="skill_edit"),
    path("profiles/requirements/new/", views.requirement_create, name="requirement_create"),
    path("profiles/requirements/<int:pk>/edit/", views.requirement_edit, name="requirement_edit"),
    path("proficiency/record/", views.proficiency_record, name="proficiency_record"),
]
