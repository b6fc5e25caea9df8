"""API routes of the integrations app, and the webhook endpoints GitHub and GitLab post to."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from bimodal.integrations.api import views, webhooks

router = DefaultRouter(trailing_slash=True)
router.register("repositories", views.RepositoryViewSet, basename="repository")
router.register("deliveries", views.WebhookDeliveryViewSet, basename="webhookdelivery")
router.register("commits", views.CommitViewSet, basename="commit")
router.register("pull-requests", views.PullRequestViewSet, basename="pullrequest")

urlpatterns = [
    path("webhooks/github/", webhooks.github_webhook, name="webhook_github"),
    path("webhooks/gitlab/", webhooks.gitlab_webhook, name="webhook_gitlab"),
    path("webhooks/github/<int:repository_id>/", webhooks.github_webhook, name="webhook_github_repository"),
    path("webhooks/gitlab/<int:repository_id>/", webhooks.gitlab_webhook, name="webhook_gitlab_repository"),
    path("deployments/bulk/", views.DeploymentBulkView.as_view(), name="deployment_bulk"),
    *router.urls,
]
