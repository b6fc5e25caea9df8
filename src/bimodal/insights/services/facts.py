"""DORA facts: the first production deployment of each commit (CommitLead) and the deployment each
incident is attributed to (IncidentAttribution), kept up to date from the other apps' records."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import nullcontext
from datetime import datetime, timedelta
from types import ModuleType

from django.db import connection
from django.db.models import Max
from django.utils import timezone

from bimodal.changes.choices import Environment
from bimodal.changes.models import Deployment
from bimodal.core.services import transactional
from bimodal.insights.metrics import sources, sql
from bimodal.insights.models import FactsMark
from bimodal.integrations.models import DeploymentCommit

# --- DORA facts: first deployment of each commit, deployment of each incident ------------------------

# Rows saved up to this long before a refresh started are looked at again by the next one (a transaction
# still open while a refresh runs commits rows stamped before it).
FACTS_OVERLAP = timedelta(minutes=1)
_CHUNK = 2000

_LEAD_INSERT = (
    "INSERT INTO insights_commitlead (commit_id, service_id, authored_at, deployed_at, lead_seconds) "
    "SELECT f.commit_id, f.service_id, f.authored_at, f.deployed_at, {lead} "
    "FROM (SELECT dc.commit_id, d.service_id, MIN(d.finished_at) AS deployed_at, "
    "MIN(c.authored_at) AS authored_at "
    "FROM {deployment_commit} dc JOIN {deployment} d ON d.id = dc.deployment_id "
    "JOIN {commit} c ON c.id = dc.commit_id "
    "WHERE d.environment = 'production' AND d.status = 'succeeded' AND d.finished_at IS NOT NULL{only} "
    "GROUP BY dc.commit_id, d.service_id) f ORDER BY f.commit_id, f.service_id"
)
# The latest successful production deployment of the incident's service finished before its opening
# (strictly: a deployment finishing at the same instant did not cause it; DevLake's dora plugin,
# incident_deploy_connector.go, takes `finished_date < created_date` likewise).
_LATEST = (
    "SELECT d.id FROM {deployment} d WHERE d.service_id = t.service_id "
    "AND d.environment = 'production' AND d.status = 'succeeded' AND d.finished_at < t.opened_at "
    "ORDER BY d.finished_at DESC, d.id DESC LIMIT 1"
)
_ATTRIBUTION_INSERT = (
    f"INSERT INTO insights_incidentattribution (ticket_id, deployment_id) SELECT t.id, ({_LATEST}) "
    "FROM {ticket} t WHERE t.ticket_type = 'incident'{only} ORDER BY t.id"
)


def _sources() -> dict[str, str]:
    """The other apps' relations the fact statements read, by their placeholder names."""
    return {
        "deployment": sources.deployment(),
        "deployment_commit": sources.deployment_commit(),
        "commit": sources.commit(),
        "ticket": sources.ticket(),
    }


def _chunks(ids: list[int]) -> Iterator[tuple[list[int], str]]:
    for i in range(0, len(ids), _CHUNK):
        part = ids[i : i + _CHUNK]
        yield part, ", ".join(["%s"] * len(part))


@transactional
def dora_facts_refresh(*, full: bool = False) -> dict[str, int]:
    """Bring the DORA facts (CommitLead, IncidentAttribution) up to date with the deployments, deployment
    commits and incidents; returns how many commits and incidents were (re)computed.

    `full` (or the first run) recomputes everything in two set-based statements. Otherwise only what
    changed since the last refresh: commits linked since, or contained in deployments saved since;
    incidents saved since, or without a row, or opened after the finish of a production deployment of
    their service saved since (a deployment reported late, or whose status changed). The metrics call
    this before they read the facts, so the figures never lag the records; `bimodal insights-backfill`
    runs it in full. Rows changed by bulk SQL that leaves `updated_at` alone are only seen by a full run."""

    started = timezone.now()
    with sql.tuned() if full else nullcontext():  # a full rebuild sorts millions of rows
        return _facts_refresh(full=full, started=started, sql=sql)


