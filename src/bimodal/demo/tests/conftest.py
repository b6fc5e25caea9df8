"""Fixtures of the demo tests: the demo organisation is loaded once per module and rolled back after it."""

import pytest
from django.db import transaction
from django.test import override_settings

from bimodal.demo.loader import load_demo

FAST_HASHER = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo organisation, loaded once for the module inside a transaction that is rolled back afterwards.

    Tests that use it also take `db`, whose per-test transaction nests inside this one (like Django's
    TestCase.setUpTestData), so a test's own writes are undone after the test."""
    with django_db_blocker.unblock(), FAST_HASHER:
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield load_demo()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
