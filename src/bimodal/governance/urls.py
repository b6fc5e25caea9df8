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
    path("forums/<slug:slug>/", views.forum_detail, name="forum_detail"),
    path("forums/<slug:slug>/edit/", views.forum_edit, name="forum_edit"),
    path("forums/<slug:slug>/meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/agenda/build/", views.meeting_build_agenda, name="meeting_build_agenda"),
    path("meetings/<int:pk>/agenda/topic/", views.agenda_topic_add, name="agenda_topic_add"),
    path(
        "meetings/<int:pk>/agenda/<int:item_pk>/record/", views.agenda_item_record, name="agenda_item_record"
    ),
    path("meetings/<int:pk>/attendance/", views.meeting_attendance, name="meeting_attendance"),
    path("meetings/<int:pk>/minutes/", views.meeting_minutes, name="meeting_minutes"),
    path("meetings/<int:pk>/cancel/", views.meeting_cancel, name="meeting_cancel"),
    path("decision-rights/", views.rights_grid, name="rights_defaults"),
    path("decision-rights/<slug:slug>/", views.rights_grid, name="rights_grid"),
    path("decisions/", views.request_list, name="request_list"),
    path("decisions/new/", views.request_create, name="request_create"),
    path("decisions/<int:pk>/", views.request_detail, name="request_detail"),
    path("decisions/<int:pk>/decide/", views.request_decide, name="request_decide"),
    path("decisions/<int:pk>/withdraw/", views.request_withdraw, name="request_withdraw"),
    path("report/", views.bureaucracy_report, name="report"),
]
