"""API routes of the delivery app (mounted at /api/delivery/)."""

from rest_framework.routers import DefaultRouter

from bimodal.delivery.api import views

router = DefaultRouter(trailing_slash=True)
router.register("scoring-models", views.ScoringModelViewSet, basename="scoringmodel")
router.register("demands", views.DemandViewSet, basename="demand")
router.register("initiatives", views.InitiativeViewSet, basename="initiative")
router.register("phases", views.PhaseViewSet, basename="phase")
router.register("gates", views.StageGateViewSet, basename="stagegate")
router.register("gate-criteria", views.GateCriterionViewSet, basename="gatecriterion")
router.register("milestones", views.MilestoneViewSet, basename="milestone")
router.register("epics", views.EpicViewSet, basename="epic")
router.register("stories", views.StoryViewSet, basename="story")
router.register("sprints", views.SprintViewSet, basename="sprint")
router.register("risks", views.RiskViewSet, basename="initiativerisk")
router.register("dependencies", views.DependencyViewSet, basename="initiativedependency")
router.register("budgets", views.BudgetViewSet, basename="budget")
router.register("actuals", views.ActualViewSet, basename="actual")
router.register("capacities", views.TeamCapacityViewSet, basename="teamcapacity")
router.register("allocations", views.AllocationViewSet, basename="capacityallocation")
router.register("contention", views.ContentionViewSet, basename="contention")

urlpatterns = router.urls
