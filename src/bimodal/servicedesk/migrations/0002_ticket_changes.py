"""Incident ↔ change: a real relation to changes.Change, filled from the old `change_reference` text."""

import re

from django.db import migrations, models

REFERENCE = re.compile(r"CHG-?\s*0*(\d+)", re.IGNORECASE)


def link_references(apps, schema_editor):
    """Resolve `change_reference` texts (e.g. CHG-000123) to changes; keep unresolved ones on the timeline."""
    Ticket = apps.get_model("servicedesk", "Ticket")
    Change = apps.get_model("changes", "Change")
    TicketEvent = apps.get_model("servicedesk", "TicketEvent")
    by_reference = {c.reference.upper(): c for c in Change.objects.only("id", "reference")}
    by_number: dict[int, object] = {}
    for change in by_reference.values():
        found = REFERENCE.search(change.reference)
        if found:
            by_number.setdefault(int(found.group(1)), change)
    for ticket in Ticket.objects.exclude(change_reference="").only("id", "change_reference"):
        text = ticket.change_reference.strip()
        change = by_reference.get(text.upper())
        if change is None and (found := REFERENCE.search(text)):
            change = by_number.get(int(found.group(1)))
        if change is not None:
            ticket.changes.add(change)
            TicketEvent.objects.create(ticket=ticket, kind="change", text=f"Linked to change {change.reference}")
        else:
            TicketEvent.objects.create(
                ticket=ticket, kind="change", text=f"Change reference {text[:200]} (no such change record)"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("changes", "0001_initial"),
        ("servicedesk", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="changes",
            field=models.ManyToManyField(
                blank=True, help_text="Related change records.", related_name="tickets", to="changes.change"
            ),
        ),
        migrations.RunPython(link_references, migrations.RunPython.noop),
    ]
