"""URLs of the changes app."""

from django.urls import path

from bimodal.changes import views

app_name = "changes"

urlpatterns = [
    path("", views.change_list, name="change_list"),
    path("new/", views.change_create, name="change_create"),
    path("cab/", views.cab_agenda, name="cab_agenda"),
    path("calendar/", views.change_calendar, name="calendar"),
    path("windows/", views.window_list, name="window_list"),
    path("windows/new/", views.window_create, name="window_create"),
    path("windows/<int:pk>/edit/", views.window_edit, name="window_edit"),
    path("windows/<int:pk>/end/", views.window_end, name="window_end"),
    path("releases/", views.release_list, name="release_list"),
    path("releases/new/", views.release_create, name="release_create"),
    path("releases/generate/", views.release_generate, name="release_generate"),
    path("releases/<int:pk>/", views.release_detail, name="release_detail"),
    path("releases/<int:pk>/edit/", views.release_edit, name="release_edit"),
    path("releases/<int:pk>/<slug:status>/", views.release_step, name="release_step"),
    path("standard/", views.template_list, name="template_list"),
    path("standard/new/", views.template_propose, name="template_propose"),
    path("standard/<int:pk>/", views.template_detail, name="template_detail"),
    path("standard/<int:pk>/revise/", views.template_revise, name="template_revise"),
    path("standard/<int:pk>/raise/", views.template_raise, name="template_raise"),
    path("standard/<int:pk>/<slug:action>/", views.template_action, name="template_action"),
    path("<str:reference>/", views.change_detail, name="change_detail"),
    path("<str:reference>/edit/", views.change_edit, name="change_edit"),
    path("<str:reference>/reschedule/", views.change_reschedule, name="change_reschedule"),
    path("<str:reference>/review/", views.change_step, {"step": "review"}, name="change_review"),
    path("<str:reference>/<slug:step>/", views.change_step, name="change_step"),
]
