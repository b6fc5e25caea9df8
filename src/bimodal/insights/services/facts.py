"""DORA facts: the first production deployment of each commit (CommitLead) and the deployment each
incident is attributed to (IncidentAttribution), kept up to date from the other apps' records."""

from __future__ import annotations

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
    # Without JIT and within the statement time limit (sql.tuned); a full rebuild, run by an operator
    # over millions of rows, has no time limit.
    with sql.tuned(timeout=not full):
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
            # Every set below goes to the database as one JSON parameter (sql.json_rows): the statements
            # are the same text for ten services or a hundred thousand.
            deployments, deployment_params = sql.json_rows(
                [("id", "bigint")], [(d,) for d, _, _, _ in changed]
            )
            cursor.execute(
                f"SELECT DISTINCT dc.commit_id FROM {relations['deployment_commit']} dc "
                f"WHERE dc.deployment_id IN (SELECT w.id FROM {deployments} w)",
                deployment_params,
            )
            commits = sorted({c for _, c in links} | {r[0] for r in cursor.fetchall()})
            if commits:
                ids, id_params = sql.json_rows([("id", "bigint")], [(c,) for c in commits])
                only = f"commit_id IN (SELECT w.id FROM {ids} w)"
                cursor.execute(f"DELETE FROM insights_commitlead WHERE {only}", id_params)
                cursor.execute(_LEAD_INSERT.format(lead=lead, only=f" AND dc.{only}", **relations), id_params)
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
            marks, mark_params = sql.json_rows(
                [("service_id", "bigint"), ("since", "timestamptz")], list(earliest.items())
            )
            cursor.execute(
                f"SELECT t.id FROM {relations['ticket']} t WHERE t.ticket_type = 'incident' "
                "AND t.updated_at > %s "
                f"UNION SELECT t.id FROM {relations['ticket']} t JOIN {marks} w "
                "ON t.service_id = w.service_id AND t.opened_at >= w.since WHERE t.ticket_type = 'incident' "
                f"UNION SELECT t.id FROM {relations['ticket']} t LEFT JOIN insights_incidentattribution a "
                "ON a.ticket_id = t.id WHERE t.ticket_type = 'incident' AND a.ticket_id IS NULL "
                "UNION SELECT a.ticket_id FROM insights_incidentattribution a "
                f"WHERE a.deployment_id IN (SELECT w.id FROM {deployments} w)",
                [since, *mark_params, *deployment_params],
            )
            incidents = sorted(r[0] for r in cursor.fetchall())
            if incidents:
                ids, id_params = sql.json_rows([("id", "bigint")], [(i,) for i in incidents])
                cursor.execute(
                    f"DELETE FROM insights_incidentattribution WHERE ticket_id IN (SELECT w.id FROM {ids} w)",
                    id_params,
                )
                cursor.execute(
                    _ATTRIBUTION_INSERT.format(only=f" AND t.id IN (SELECT w.id FROM {ids} w)", **relations),
                    id_params,
                )
            counts = {"commits": len(commits), "incidents": len(incidents)}
            if not (changed or links or incidents):
                return counts  # nothing changed: the mark stays (the next look covers the same span)
    mark.changed_after = started - FACTS_OVERLAP
    mark.last_link_id = top
    mark.save()
    return counts
