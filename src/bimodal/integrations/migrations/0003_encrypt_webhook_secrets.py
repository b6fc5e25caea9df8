"""Webhook secrets are encrypted at rest: the column becomes text and every stored secret is encrypted
(and decrypted again when the migration is reversed)."""

from django.db import migrations

import bimodal.core.fields


def _rewrite(schema_editor, convert) -> None:
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    table, column = quote("integrations_repository"), quote("webhook_secret")
    with connection.cursor() as cursor:  # raw values: the field would decrypt what it reads
        cursor.execute(f"SELECT id, {column} FROM {table} WHERE {column} <> ''")
        for pk, value in cursor.fetchall():
            new = convert(value)
            if new != value:
                cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [new, pk])


def encrypt_plain(apps, schema_editor) -> None:
    from bimodal.core.fields import TOKEN_PREFIX, encrypt

    _rewrite(schema_editor, lambda v: v if v.startswith(TOKEN_PREFIX) else encrypt(v))


def decrypt_tokens(apps, schema_editor) -> None:
    from bimodal.core.fields import TOKEN_PREFIX, decrypt

    _rewrite(schema_editor, lambda v: decrypt(v) if v.startswith(TOKEN_PREFIX) else v)


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0002_repository_import_permission"),
    ]

    operations = [
        migrations.AlterField(
            model_name="repository",
            name="webhook_secret",
            field=bimodal.core.fields.EncryptedTextField(
                help_text="HMAC secret (GitHub) or secret token (GitLab) of the webhook; encrypted at rest"
            ),
        ),
        migrations.RunPython(encrypt_plain, decrypt_tokens),
    ]
