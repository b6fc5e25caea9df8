"""Model fields of general use.

`EncryptedTextField` keeps a secret the product must read back — a webhook's HMAC key — encrypted at
rest with Fernet (AES-128-CBC and HMAC-SHA256, from the `cryptography` package). The key is
`BIMODAL_SECRETS_KEY` (a Fernet key: `bimodal secrets-key` prints a new one) or, when that is not
set, one derived from SECRET_KEY with HKDF. Keys listed in `BIMODAL_SECRETS_OLD_KEYS` (comma-separated)
still decrypt, so a key can be replaced: set the new one, move the old one there, and run
`bimodal reencrypt-secrets` to rewrite every value under the new key."""

from __future__ import annotations

import base64
import functools
from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper

TOKEN_PREFIX = "gAAAAA"  # every Fernet token starts so (version byte and the time's leading zeros)


class SecretUnreadable(ImproperlyConfigured):
    """A stored secret cannot be decrypted with the configured keys."""


def derived_key(secret_key: str) -> bytes:
    """A Fernet key derived from Django's SECRET_KEY (HKDF-SHA256, its own context label)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"bimodal encrypted fields v1")
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode()))


def _configured_keys() -> tuple[str, ...]:
    primary = getattr(settings, "BIMODAL_SECRETS_KEY", "") or derived_key(settings.SECRET_KEY).decode()
    old = [k.strip() for k in getattr(settings, "BIMODAL_SECRETS_OLD_KEYS", "").split(",") if k.strip()]
    return (primary, *old)


@functools.lru_cache(maxsize=4)
def _box(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(k) for k in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"BIMODAL_SECRETS_KEY / BIMODAL_SECRETS_OLD_KEYS: not a Fernet key ({exc})"
        ) from exc


def encrypt(plain: str) -> str:
    return _box(_configured_keys()).encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _box(_configured_keys()).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable(
            "A stored secret cannot be decrypted: the key changed (BIMODAL_SECRETS_KEY or SECRET_KEY) "
            "without keeping the old one in BIMODAL_SECRETS_OLD_KEYS. Keep the old key, or set the "
            "secret again."
        ) from exc


def rotate(token: str) -> str:
    """The same secret encrypted under the current key."""
    return _box(_configured_keys()).rotate(token.encode()).decode()


class EncryptedTextField(models.TextField[str, str]):
    """Text stored encrypted; Python code sees the plain value. Not searchable (each encryption
    differs), so never filter on it. Empty values are stored empty."""

    description = "Text encrypted at rest"

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value)

    def from_db_value(
        self, value: str | None, expression: Any, connection: BaseDatabaseWrapper
    ) -> str | None:
        if value in (None, ""):
            return value
        return decrypt(value)
