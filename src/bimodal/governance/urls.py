"""URLs of the governance app."""

from django.urls import path

from bimodal.governance import views

app_name = "governance"

urlpatterns = [
    path("policies/", views.policy_list, name="policy_list"),
    path("policies/new/", views.policy_create, name="policy_create"),
    path("policies/try/", views.policy_try, name="policy_try"),
    path("policies/<slug:key>/", views.policy_detail, name="policy_detail"),
    path("policies/<slug:key>/edit/", views.policy_edit, name="policy_edit"),
    path("forums/", views.forum_list, name="forum_list"),
    path("forums/new/", views.forum_create, name="forum_create"),
    path("forums/<slug:slug>/edit/", views.forum_edit, name="forum_edit"),
]
