"""URLs of the suppliers app."""

from django.urls import path

from bimodal.suppliers import views

app_name = "suppliers"

urlpatterns = [
    path("", views.supplier_list, name="supplier_list"),
    path("new/", views.supplier_form, name="supplier_new"),
    path("contracts/", views.contract_list, name="contract_list"),
    path("contracts/<str:reference>/", views.contract_detail, name="contract_detail"),
    path("contracts/<str:reference>/edit/", views.contract_form, name="contract_edit"),
    path("contracts/<str:reference>/targets/", views.contract_target, name="contract_target"),
    path("contracts/<str:reference>/transition/", views.contract_transition, name="contract_transition"),
    path("contracts/<str:reference>/renew/", views.contract_renew, name="contract_renew"),
    path("siam/", views.siam_overview, name="siam"),
    path("siam/tickets/<str:number>/", views.siam_ticket, name="siam_ticket"),
    path("evaluations/", views.evaluation_list, name="evaluation_list"),
    path("evaluations/new/", views.evaluation_form, name="evaluation_new"),
    path("evaluations/<slug:slug>/", views.evaluation_detail, name="evaluation_detail"),
    path("evaluations/<slug:slug>/edit/", views.evaluation_form, name="evaluation_edit"),
    path(
        "evaluations/<slug:slug>/requirements/", views.evaluation_requirement, name="evaluation_requirement"
    ),
    path("evaluations/<slug:slug>/candidates/", views.evaluation_candidate, name="evaluation_candidate"),
    path("evaluations/<slug:slug>/decide/", views.evaluation_decide, name="evaluation_decide"),
    path("evaluations/<slug:slug>/cancel/", views.evaluation_cancel, name="evaluation_cancel"),
    path("evaluations/<slug:slug>/candidates/<int:pk>/edit/", views.candidate_edit, name="candidate_edit"),
    path(
        "evaluations/<slug:slug>/candidates/<int:pk>/remove/",
        views.candidate_remove,
        name="candidate_remove",
    ),
    path(
        "evaluations/<slug:slug>/requirements/<int:pk>/remove/",
        views.requirement_remove,
        name="requirement_remove",
    ),
    path("<slug:slug>/", views.supplier_detail, name="supplier_detail"),
    path("<slug:slug>/edit/", views.supplier_form, name="supplier_edit"),
    path("<slug:slug>/contracts/new/", views.contract_new, name="contract_new"),
    path("<slug:slug>/scorecard/", views.scorecard, name="scorecard"),
    path("<slug:slug>/contacts/", views.contact_add, name="contact_add"),
    path("<slug:slug>/contacts/<int:pk>/remove/", views.contact_remove, name="contact_remove"),
    path("<slug:slug>/certifications/", views.certification_add, name="certification_add"),
    path(
        "<slug:slug>/certifications/<int:pk>/remove/",
        views.certification_remove,
        name="certification_remove",
    ),
]
