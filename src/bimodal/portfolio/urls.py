"""URLs of the portfolio app."""

from django.urls import path

from bimodal.portfolio import views

app_name = "portfolio"

urlpatterns = [
    path("services/", views.service_list, name="service_list"),
    path("service-options/", views.service_options, name="service_options"),
    path("services/new/", views.service_create, name="service_create"),
    path("services/export.csv", views.service_export, name="service_export"),
    path("services/import/", views.service_import, name="service_import"),
    path("services/import/template.csv", views.service_import_template, name="service_import_template"),
    path("services/<slug:slug>/", views.service_detail, name="service_detail"),
    path("services/<slug:slug>/edit/", views.service_edit, name="service_edit"),
    path("services/<slug:slug>/change-mode/", views.service_change_mode, name="service_change_mode"),
    path("services/<slug:slug>/dependencies/add/", views.dependency_add, name="dependency_add"),
    path(
        "services/<slug:slug>/dependencies/<int:pk>/remove/",
        views.dependency_remove,
        name="dependency_remove",
    ),
    path("services/<slug:slug>/assess/", views.service_assess, name="service_assess"),
    path("services/<slug:slug>/propose/", views.proposal_create, name="proposal_create"),
    path("services/<slug:slug>/pathways/new/", views.pathway_create, name="pathway_create"),
    path("map/", views.portfolio_map, name="map"),
    path("assessments/", views.assessment_list, name="assessment_list"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment_detail"),
    path("proposals/", views.proposal_list, name="proposal_list"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal_detail"),
    path("pathways/", views.pathway_list, name="pathway_list"),
    path("pathways/<int:pk>/", views.pathway_detail, name="pathway_detail"),
    path("pathways/<int:pk>/edit/", views.pathway_edit, name="pathway_edit"),
    path("pathways/<int:pk>/steps/add/", views.pathway_step_add, name="pathway_step_add"),
    path("pathways/<int:pk>/steps/<int:step_pk>/edit/", views.pathway_step_edit, name="pathway_step_edit"),
    path("pathways/<int:pk>/readiness/add/", views.pathway_readiness_add, name="pathway_readiness_add"),
    path("questionnaire/", views.questionnaire_detail, name="questionnaire_current"),
    path("questionnaire/v<int:version>/", views.questionnaire_detail, name="questionnaire_detail"),
    path("questionnaire/v<int:version>/criteria/new/", views.criterion_add, name="criterion_add"),
    path("questionnaire/v<int:version>/criteria/<slug:key>/", views.criterion_edit, name="criterion_edit"),
    path(
        "questionnaire/v<int:version>/criteria/<slug:key>/remove/",
        views.criterion_remove,
        name="criterion_remove",
    ),
    path("modes/", views.mode_list, name="mode_list"),
    path("modes/<slug:key>/", views.mode_detail, name="mode_detail"),
]
