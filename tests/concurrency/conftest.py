"""Run requests in parallel threads, each with its own database connection, through Django's whole request
path (middleware, DRF, services). PostgreSQL only: SQLite lets one writer in at a time, so nothing there
runs in parallel to be tested."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from bimodal.core import audit

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL (DATABASE_URL=postgres://…): SQLite serialises every writer, nothing runs in parallel",
)


def clients_for(user: Any) -> Callable[[], Client]:
    """A factory of test clients signed in as `user` (one session; a client per thread)."""
    signed_in = Client()
    signed_in.force_login(user)
    cookies = signed_in.cookies

    def make() -> Client:
        client = Client()
        client.cookies = cookies
        return client

    return make


def parallel(calls: list[Callable[[], Any]], *, workers: int | None = None) -> list[Any]:
    """Run `calls` at once and return their results (or the exceptions they raised) in order.

    `workers` threads (default: one per call) wait at a barrier, then each takes calls from the list
    until none is left; each closes its own database connection at the end, so that the test database
    can be flushed afterwards."""
    workers = min(workers or len(calls), len(calls))
    barrier = threading.Barrier(workers)
    results: list[Any] = [None] * len(calls)
    todo = iter(range(len(calls)))
    lock = threading.Lock()

    def worker() -> None:
        try:
            barrier.wait(timeout=30)
            while True:
                with lock:
                    index = next(todo, None)
                if index is None:
                    return
                try:
                    results[index] = calls[index]()
                except Exception as error:  # reported to the test, which fails on it
                    results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def assert_audit_chain_holds() -> None:
    """The audit chain verifies: every entry in sequence, linked and unedited."""
    checked, problems = audit.verify()
    assert checked > 0 and problems == [], problems


@pytest.fixture
def real_clock(request):
    """Run the test on the real clock: other processes it starts (servers, workers) cannot share the
    moment `--today` gave the test process, so the data they read must be dated on theirs. The session's
    travel is paused for the test and resumed where it stood."""
    travel = getattr(request.config, "_bimodal_travel", None)
    if travel is None:
        yield
        return
    import time_machine
    from django.utils import timezone

    resume_at = timezone.now()
    travel.stop()
    try:
        yield
    finally:
        request.config._bimodal_travel = time_machine.travel(resume_at, tick=True)
        request.config._bimodal_travel.start()