def _facts_refresh(*, full: bool, started: datetime, sql: ModuleType) -> dict[str, int]:
    mark = FactsMark.objects.select_for_update(no_key=True).filter(name="dora").first()
    if mark is None:
        mark = FactsMark.objects.create(name="dora")
        mark = FactsMark.objects.select_for_update(no_key=True).get(name="dora")
    lead = f"{sql.epoch('f.deployed_at')} - {sql.epoch('f.authored_at')}"
    counts = {"commits": 0, "incidents": 0}
    relations = _sources()
    with connection.cursor() as cursor:
        if full or mark.changed_after is None:
            top = DeploymentCommit.objects.aggregate(top=Max("id"))["top"] or 0
            clear = "TRUNCATE" if connection.vendor == "postgresql" else "DELETE FROM"
            cursor.execute(f"{clear} insights_commitlead")
            cursor.execute(_LEAD_INSERT.format(lead=lead, only="", **relations))
            counts["commits"] = cursor.rowcount
            cursor.execute(f"{clear} insights_incidentattribution")
            cursor.execute(_ATTRIBUTION_INSERT.format(only="", **relations))
            counts["incidents"] = cursor.rowcount
        else:
            since = sql.param(mark.changed_after)
            # Deployments saved since (no index on updated_at: one scan, few rows), in any environment:
            # one moved out of production, or out of success, loses the commits and incidents it had.
            changed = list(
                Deployment.objects.filter(updated_at__gt=mark.changed_after)
                .order_by()
                .values_list("id", "service_id", "finished_at", "environment")
            )
            links = list(
                DeploymentCommit.objects.filter(id__gt=mark.last_link_id)
                .order_by()
                .values_list("id", "commit_id")
            )
            top = max([mark.last_link_id, *(i for i, _ in links)])
            linked = {c for _, c in links}
            for part, _marks in _chunks([d for d, _, _, _ in changed]):
                linked.update(
                    DeploymentCommit.objects.filter(deployment_id__in=part)
                    .order_by()
                    .values_list("commit_id", flat=True)
                    .distinct()
                )
            commits = sorted(linked)
            for part, marks in _chunks(commits):
                cursor.execute(f"DELETE FROM insights_commitlead WHERE commit_id IN ({marks})", part)
                cursor.execute(
                    _LEAD_INSERT.format(lead=lead, only=f" AND dc.commit_id IN ({marks})", **relations), part
                )
            # Incidents opened after the earliest finish among a service's changed production
            # deployments (one may now be theirs), and incidents attributed to a changed deployment (a
            # re-report with a later finish, another status or service may leave them to another one).
            earliest: dict[int, datetime] = {}
            for _, service_id, finished_at, environment in changed:
                if (
                    environment == Environment.PRODUCTION
                    and finished_at is not None
                    and (service_id not in earliest or finished_at < earliest[service_id])
                ):
                    earliest[service_id] = finished_at
            after = " OR ".join(["(t.service_id = %s AND t.opened_at >= %s)"] * len(earliest)) or "1 = 0"
            cursor.execute(
                f"SELECT t.id FROM {relations['ticket']} t WHERE t.ticket_type = 'incident' "
                f"AND (t.updated_at > %s OR {after}) "
                f"UNION SELECT t.id FROM {relations['ticket']} t LEFT JOIN insights_incidentattribution a "
                "ON a.ticket_id = t.id WHERE t.ticket_type = 'incident' AND a.ticket_id IS NULL",
                [since, *[p for s, at in earliest.items() for p in (s, sql.param(at))]],
            )
            stale = {r[0] for r in cursor.fetchall()}
            for part, marks in _chunks([d for d, _, _, _ in changed]):
                cursor.execute(
                    f"SELECT ticket_id FROM insights_incidentattribution WHERE deployment_id IN ({marks})",
                    part,
                )
                stale.update(r[0] for r in cursor.fetchall())
            incidents = sorted(stale)
            for part, marks in _chunks(incidents):
                cursor.execute(f"DELETE FROM insights_incidentattribution WHERE ticket_id IN ({marks})", part)
                cursor.execute(_ATTRIBUTION_INSERT.format(only=f" AND t.id IN ({marks})", **relations), part)
            counts = {"commits": len(commits), "incidents": len(incidents)}
            if not (changed or links or incidents):
                return counts  # nothing changed: the mark stays (the next look covers the same span)
    mark.changed_after = started - FACTS_OVERLAP
    mark.last_link_id = top
    mark.save()
    return counts
