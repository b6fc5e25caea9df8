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
    path("notifications/preferences/", views.notification_preferences_page, name="notification_preferences"),
    path("notifications/read-all/", views.notification_read_all, name="notification_read_all"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("admin/", views.admin_index, name="admin"),
    path("admin/catalogue/new/", views.admin_item, name="admin_item_new"),
    path("admin/catalogue/<slug:slug>/", views.admin_item, name="admin_item"),
    path("admin/schedules/new/", views.admin_schedule, name="admin_schedule_new"),
    path("admin/schedules/<slug:slug>/", views.admin_schedule, name="admin_schedule"),
    path("admin/sla/new/", views.admin_definition, name="admin_definition_new"),
    path("admin/sla/<int:pk>/", views.admin_definition, name="admin_definition"),
    path("admin/routing/new/", views.admin_routing_rule, name="admin_routing_rule_new"),
    path("admin/routing/<int:pk>/", views.admin_routing_rule, name="admin_routing_rule"),
    path("admin/priority-matrix/", views.admin_matrix, name="admin_matrix"),
    path("satisfaction/", views.satisfaction, name="satisfaction"),
    path("tickets/<str:number>/", views.ticket_detail, name="ticket_detail"),
    path("tickets/<str:number>/rate/", views.ticket_rate, name="ticket_rate"),
    path("tickets/<str:number>/transition/", views.ticket_transition, name="ticket_transition"),
    path("tickets/<str:number>/comment/", views.ticket_comment, name="ticket_comment"),
    path("tickets/<str:number>/assign/", views.ticket_assign, name="ticket_assign"),
    path("tickets/<str:number>/assignees/", views.assignee_options, name="assignee_options"),
    path("tickets/<str:number>/service/", views.ticket_set_service, name="ticket_set_service"),
    path("tickets/<str:number>/attach/", views.ticket_attach, name="ticket_attach"),
    path("tickets/<str:number>/decide/", views.ticket_decide, name="ticket_decide"),
    path("tickets/<str:number>/changes/", views.ticket_link_change, name="ticket_link_change"),
    path(
        "tickets/<str:number>/changes/<str:reference>/unlink/",
        views.ticket_unlink_change,
        name="ticket_unlink_change",
    ),
    path("tickets/<str:number>/tasks/<int:task_id>/done/", views.task_complete, name="task_complete"),
]
