"""The fuzz tests run against the house-rule tests' organisation (one row of every model on two sides)."""

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from tests.house_rules.conftest import world  # noqa: F401


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Requests go through the real WSGI handler, which closes the database connection at each request's
    start and end; inside a test's transaction that would lose it (Django's test client does the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
