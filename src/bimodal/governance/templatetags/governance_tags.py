"""Template tags of the governance app: the governance panel shown on an org unit's page."""

from django import template

from bimodal.governance import selectors

register = template.Library()


@register.inclusion_tag("governance/_orgunit_governance.html", takes_context=True)
def unit_governance(context, unit):
    """How the unit's governance model routes each decision type (read through the selectors)."""
    user = context.get("user")
    if user is None or not user.has_perm("governance.view_decisionright"):
        return {"visible": False}
    return {"visible": True, "user": user, **selectors.unit_governance(org_unit=unit)}
