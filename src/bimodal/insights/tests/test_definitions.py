"""The two sets of definitions of DORA's four keys on the same records, against hand-computed values, and
the fixes that make the "Bimodal" definitions say what docs/insights.md says.

Source of the "Apache DevLake compatible" definitions: Apache DevLake (github.com/apache/incubator-devlake,
v1.0.3-beta12 and later, read at commit 420e494b), grafana/dashboards/DORA.json ("Overall DORA Metrics",
2023 report) and backend/plugins/dora/tasks (change_lead_time_calculator.go, incident_deploy_connector.go):

- median: `max(x) WHERE percent_rank() <= 0.5`, i.e. the value at sorted position ⌈n / 2⌉ (the lower
  middle value of an even count), for deployment days per week and month, lead time and recovery time;
- deployment frequency elite at ≥ 5 median deployment days a week;
- change failure rate: successful production deployments with an incident ÷ successful production
  deployments (cdc.result = 'SUCCESS');
- failed deployment recovery time: per incident resolved in the period whose deployment finished in the
  period, TIMESTAMPDIFF(deployment_finished_date, incident_resolution_date);
- incident → deployment: the latest successful production deployment with finished_date < created_date;
- change lead time: per merged pull request, its first commit's authored date → the finish of the first
  production deployment containing its merge commit (negative spans dropped).
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from bimodal.insights import selectors, services
from bimodal.insights.choices import Level
from bimodal.insights.metrics import dora, sql
from bimodal.insights.models import IncidentAttribution, MetricSettings
from bimodal.insights.tests.factories import DeploymentFactory, RepositoryFactory, TicketFactory, at, commit
from bimodal.insights.tests.test_dora import PERIOD, world  # noqa: F401  (the shared fixture)
from bimodal.integrations.models import PullRequest
from bimodal.servicedesk.models import Ticket

HOUR = 3600
DEVLAKE = PERIOD.__class__(start=PERIOD.start, end=PERIOD.end, definitions="devlake")
QUERY = "?start=2026-01-05&end=2026-02-01"


@pytest.fixture
def code(world):  # noqa: F811
    """Commits and pull requests of service A on top of the `world` deployments.

    Commits (first production deployment): c1 5 Jan 09:00 (d1, 10:00: 1 h), c2 5 Jan 07:00 (d1 and d2:
    3 h from d1), c3 6 Jan 05:00 (d2, 6 Jan 10:00: 5 h), c4 13 Jan 03:00 (d4, 13 Jan 10:00: 7 h), and c5
    authored 13 Jan 12:00, after d4 finished (−2 h: left out, counted as a data-quality signal).

    Pull requests (merge commit → its first deployment): #1 c1, first commit 5 Jan 06:00 → d1 10:00 = 4 h;
    #2 c3, no first commit known, created 6 Jan 02:00 → d2 10:00 = 8 h; #3 c4, first commit 12 Jan 10:00
    → d4 13 Jan 10:00 = 24 h; #4 c2, first commit 4 Jan 22:00 → d1 5 Jan 10:00 = 12 h; #5 c1 but never
    merged: not counted; #6 c5, first commit 13 Jan 11:00 → d4 13 Jan 10:00 = −1 h: left out.
    """
    d1, _, d2, _, d4 = world["deployments"]
    repo = RepositoryFactory(service=world["a"])
    c1 = commit(repo, at(5, 9), d1)
    c2 = commit(repo, at(5, 7), d1, d2)
    c3 = commit(repo, at(6, 5), d2)
    c4 = commit(repo, at(13, 3), d4)
    c5 = commit(repo, at(13, 12), d4)
    merged = {"merged_at": at(13, 9)}
    for number, merge, first, created, extra in (
        (1, c1, at(5, 6), at(5, 6), merged),
        (2, c3, None, at(6, 2), merged),
        (3, c4, at(12, 10), at(12, 11), merged),
        (4, c2, at(4, 22), at(4, 23), merged),
        (5, c1, at(5, 6), at(5, 6), {}),
        (6, c5, at(13, 11), at(13, 11), merged),
    ):
        PullRequest.objects.create(
            repository=repo,
            number=number,
            created_at=created,
            merge_commit_sha=merge.sha,
            first_commit_at=first,
            **extra,
        )
    return world


# --- the same records under both definitions ----------------------------------------------------------


def test_deployment_frequency_under_both_definitions(world):  # noqa: F811
    """Deployment days per week 2, 1, 0, 0 and per month (January, February) 3, 0.
    Bimodal: (0 + 1) / 2 = 0.5 a week, (0 + 3) / 2 = 1.5 a month → medium.
    DevLake: the value at position ⌈4 / 2⌉ = 2 of 0, 0, 1, 2 → 0 a week; position 1 of 0, 3 → 0 a month
    → low."""
    bimodal, devlake = dora.deployment_frequency(PERIOD)[0], dora.deployment_frequency(DEVLAKE)[0]
    assert (bimodal.extra["days_per_week"], bimodal.extra["days_per_month"]) == (0.5, 1.5)
    assert bimodal.level == Level.MEDIUM
    assert (devlake.extra["days_per_week"], devlake.extra["days_per_month"]) == (0, 0)
    assert devlake.level == Level.LOW


def test_change_failure_rate_under_both_definitions(world):  # noqa: F811
    """Bimodal: d1b, d2 (incidents) and d3 (failed) of d1, d1b, d2, d3, d4 → 3 / 5 = 60 %.
    DevLake: successful deployments only, d1, d1b, d2, d4; with an incident d1b and d2 → 2 / 4 = 50 %."""
    bimodal, devlake = dora.change_failure_rate(PERIOD)[0], dora.change_failure_rate(DEVLAKE)[0]
    assert (bimodal.count, bimodal.extra["failed"], bimodal.value) == (5, 3, pytest.approx(0.6))
    assert (devlake.count, devlake.extra["failed"], devlake.value) == (4, 2, pytest.approx(0.5))
    assert devlake.level == Level.LOW


def test_recovery_time_under_both_definitions(world):  # noqa: F811
    """Bimodal, per deployment to its last resolution: d1b 11:00 → 16:00 = 5 h, d2 6 Jan 10:00 → 8 Jan
    10:00 = 48 h → (5 + 48) / 2 = 26.5 h, medium.
    DevLake, per incident from its deployment's finish: 12:00 incident (d1b 11:00 → 14:00) 3 h, 15:00
    incident (→ 16:00) 5 h, 8 Jan incident (d2 → 8 Jan 10:00) 48 h → 3, 5, 48: median 5 h, high."""
    bimodal, devlake = dora.recovery_time(PERIOD)[0], dora.recovery_time(DEVLAKE)[0]
    assert (bimodal.count, bimodal.value, bimodal.level) == (2, pytest.approx(26.5 * HOUR), Level.MEDIUM)
    assert (devlake.count, devlake.value, devlake.level) == (3, pytest.approx(5 * HOUR), Level.HIGH)
    _, columns, rows = selectors.drilldown("recovery", DEVLAKE)
    assert "ticket_id" in columns and sorted(r["recovery_seconds"] for r in rows) == [
        3 * HOUR,
        5 * HOUR,
        48 * HOUR,
    ]


def test_recovery_under_devlake_takes_incidents_resolved_in_the_period(world):  # noqa: F811
    """An incident after d4 (13 Jan 10:00) resolved on 2 Feb, after the period, is not counted by
    DevLake (its recovery panel filters on the resolution date): still 3 incidents, median 5 h."""
    TicketFactory(service=world["a"], opened_at=at(14, 9), resolved_at=at(2, 9, month=2), status="resolved")
    figure = dora.recovery_time(DEVLAKE)[0]
    assert (figure.count, figure.value) == (3, pytest.approx(5 * HOUR))


def test_lead_time_under_both_definitions(code):
    """Bimodal, per commit: 1, 3, 5, 7 h (c5 −2 h left out) → (3 + 5) / 2 = 4 h; p90 at position 3.7 →
    5 + 0.7 × 2 = 6.4 h.
    DevLake, per merged pull request: 4, 8, 12, 24 h (#5 unmerged, #6 negative) → position ⌈4 / 2⌉ = 2:
    8 h; p90 at position 3.7 → 12 + 0.7 × 12 = 20.4 h. Both elite (< 1 day)."""
    bimodal, devlake = dora.lead_time(PERIOD)[0], dora.lead_time(DEVLAKE)[0]
    assert (bimodal.count, bimodal.value) == (4, pytest.approx(4 * HOUR))
    assert bimodal.extra["p90"] == pytest.approx(6.4 * HOUR)
    assert (devlake.count, devlake.value) == (4, pytest.approx(8 * HOUR))
    assert devlake.extra["p90"] == pytest.approx(20.4 * HOUR)
    assert bimodal.level == devlake.level == Level.ELITE
    _, columns, rows = selectors.drilldown("lead-time", DEVLAKE)
    assert "pull_request_id" in columns and sorted(r["number"] for r in rows) == [1, 2, 3, 4]


def test_compute_follows_the_definitions_of_the_scope(code):
    figures = dora.compute(DEVLAKE)[0]
    assert figures["change_failure_rate"].value == pytest.approx(0.5)
    assert figures["recovery_time"].value == pytest.approx(5 * HOUR)
    assert figures["lead_time"].value == pytest.approx(8 * HOUR)
    assert dora.compute(PERIOD)[0]["change_failure_rate"].value == pytest.approx(0.6)


# --- the fixes --------------------------------------------------------------------------------------------


def test_negative_lead_times_are_left_out_and_counted(code):
    """c5 was authored 2 h after d4 finished: not in the lead time (4 commits, not 5), listed as ignored."""
    assert dora.lead_time(PERIOD)[0].count == 4
    _, _, rows = selectors.drilldown("negative-lead-times", PERIOD)
    assert [r["lead_seconds"] for r in rows] == [-2 * HOUR]
    direct, params = dora.lead_time_rows(PERIOD, direct=True)
    assert len(sql.fetch(direct, params)) == 4


def test_data_quality_counts_what_the_figures_leave_out(code):
    """Negative lead times: c5. Deployments without commits: d1b (successful, no commit; the failed d3
    is no successful deployment). Incidents attributed to no deployment: A's at 5 Jan 08:00 (before
    any deployment) and B's (B never deployed); the cancelled one does not count."""
    assert selectors.data_quality(PERIOD) == {
        "negative_lead_times": 1,
        "deployments_without_commits": 1,
        "incidents_without_deployment": 2,
    }
    scoped = PERIOD.__class__(start=PERIOD.start, end=PERIOD.end, service_ids=(code["b"].pk,))
    assert selectors.data_quality(scoped) == {
        "negative_lead_times": 0,
        "deployments_without_commits": 0,
        "incidents_without_deployment": 1,
    }


