"""URLs of the delivery app (mounted at /delivery/)."""

from django.urls import path

from bimodal.delivery import views

app_name = "delivery"

urlpatterns = [
    path("", views.portfolio, name="portfolio"),
    path("portfolio.csv", views.portfolio_csv, name="portfolio_csv"),
    path("demand/", views.DemandList.as_view(), name="demand_list"),
    path("demand/new/", views.DemandEdit.as_view(), name="demand_create"),
    path("demand/<str:reference>/", views.DemandDetail.as_view(), name="demand_detail"),
    path("demand/<str:reference>/edit/", views.DemandEdit.as_view(), name="demand_edit"),
    path("demand/<str:reference>/<slug:step>/", views.demand_step, name="demand_step"),
    path("scoring/", views.scoring_model, name="scoring"),
    path("initiatives/new/", views.InitiativeCreate.as_view(), name="initiative_create"),
    path("initiatives/<str:reference>/", views.InitiativeDetail.as_view(), name="initiative_detail"),
    path("initiatives/<str:reference>/board/", views.board, name="board"),
    path("initiatives/<str:reference>/<slug:step>/", views.initiative_step, name="initiative_step"),
    path("phases/<int:pk>/forecast/", views.phase_forecast, name="phase_forecast"),
    path("milestones/<int:pk>/", views.milestone_update, name="milestone_update"),
    path("criteria/<int:pk>/", views.criterion_update, name="criterion_update"),
    path("gates/<int:pk>/<slug:step>/", views.gate_step, name="gate_step"),
    path("sprints/<int:pk>/<slug:step>/", views.sprint_step, name="sprint_step"),
    path("stories/<int:pk>/move/", views.story_move, name="story_move"),
    path("budgets/", views.budgets, name="budgets"),
    path("capacity/", views.capacity, name="capacity"),
    path("capacity/what-if/", views.what_if, name="what_if"),
]
