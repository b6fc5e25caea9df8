"""Leave half of each page of SLA clocks free on PostgreSQL, so that the periodic check's rewrite of every
running clock is a heap-only (HOT) update: the new row version fits in the same page and none of the
table's seven indexes gets a new entry. Pages already full get their room as vacuum frees them."""

from django.db import migrations


def _fillfactor(value: int):
    def apply(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        table = schema_editor.quote_name(apps.get_model("servicedesk", "SlaInstance")._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {int(value)})")

    return apply


class Migration(migrations.Migration):
    dependencies = [("servicedesk", "0011_ticket_list_and_queue_indexes")]

    operations = [migrations.RunPython(_fillfactor(50), _fillfactor(100), elidable=False)]
