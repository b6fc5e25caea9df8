"""Tables (django-tables2) of the core app's list pages."""

from __future__ import annotations

from datetime import datetime

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from bimodal.core.models import AuditEntry, Team

_TABLE_ATTRS = {"class": "table table-sm table-hover align-middle mb-0"}


class TeamTable(tables.Table):
    """Teams with their org unit, lead and the number of members and services (annotated)."""

    name = tables.Column(linkify=True, attrs={"td": {"class": "fw-semibold"}})
    kind = tables.Column()
    org_unit = tables.Column(linkify=True, order_by=("org_unit__name", "name"), verbose_name="Org unit")
    lead = tables.Column(order_by=("lead__last_name", "lead__first_name"))
    member_count = tables.Column(
        verbose_name="Members", attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}}
    )
    service_count = tables.Column(
        verbose_name="Services", attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}}
    )

    class Meta:
        model = Team
        fields = ["name", "kind", "org_unit", "lead", "member_count", "service_count"]
        attrs = {**_TABLE_ATTRS, "data-testid": "team-table"}
        empty_text = "No teams match these filters."
        order_by = ("org_unit", "name")

    def render_kind(self, record: Team) -> str:
        return record.get_kind_display()


class AuditEntryTable(tables.Table):
    """Audit entries; the object links through the entry so that no row needs an extra query."""

    seq = tables.Column(verbose_name="#", attrs={"td": {"class": "bm-mono"}})
    timestamp = tables.DateTimeColumn(format="DATETIME_FORMAT", verbose_name="Time")
    actor_label = tables.Column(verbose_name="Actor")
    action = tables.Column(verbose_name="Action")
    object_repr = tables.Column(verbose_name="Object", order_by=("content_type__model", "object_repr"))
    reason = tables.Column(orderable=False, attrs={"td": {"class": "bm-reason"}})
    request_id = tables.Column(verbose_name="Request", orderable=False, attrs={"td": {"class": "bm-mono"}})

    class Meta:
        model = AuditEntry
        fields = ["seq", "timestamp", "actor_label", "action", "object_repr", "reason", "request_id"]
        attrs = {**_TABLE_ATTRS, "data-testid": "audit-table"}
        empty_text = "No audit entries match these filters."
        order_by = ("-seq",)

    def value_timestamp(self, value: datetime) -> str:
        """CSV exports write the moment in ISO 8601 (UTC, as stored), not the page format."""
        return value.isoformat()

    def render_seq(self, record: AuditEntry) -> str:
        return format_html('<a href="{}">{}</a>', reverse("core:audit_detail", args=[record.seq]), record.seq)

    def render_action(self, record: AuditEntry) -> str:
        verb = format_html('<div class="bm-verb">{}</div>', record.verb_label) if record.verb else ""
        return format_html(
            '<span class="bm-action bm-action-{}">{}</span>{}',
            record.action,
            record.get_action_display(),
            verb,
        )

    def render_object_repr(self, record: AuditEntry) -> str:
        if record.action == "delete":
            link = format_html("<s>{}</s>", record.object_repr)
        else:
            link = format_html(
                '<a href="{}">{}</a>', reverse("core:audit_object", args=[record.seq]), record.object_repr
            )
        return format_html('<div class="bm-ctype">{}</div>{}', record.content_type.name.capitalize(), link)

    def render_reason(self, value: str) -> str:
        return value if len(value) <= 120 else value[:117] + "…"

    # The CSV export's cells: plain values, whole reasons.
    def value_seq(self, value: int) -> int:
        return value

    def value_action(self, record: AuditEntry) -> str:
        return f"{record.action} {record.verb}".strip()

    def value_object_repr(self, record: AuditEntry) -> str:
        return f"{record.content_type.name.capitalize()}: {record.object_repr}"

    def value_reason(self, value: str) -> str:
        return value

    def render_request_id(self, value: str) -> str:
        return format_html('<span title="{}">{}</span>', value, value[:8])
