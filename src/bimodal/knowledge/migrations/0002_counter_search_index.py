"""Article numbers (KB-12) from a sequence or counter row, and the GIN index of the full-text search vector
(PostgreSQL only: SQLite searches the text columns, docs/knowledge.md)."""

from django.db import migrations

from bimodal.core.numbers import create_counter

INDEX = "knowledge_article_search_gin"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON knowledge_article USING GIN (search_vector)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    """Article numbers and the search index."""

    dependencies = [
        ("knowledge", "0001_initial"),
        ("core", "0003_counter"),
    ]

    operations = [
        create_counter("knowledge_article", "SELECT MAX(id) FROM knowledge_article"),
        migrations.RunPython(create_index, drop_index),
    ]
