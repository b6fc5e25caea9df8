"""The demo's story as numbers: what a load must produce on any day (used by the any-day tests)."""

from __future__ import annotations

from django.apps import apps
from django.db.models import Count, Q

# Fields with choices whose values tell the story: a change awaiting the CAB, a breached clock, a closed sprint.
STORY_FIELDS = ("status", "state", "result", "kind", "rag", "outcome", "decision")
# Rows whose number follows the clock, not the story: sessions and the task queue's bookkeeping.
SKIPPED_APPS = {"sessions", "admin", "contenttypes", "django_tasks_database", "django_tasks_db"}


def story() -> dict[str, object]:
    """Row counts of every model, counts per value of its story fields, and SLA breaches by state."""
    out: dict[str, object] = {}
    for model in apps.get_models():
        meta = model._meta
        if meta.app_label in SKIPPED_APPS or meta.proxy:
            continue
        label = meta.label
        manager = model._base_manager
        out[label] = manager.count()
        names = {f.name for f in meta.concrete_fields if f.choices}
        for name in STORY_FIELDS:
            if name in names:
                rows = manager.values_list(name).annotate(n=Count("pk")).order_by(name)
                out[f"{label}.{name}"] = dict(rows)
    sla = apps.get_model("servicedesk", "SlaInstance")._base_manager
    out["sla breached"] = sla.filter(breached_at__isnull=False).count()
    out["sla breached by state"] = dict(
        sla.filter(breached_at__isnull=False).values_list("state").annotate(n=Count("pk")).order_by("state")
    )
    out["sla warned"] = sla.filter(~Q(state="stopped"), breached_at__isnull=True).count()
    return out
