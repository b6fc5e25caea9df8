"""Parallel updates of one row keep every writer's fields, and the audit log tells what happened."""

from __future__ import annotations

import pytest

from bimodal.core.models import AuditEntry
from bimodal.core.tests.factories import UserFactory
from bimodal.core.verbs import AuditVerb
from bimodal.portfolio.models import Service
from bimodal.portfolio.tests.factories import ServiceFactory, mode
from tests.concurrency.conftest import assert_audit_chain_holds, clients_for, parallel, postgresql_only

pytestmark = [pytest.mark.django_db(transaction=True), postgresql_only]

ROUNDS = 8


def _url(service: Service, suffix: str = "") -> str:
    return f"/api/portfolio/services/{service.slug}/{suffix}"


def test_parallel_patches_of_different_fields_keep_both():
    admin = UserFactory(username="root", is_superuser=True)
    service = ServiceFactory(description="", documentation_url="")
    client = clients_for(admin)
    for n in range(ROUNDS):
        description, url = f"round {n}", f"https://docs.example.com/{n}"
        responses = parallel(
            [
                lambda d=description: client().patch(
                    _url(service), {"description": d}, content_type="application/json"
                ),
                lambda u=url: client().patch(
                    _url(service), {"documentation_url": u}, content_type="application/json"
                ),
            ]
        )
        assert [r.status_code for r in responses] == [200, 200], responses
        service.refresh_from_db()
        assert (service.description, service.documentation_url) == (description, url), f"round {n}"
    assert_audit_chain_holds()


def test_parallel_mode_change_and_edit_keep_the_mode_change():
    admin = UserFactory(username="root", is_superuser=True)
    service = ServiceFactory(mode=mode("mode-1"))
    first = service.mode_id
    modes = [mode("mode-2"), mode("mode-1")]
    client = clients_for(admin)
    for n in range(ROUNDS):
        target = modes[n % 2]
        responses = parallel(
            [
                lambda t=target: client().post(
                    _url(service, "change_mode/"),
                    {"mode": t.key, "reason": "drift"},
                    content_type="application/json",
                ),
                lambda n=n: client().patch(
                    _url(service), {"description": f"edit {n}"}, content_type="application/json"
                ),
            ]
        )
        assert [r.status_code for r in responses] == [200, 200], [r.content for r in responses]
        service.refresh_from_db()
        assert service.mode_id == target.pk and service.description == f"edit {n}", f"round {n}"
    # The audit tells the truth: read in order, each entry's "before" is the mode the one before left.
    entries = AuditEntry.objects.filter(object_id=str(service.pk), content_type__model="service").order_by(
        "seq"
    )
    current = first  # the factory writes no audit entry
    for entry in entries:
        if entry.before is not None:
            assert entry.before["mode_id"] == current, (
                entry.seq,
                entry.verb,
                entry.before["mode_id"],
                current,
            )
        current = (entry.after or {}).get("mode_id", current)
        if entry.verb == AuditVerb.SERVICE_UPDATE:
            assert entry.before["mode_id"] == entry.after["mode_id"]
    assert current == service.mode_id
    assert entries.filter(verb=AuditVerb.SERVICE_CHANGE_MODE).count() == ROUNDS
    assert_audit_chain_holds()
