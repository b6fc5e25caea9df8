"""Shared pytest fixtures."""

import pytest

from bimodal.core.tests.factories import UserFactory


@pytest.fixture
def make_user(db):
    """make_user("service_owner", teams=[team], supplier=s) → a user holding those roles."""

    def _make(*roles, teams=(), supplier=None, **fields):
        user = UserFactory(roles=list(roles), supplier=supplier, **fields)
        for team in teams:
            team.members.add(user)
        return user

    return _make


@pytest.fixture
def client_for(client):
    """client_for(user) → the test client signed in as that user."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hash test passwords with a fast hasher: the real one is slow by design."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