def test_an_incident_opened_as_a_deployment_finishes_is_not_its_failure(world):  # noqa: F811
    """d4 finished 13 Jan 10:00; an incident opened at that very instant was not caused by it (DevLake:
    finished_date < created_date): it goes to d2, already failed, so the rate stays 3 / 5. Before, d4
    took it (4 / 5). The facts and the direct derivation agree."""
    TicketFactory(service=world["a"], opened_at=at(13, 10), resolved_at=at(13, 11), status="resolved")
    assert dora.change_failure_rate(PERIOD)[0].extra["failed"] == 3
    dora.refresh()
    for direct in (False, True):
        rows, params = dora.failure_rows(PERIOD, direct=direct)
        failed = {r["deployment_id"] for r in sql.fetch(rows, params) if r["failed"]}
        assert world["deployments"][4].pk not in failed


def test_one_hour_is_exactly_3600_seconds(db):
    """SQLite's julianday arithmetic gave 3599.99998664856 s for 10:00 → 11:00 on 5 Jan 2026; the epoch
    is now exact on both databases (and keeps microseconds)."""
    stamp = "%s::timestamptz" if connection.vendor == "postgresql" else "%s"
    values = [sql.param(at(5, 10)), sql.param(at(5, 11)), sql.param(at(5, 11).replace(microsecond=250_000))]
    row = sql.fetch(
        f"SELECT {sql.epoch('v.b')} - {sql.epoch('v.a')} AS hour, {sql.epoch('v.c')} - {sql.epoch('v.a')} "
        f"AS more, {sql.epoch('v.a')} AS a FROM (SELECT {stamp} AS a, {stamp} AS b, {stamp} AS c) v",
        values,
    )[0]
    assert row["hour"] == 3600.0
    assert row["more"] == 3600.25
    assert row["a"] == at(5, 10).timestamp()


