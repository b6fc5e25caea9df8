"""Tables of the portfolio pages (django-tables2)."""

from __future__ import annotations

import django_tables2 as tables

from bimodal.portfolio.models import Service
from bimodal.portfolio.templatetags.portfolio_tags import mode_badge_html, tier_badge_html

NOWRAP = {"td": {"class": "text-nowrap"}}


class ServiceTable(tables.Table):
    """The service catalogue: sortable, one row per service."""

    name = tables.Column(linkify=True, attrs={"td": {"class": "fw-semibold"}})
    mode = tables.Column(order_by=("mode__order", "mode__name"), attrs=NOWRAP)
    owner_team = tables.Column(verbose_name="Owner team", order_by=("owner_team__name",))
    capability = tables.Column(order_by=("capability__name",), default="—")
    lifecycle = tables.Column(attrs=NOWRAP)
    criticality = tables.Column(verbose_name="Tier", attrs=NOWRAP)
    support_coverage = tables.Column(verbose_name="Coverage", attrs=NOWRAP)
    hosting = tables.Column(attrs=NOWRAP)

    class Meta:
        model = Service
        fields = (
            "name",
            "mode",
            "owner_team",
            "capability",
            "lifecycle",
            "criticality",
            "support_coverage",
            "hosting",
        )
        template_name = "portfolio/_table.html"
        attrs = {
            "class": "table table-sm table-hover align-middle bm-table",
            "data-testid": "service-table",
        }
        row_attrs = {"data-slug": lambda record: record.slug}
        empty_text = "No services."

    def render_mode(self, record):
        return mode_badge_html(record.mode)

    def render_criticality(self, record):
        return tier_badge_html(record.criticality)

    def render_lifecycle(self, record):
        return record.get_lifecycle_display()
