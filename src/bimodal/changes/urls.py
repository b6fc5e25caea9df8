"""URLs of the changes app."""

app_name = "changes"

urlpatterns: list = []
