"""URLs of the servicedesk app."""

app_name = "servicedesk"

urlpatterns: list = []
