"""API routes of the people app."""

from rest_framework.routers import DefaultRouter

from bimodal.people.api import views

router = DefaultRouter(trailing_slash=True)
router.register("skills", views.SkillViewSet, basename="skill")
router.register("proficiency", views.ProficiencyViewSet, basename="proficiency")
router.register("requirements", views.SkillRequirementViewSet, basename="skillrequirement")

urlpatterns = router.urls
