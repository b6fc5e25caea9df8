"""URLs of the registers app."""

app_name = "registers"

urlpatterns: list = []
