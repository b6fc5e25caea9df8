"""Tickets opened before routing without a group get their service's support team (a migration of its own:
PostgreSQL does not alter a table with row updates pending in the same transaction)."""

from django.db import migrations


def give_orphans_their_service_team(apps, schema_editor):
    """Tickets opened before routing without a group go to their service's support team."""
    Ticket = apps.get_model("servicedesk", "Ticket")
    Service = apps.get_model("portfolio", "Service")
    for service_id, team_id in Service.objects.filter(
        tickets__assignment_group__isnull=True
    ).values_list("id", "owner_team_id").distinct():
        Ticket.objects.filter(service_id=service_id, assignment_group__isnull=True).update(
            assignment_group_id=team_id
        )


class Migration(migrations.Migration):
    dependencies = [
        ("servicedesk", "0006_routing_rules"),
    ]

    operations = [
        migrations.RunPython(give_orphans_their_service_team, migrations.RunPython.noop),
    ]
