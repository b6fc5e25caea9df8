"""What the portfolio's page tests share: the catalogue's URLs, a service's audit entries, and the
fixtures (a team, a small estate, a governance lead) in conftest.py."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from bimodal.core.models import AuditEntry
from bimodal.portfolio.models import Service

LIST_URL = reverse("portfolio:service_list")


def detail_url(service: Service) -> str:
    return reverse("portfolio:service_detail", args=[service.slug])


def audit_entries(service: Service):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Service), object_id=str(service.pk)
    )