def test_a_recovery_of_exactly_one_hour_is_high_not_elite(db):
    """Elite is < 1 hour: a deployment at 10:00 whose incident (10:30) is resolved at 11:00 took exactly
    3600 s → high (the inexact SQLite epoch made it 3599.99998… s → elite)."""
    from bimodal.portfolio.tests.factories import ServiceFactory

    service = ServiceFactory()
    DeploymentFactory(service=service, finished_at=at(5, 10))
    TicketFactory(service=service, opened_at=at(5, 10.5), resolved_at=at(5, 11), status="resolved")
    figure = dora.recovery_time(PERIOD)[0]
    assert figure.value == 3600.0 and figure.level == Level.HIGH


# --- the setting: pages, API, permissions ---------------------------------------------------------------


def test_the_organisation_setting_picks_the_definitions(world, make_user, client_for):  # noqa: F811
    client = client_for(make_user("auditor"))
    body = client.get("/api/insights/dora/" + QUERY).json()
    assert body["definitions"] == "bimodal"
    assert body["groups"][0]["change_failure_rate"]["value"] == pytest.approx(0.6)
    services.metric_settings_update(actor=make_user("governance_lead"), definitions="devlake")
    body = client.get("/api/insights/dora/" + QUERY).json()
    assert body["definitions"] == "devlake"
    assert body["groups"][0]["change_failure_rate"]["value"] == pytest.approx(0.5)
    assert body["data_quality"]["incidents_without_deployment"] == 2
    # One view compares with the other definitions without changing the setting.
    body = client.get("/api/insights/dora/" + QUERY + "&definitions=bimodal").json()
    assert body["groups"][0]["change_failure_rate"]["value"] == pytest.approx(0.6)
    assert MetricSettings.current().definitions == "devlake"
    page = client.get("/insights/delivery/" + QUERY + "&by=").content.decode()
    assert "Definitions: <strong>Apache DevLake compatible</strong>" in page
    page = client.get("/insights/delivery/" + QUERY + "&definitions=bimodal").content.decode()
    assert "Definitions: <strong>Bimodal</strong> (this view" in page
    cio = client.get("/insights/" + QUERY).content.decode()
    assert "Definitions: <strong>Apache DevLake compatible</strong>" in cio


