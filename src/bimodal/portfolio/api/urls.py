"""API routes of the portfolio app."""

from rest_framework.routers import DefaultRouter

from bimodal.portfolio.api import views

router = DefaultRouter(trailing_slash=True)
router.register("services", views.ServiceViewSet, basename="service")
router.register("dependencies", views.ServiceDependencyViewSet, basename="servicedependency")
router.register("modes", views.ModeViewSet, basename="mode")
router.register("capabilities", views.BusinessCapabilityViewSet, basename="businesscapability")
router.register("regulatory-tags", views.RegulatoryTagViewSet, basename="regulatorytag")

router.register("questionnaires", views.QuestionnaireViewSet, basename="questionnaire")
router.register("assessments", views.AssessmentViewSet, basename="assessment")
router.register("proposals", views.ProposalViewSet, basename="reclassificationproposal")
router.register("pathways", views.PathwayViewSet, basename="migrationpathway")

urlpatterns = router.urls
