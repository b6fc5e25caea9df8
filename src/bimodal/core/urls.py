"""URLs of the core app: home, organisation, audit log and areas still to come."""

from django.urls import path

from bimodal.core import views

app_name = "core"

urlpatterns = [
    path("areas/<slug:key>/", views.area, name="area"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/<slug:slug>/", views.team_detail, name="team_detail"),
    path("org-units/<slug:slug>/", views.orgunit_detail, name="orgunit_detail"),
    path("audit/", views.audit_list, name="audit_list"),
]
