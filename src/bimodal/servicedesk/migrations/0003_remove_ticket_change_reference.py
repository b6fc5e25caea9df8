"""The text reference is replaced by `Ticket.changes` (a separate migration: PostgreSQL will not alter a table
with pending trigger events from the data migration)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("servicedesk", "0002_ticket_changes")]

    operations = [migrations.RemoveField(model_name="ticket", name="change_reference")]
