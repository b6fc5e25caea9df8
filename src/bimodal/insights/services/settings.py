"""The organisation's settings for the figures (insights.MetricSettings, one row)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from bimodal.core.models import User
from bimodal.core.services import create_audited, require_perm, transactional, update_audited
from bimodal.core.verbs import AuditVerb
from bimodal.insights.choices import Definitions
from bimodal.insights.models import MetricSettings


@transactional
def metric_settings_update(*, actor: User, definitions: str) -> MetricSettings:
    """Choose the definitions of DORA's four keys the dashboards and the API use (governance leads and
    administrators: `insights.manage_metric_settings`)."""
    require_perm(actor, "insights.manage_metric_settings")
    if definitions not in Definitions.values:
        raise ValidationError({"definitions": f"Choose one of: {', '.join(Definitions.values)}."})
    current = MetricSettings.objects.select_for_update().filter(pk=MetricSettings.SINGLETON).first()
    if current is None:
        return create_audited(
            MetricSettings(pk=MetricSettings.SINGLETON, definitions=definitions),
            actor=actor,
            verb=AuditVerb.METRIC_SETTINGS_UPDATE,
        )
    return update_audited(
        current, actor=actor, fields={"definitions": definitions}, verb=AuditVerb.METRIC_SETTINGS_UPDATE
    )