def test_unknown_definitions_are_a_400_naming_the_field(make_user, client_for):
    client = client_for(make_user("auditor"))
    response = client.get("/api/insights/dora/?definitions=dora2021")
    assert response.status_code == 400 and "definitions" in response.json()
    assert client.get("/insights/delivery/?definitions=dora2021").status_code == 400
    # A key holding NUL, which PostgreSQL refuses in text, is a 400 naming it, on the pages and the API.
    for name in ("service", "team", "mode"):
        assert client.get("/insights/", {name: "a\x00b"}).status_code == 400
        response = client.get("/api/insights/dora/", {name: "a\x00b"})
        assert response.status_code == 400 and name in response.json()
    governance = client_for(make_user("governance_lead"))
    response = governance.put(
        "/api/insights/settings/", {"definitions": "x"}, content_type="application/json"
    )
    assert response.status_code == 400 and "definitions" in response.json()


def test_only_governance_changes_the_setting(make_user, client_for):
    member = client_for(make_user("product_team_member"))
    assert member.get("/api/insights/settings/").json()["definitions"] == "bimodal"
    denied = member.put(
        "/api/insights/settings/", {"definitions": "devlake"}, content_type="application/json"
    )
    assert denied.status_code == 403
    assert member.get("/insights/settings/").status_code == 403
    assert member.post("/insights/settings/", {"definitions": "devlake"}).status_code == 403
    with pytest.raises(PermissionDenied):
        services.metric_settings_update(actor=make_user("change_manager"), definitions="devlake")
    assert MetricSettings.current().definitions == "bimodal"

    assert 'href="/insights/settings/"' not in member.get("/insights/delivery/").content.decode()

    lead = client_for(make_user("governance_lead"))
    page = lead.get("/insights/settings/").content.decode()
    assert 'href="/insights/settings/">Settings</a>' in page  # the tab, for those who may change it
    assert "time zone: <strong>Europe/London</strong>" in page
    assert lead.post("/insights/settings/", {"definitions": "devlake"}).status_code == 302
    assert MetricSettings.current().definitions == "devlake"
    response = lead.patch(
        "/api/insights/settings/", {"definitions": "bimodal"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["definitions"] == "bimodal"
    assert lead.post("/insights/settings/", {"definitions": "nope"}).status_code == 400


def test_delivery_page_shows_the_data_quality_signals_with_links(code, make_user, client_for):
    client = client_for(make_user("auditor"))
    page = client.get("/insights/delivery/" + QUERY).content.decode()
    assert "1 commit ignored: authored after its deployment" in page
    assert "/insights/records/negative-lead-times/?" in page
    assert (
        "1 deployment without commits" in page and "/insights/records/deployments-without-commits/?" in page
    )
    assert "2 incidents attributed to no deployment" in page
    records = client.get("/insights/records/incidents-without-deployment/" + QUERY)
    assert records.status_code == 200 and records.content.decode().count("<tr>") == 3  # header + 2
    # The records name and link the tickets and services rather than showing bare ids.
    tickets = Ticket.objects.filter(
        pk__in=IncidentAttribution.objects.filter(deployment=None).values("ticket")
    )
    assert len(tickets) == 2
    body = records.content.decode()
    for ticket in tickets:
        assert f'<a href="/servicedesk/tickets/{ticket.number}/">{ticket.number}</a>' in body
        assert f'<a href="{ticket.service.get_absolute_url()}">{ticket.service.name}</a>' in body


def test_delivery_page_query_count_stays_flat_with_more_bad_records(code, make_user, client_for):
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext

    client = client_for(make_user("auditor"))
    url = "/insights/delivery/" + QUERY + "&definitions=devlake"
    client.get(url)  # the facts catch up
    with CaptureQueriesContext(conn) as before:
        assert client.get(url).status_code == 200
    repo = RepositoryFactory(service=code["a"])
    d4 = code["deployments"][4]
    for hour in (11, 12, 13):
        commit(repo, at(13, hour), d4)  # more commits authored after their deployment
    for day in (20, 21):
        DeploymentFactory(service=code["a"], finished_at=at(day, 10))  # deployments without commits
    client.get(url)
    with CaptureQueriesContext(conn) as after:
        page = client.get(url).content.decode()
    assert "4 commits ignored: authored after their deployment" in page
    assert len(after.captured_queries) == len(before.captured_queries)
