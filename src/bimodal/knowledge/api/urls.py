"""API routes of the knowledge app."""

from rest_framework.routers import DefaultRouter

from bimodal.knowledge.api import views

router = DefaultRouter(trailing_slash=True)
router.register("articles", views.ArticleViewSet, basename="article")
router.register("feedback", views.ArticleFeedbackViewSet, basename="articlefeedback")
router.register("links", views.TicketArticleViewSet, basename="ticketarticle")
router.register("deflections", views.DeflectionViewSet, basename="deflection")

urlpatterns = router.urls
