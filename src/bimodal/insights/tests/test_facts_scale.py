"""The incremental DORA facts refresh at estate scale: its statements have the same text for ten or
twenty thousand changed services, run without JIT on PostgreSQL, and a statement past the time limit
answers 503, not a server error."""

from __future__ import annotations

import copy
import json

import pytest
from django.db import connection
from django.http import HttpResponse
from django.urls import path

from bimodal.changes.models import Deployment
from bimodal.config.urls import urlpatterns as site_urls
from bimodal.insights.metrics import sql
from bimodal.insights.models import IncidentAttribution
from bimodal.insights.services import dora_facts_refresh
from bimodal.insights.tests.factories import DeploymentFactory, TicketFactory, at
from bimodal.portfolio.models import Service
from bimodal.portfolio.tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="JIT, EXPLAIN and statement_timeout are PostgreSQL's"
)


def _deployed_services(count: int, day: int) -> list[Service]:
    """`count` new services, each with one successful production deployment (bulk: no factory per row)."""
    model = ServiceFactory()
    services = []
    for i in range(count):
        clone = copy.copy(model)
        clone.pk = None
        clone.slug = f"{model.slug}-{day}-{i}"
        clone.name = f"{model.name} {day} {i}"
        services.append(clone)
    services = [model, *Service.objects.bulk_create(services[:-1], batch_size=2000)]
    Deployment.objects.bulk_create(
        [
            Deployment(
                service=s,
                environment="production",
                status="succeeded",
                version="v1",
                source="api",
                finished_at=at(day, 10),
            )
            for s in services
        ],
        batch_size=2000,
    )
    return services


def _refresh_recording() -> tuple[list[str], list[dict]]:
    """Run the refresh; return the SQL text of each statement (before parameters are bound) and, on
    PostgreSQL, the EXPLAIN of each one that reads a JSON set."""
    texts: list[str] = []
    plans: list[dict] = []

    def record(execute, text, params, many, context):
        texts.append(text)
        if connection.vendor == "postgresql" and "jsonb_array_elements" in text:
            raw = context["cursor"].cursor  # psycopg's own cursor: not recorded again
            raw.execute("EXPLAIN (FORMAT JSON, SUMMARY) " + text, params)
            plan = raw.fetchone()[0]
            plans.append(plan[0] if isinstance(plan, list) else json.loads(plan)[0])
        return execute(text, params, many, context)

    with connection.execute_wrapper(record):
        dora_facts_refresh()
    return texts, plans


def test_refresh_statements_are_the_same_size_for_10_and_20000_changed_services():
    dora_facts_refresh()  # sets the mark
    few = _deployed_services(10, day=5)
    TicketFactory(service=few[0], opened_at=at(5, 12))
    small, small_plans = _refresh_recording()
    many = _deployed_services(20_000, day=7)
    late = TicketFactory(service=many[-1], opened_at=at(7, 12))
    large, large_plans = _refresh_recording()
    assert [len(t) for t in small] == [len(t) for t in large]
    assert max(len(t) for t in large) < 5000
    # The work was done: the incident after the last service's deployment is attributed to it.
    assert IncidentAttribution.objects.get(ticket=late).deployment.service_id == many[-1].pk
    if connection.vendor == "postgresql":
        assert len(small_plans) == len(large_plans) > 0
        for plan in large_plans:
            assert "JIT" not in plan, plan
            print(f"planning {plan['Planning Time']:.1f} ms")


def test_refresh_matches_a_hand_checked_example():
    """Two services, deployments before and after an incident; one reported late: the attribution is
    the latest earlier deployment of the incident's own service."""
    a, b = ServiceFactory(), ServiceFactory()
    DeploymentFactory(service=a, finished_at=at(3, 10))
    incident_a = TicketFactory(service=a, opened_at=at(4, 9))
    incident_b = TicketFactory(service=b, opened_at=at(4, 9))
    dora_facts_refresh()
    assert IncidentAttribution.objects.get(ticket=incident_b).deployment_id is None
    late_a = DeploymentFactory(service=a, finished_at=at(4, 8))
    DeploymentFactory(service=a, finished_at=at(4, 10))  # after the incident: not its cause
    first_b = DeploymentFactory(service=b, finished_at=at(2, 10))
    DeploymentFactory(service=b, environment="staging", finished_at=at(3, 10))
    assert dora_facts_refresh() == {"commits": 0, "incidents": 2}
    assert IncidentAttribution.objects.get(ticket=incident_a).deployment_id == late_a.pk
    assert IncidentAttribution.objects.get(ticket=incident_b).deployment_id == first_b.pk


@on_postgresql
def test_refresh_runs_without_jit_and_under_the_time_limit(settings):
    settings.INSIGHTS_STATEMENT_TIMEOUT = "1500ms"
    seen: list[tuple] = []

    def record(execute, text, params, many, context):
        if not seen and text.startswith("SELECT t.id"):
            raw = context["cursor"].cursor
            raw.execute("SELECT current_setting('jit'), current_setting('statement_timeout')")
            seen.append(raw.fetchone())
        return execute(text, params, many, context)

    dora_facts_refresh()
    DeploymentFactory(finished_at=at(3, 10))
    with connection.execute_wrapper(record):
        dora_facts_refresh()
    assert seen == [("off", "1500ms")]


def _slow_figure(request):
    """A figure whose statement outlasts the time limit (a real PostgreSQL cancellation)."""
    with sql.tuned(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(5)")
    return HttpResponse("never")


urlpatterns = [path("__test__/slow/", _slow_figure), path("api/__test__/slow/", _slow_figure), *site_urls]


@on_postgresql
@pytest.mark.urls(__name__)
@pytest.mark.django_db(transaction=True)  # as in production: no transaction around the request
def test_a_statement_past_the_time_limit_answers_503_not_500(admin_client, settings):
    settings.INSIGHTS_STATEMENT_TIMEOUT = "50ms"
    page = admin_client.get("/__test__/slow/")
    assert page.status_code == 503
    assert b"took too long" in page.content
    assert page["Retry-After"] == "60"
    api = admin_client.get("/api/__test__/slow/")
    assert api.status_code == 503
    assert "took too long" in api.json()["detail"]
