"""`bimodal reencrypt-secrets`: rewrite every encrypted value under the current key (after a key change)."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection

from bimodal.core.db import column_name
from bimodal.core.fields import EncryptedTextField, rotate
from bimodal.core.services import transactional


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field (webhook secrets …) under BIMODAL_SECRETS_KEY; values under a key "
        "in BIMODAL_SECRETS_OLD_KEYS are read with it. Run after changing the key, then drop the old key."
    )

    @transactional
    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        quote = connection.ops.quote_name
        for model in apps.get_models():
            fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
            for field in fields:
                table, column, pk = (
                    quote(model._meta.db_table),
                    quote(column_name(field)),
                    quote(column_name(model._meta.pk)),
                )
                with connection.cursor() as cursor:  # the stored tokens, not the decrypted values
                    cursor.execute(f"SELECT {pk}, {column} FROM {table} WHERE {column} <> ''")
                    rows = cursor.fetchall()
                    for key, token in rows:
                        cursor.execute(
                            f"UPDATE {table} SET {column} = %s WHERE {pk} = %s", [rotate(token), key]
                        )
                total += len(rows)
                self.stdout.write(f"{model._meta.label}.{field.name}: {len(rows)} value(s) re-encrypted")
        self.stdout.write(self.style.SUCCESS(f"{total} secret(s) now under the current key."))
