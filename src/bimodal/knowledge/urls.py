"""URLs of the knowledge app."""

from django.urls import path

from bimodal.knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("", views.article_list, name="article_list"),
    path("new/", views.article_create, name="article_create"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("suggest/", views.suggest, name="suggest"),
    path("tickets/<str:number>/link/", views.ticket_link, name="ticket_link"),
    path("articles/<str:number>/", views.article_detail, name="article_detail"),
    path("articles/<str:number>/edit/", views.article_edit, name="article_edit"),
    path("articles/<str:number>/transition/", views.article_transition, name="article_transition"),
    path("articles/<str:number>/versions/", views.article_versions, name="article_versions"),
    path("articles/<str:number>/feedback/", views.article_feedback, name="article_feedback"),
    path("articles/<str:number>/solved/", views.article_deflect, name="article_deflect"),
]
