"""Webhook secrets are encrypted at rest (core.fields.EncryptedTextField): the table never holds the
plain secret, the model reads it back, keys can be replaced, and the migration encrypts old rows."""

from __future__ import annotations

import importlib
import io
import types

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from bimodal.core import fields
from bimodal.integrations.models import Repository
from bimodal.integrations.tests.factories import SECRET, RepositoryFactory

pytestmark = pytest.mark.django_db
migration = importlib.import_module("bimodal.integrations.migrations.0003_encrypt_webhook_secrets")


def _stored(repository: Repository) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT webhook_secret FROM integrations_repository WHERE id = %s", [repository.pk])
        return cursor.fetchone()[0]


def test_the_table_holds_a_token_and_the_model_the_secret():
    repository = RepositoryFactory()
    stored = _stored(repository)
    assert SECRET not in stored and stored.startswith(fields.TOKEN_PREFIX)
    assert Repository.objects.get(pk=repository.pk).webhook_secret == SECRET
    other = RepositoryFactory()
    assert _stored(other) != stored  # each encryption differs: equal secrets do not show as equal


def test_an_empty_secret_stays_empty():
    repository = RepositoryFactory(webhook_secret="")
    assert _stored(repository) == "" and Repository.objects.get(pk=repository.pk).webhook_secret == ""


def test_a_new_key_reads_old_values_through_the_old_keys_and_reencrypt_moves_them():
    repository = RepositoryFactory()
    old_token = _stored(repository)
    old_key = fields.derived_key(settings.SECRET_KEY)
    new_key = Fernet.generate_key().decode()
    unreadable = pytest.raises(fields.SecretUnreadable, match="BIMODAL_SECRETS_OLD_KEYS")
    with override_settings(BIMODAL_SECRETS_KEY=new_key), unreadable:
        Repository.objects.get(pk=repository.pk)
    with override_settings(BIMODAL_SECRETS_KEY=new_key, BIMODAL_SECRETS_OLD_KEYS=old_key.decode()):
        assert Repository.objects.get(pk=repository.pk).webhook_secret == SECRET
        out = io.StringIO()
        call_command("reencrypt_secrets", stdout=out)
        assert "1 secret(s) now under the current key" in out.getvalue()
    assert _stored(repository) != old_token
    with override_settings(BIMODAL_SECRETS_KEY=new_key):  # the old key is no longer needed
        assert Repository.objects.get(pk=repository.pk).webhook_secret == SECRET


def test_a_bad_key_is_a_configuration_error():
    refused = pytest.raises(fields.ImproperlyConfigured, match="not a Fernet key")
    with override_settings(BIMODAL_SECRETS_KEY="not-a-fernet-key"), refused:
        RepositoryFactory()


def test_the_migration_encrypts_plain_rows_and_its_reverse_decrypts_them():
    repository = RepositoryFactory()
    with connection.cursor() as cursor:  # a row as stored before the migration
        cursor.execute(
            "UPDATE integrations_repository SET webhook_secret = %s WHERE id = %s", [SECRET, repository.pk]
        )
    editor = types.SimpleNamespace(connection=connection)
    migration.encrypt_plain(None, editor)
    token = _stored(repository)
    assert token.startswith(fields.TOKEN_PREFIX)
    migration.encrypt_plain(None, editor)  # running it again changes nothing
    assert _stored(repository) == token
    assert Repository.objects.get(pk=repository.pk).webhook_secret == SECRET
    migration.decrypt_tokens(None, editor)
    assert _stored(repository) == SECRET
