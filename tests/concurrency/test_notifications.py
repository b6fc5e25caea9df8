"""Notifications of one group (recipient, object, kind) sent at once make one entry and lose no count."""

from __future__ import annotations

import pytest

from bimodal.core.choices import NotificationKind
from bimodal.core.models import Notification
from bimodal.core.services import notify, write
from bimodal.core.tests.factories import UserFactory
from bimodal.portfolio.tests.factories import ServiceFactory
from tests.concurrency.conftest import parallel, postgresql_only

pytestmark = [pytest.mark.django_db(transaction=True), postgresql_only]

AT_ONCE = 8


def test_parallel_notifications_of_one_group_make_one_entry_with_every_count():
    people = [UserFactory(username=f"p{n}", is_superuser=True) for n in range(3)]
    service = ServiceFactory()

    def send(n: int) -> int:
        with write():
            rows = notify(recipients=people, kind=NotificationKind.OTHER, obj=service, subject=f"update {n}")
        return len(rows)

    for round_ in range(3):
        results = parallel([lambda n=n: send(n) for n in range(AT_ONCE)])
        assert results == [3] * AT_ONCE, results
        for person in people:
            unread = Notification.objects.filter(recipient=person, read_at__isnull=True)
            assert [r.count for r in unread] == [AT_ONCE * (round_ + 1)], (round_, person.username)
    assert Notification.objects.count() == 3
