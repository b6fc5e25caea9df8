"""URLs of the core app: organisation, audit log and areas still to come (home is mounted at the root)."""

from django.urls import path

from bimodal.core import views

app_name = "core"

urlpatterns = [
    path("teams/", views.team_list, name="team_list"),
    # Before the detail route, which would otherwise take "new" for a slug.
    path("teams/new/", views.team_create, name="team_create"),
    path("teams/<slug:slug>/", views.team_detail, name="team_detail"),
    path("teams/<slug:slug>/edit/", views.team_edit, name="team_edit"),
    path("org-units/", views.orgunit_list, name="orgunit_list"),
    path("org-units/<slug:slug>/", views.orgunit_detail, name="orgunit_detail"),
    path("audit/", views.audit_list, name="audit_list"),
    path("audit/verify/", views.audit_verify, name="audit_verify"),
    path("audit/<int:seq>/", views.audit_detail, name="audit_detail"),
    path("audit/<int:seq>/object/", views.audit_object, name="audit_object"),
]
