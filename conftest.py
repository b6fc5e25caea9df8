"""Shared pytest fixtures, and `--today` to run the whole suite as if it were another day."""

import datetime as dt
import os
import zoneinfo

import pytest

from bimodal.core.tests.factories import UserFactory

TODAY_ENV = "BIMODAL_TEST_TODAY"


def pytest_addoption(parser):
    parser.addoption(
        "--today",
        default=os.environ.get(TODAY_ENV, ""),
        metavar="YYYY-MM-DD[THH:MM]",
        help=(
            "Run every test with the clock set to this local (Europe/London) time, ticking from there; "
            f"also read from ${TODAY_ENV}. Reproduces a failure seen on another day."
        ),
    )


def _today(config) -> dt.datetime | None:
    """The moment given by --today, in the organisation's zone, or None for the real clock."""
    text = config.getoption("--today")
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise pytest.UsageError(f"--today must be YYYY-MM-DD or YYYY-MM-DDTHH:MM, not {text!r}") from None
    if moment.tzinfo is None:
        zone = zoneinfo.ZoneInfo(os.environ.get("TIME_ZONE", "Europe/London"))
        moment = moment.replace(tzinfo=zone)
    return moment


def pytest_configure(config):
    """Start the clock at --today for the whole session (each xdist worker starts its own)."""
    moment = _today(config)
    if moment is not None:
        import time_machine

        config._bimodal_travel = time_machine.travel(moment, tick=True)
        config._bimodal_travel.start()


def pytest_unconfigure(config):
    travel = getattr(config, "_bimodal_travel", None)
    if travel is not None:
        travel.stop()


def pytest_report_header(config):
    moment = _today(config)
    if moment is None:
        return (
            f"today: {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} (the real clock; --today to choose)"
        )
    return f"today: {moment:%Y-%m-%dT%H:%M %Z} (frozen start, ticking; rerun with --today={moment:%Y-%m-%dT%H:%M})"


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Repeat the moment at the end, beside the failures it may explain."""
    terminalreporter.write_line(pytest_report_header(config))


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


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with empty throttle and lockout counts (the cache outlives a test)."""
    from django.core.cache import cache

    from bimodal.changes.selectors import gate_snapshot_clear

    cache.clear()
    gate_snapshot_clear()  # a test's tokens and services are rolled back with it
    yield
    cache.clear()
    gate_snapshot_clear()


@pytest.fixture(autouse=True)
def _sessions_outlive_time_travel(settings):
    """Tests move the clock by hours or days with a signed-in client: the production idle timeout (and its
    session write on every request) is tested on its own (core/tests/test_security.py)."""
    settings.SESSION_COOKIE_AGE = 14 * 24 * 3600
    settings.SESSION_SAVE_EVERY_REQUEST = False
