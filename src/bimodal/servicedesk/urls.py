"""URLs of the servicedesk app."""

from django.urls import path

from bimodal.servicedesk import views

app_name = "servicedesk"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("new/", views.ticket_create, name="ticket_create"),
    path("portal/", views.portal, name="portal"),
    path("portal/<slug:slug>/", views.catalogue_request, name="catalogue_request"),
    path("notifications/", views.notifications, name="notifications"),
    path("tickets/<str:number>/", views.ticket_detail, name="ticket_detail"),
    path("tickets/<str:number>/transition/", views.ticket_transition, name="ticket_transition"),
    path("tickets/<str:number>/comment/", views.ticket_comment, name="ticket_comment"),
    path("tickets/<str:number>/assign/", views.ticket_assign, name="ticket_assign"),
    path("tickets/<str:number>/attach/", views.ticket_attach, name="ticket_attach"),
    path("tickets/<str:number>/decide/", views.ticket_decide, name="ticket_decide"),
    path("tickets/<str:number>/tasks/<int:task_id>/done/", views.task_complete, name="task_complete"),
]
