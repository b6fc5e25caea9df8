"""API routes of the servicedesk app."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from bimodal.servicedesk.api import views

router = DefaultRouter(trailing_slash=True)
router.register("tickets", views.TicketViewSet, basename="ticket")
router.register("catalogue", views.CatalogueItemViewSet, basename="catalogueitem")
router.register("notifications", views.NotificationViewSet, basename="notification")
router.register("schedules", views.SupportScheduleViewSet, basename="supportschedule")
router.register("sla-definitions", views.SlaDefinitionViewSet, basename="sladefinition")
router.register("routing-rules", views.RoutingRuleViewSet, basename="routingrule")

urlpatterns = [
    path("alertmanager/", views.AlertmanagerWebhookView.as_view(), name="alertmanager-webhook"),
    path("priority-matrix/", views.PriorityMatrixView.as_view(), name="priority-matrix"),
    *router.urls,
]
