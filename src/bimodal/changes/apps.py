"""Changes app: change records for both modes, CAB approval, windows and freezes, the deployment gate."""

from django.apps import AppConfig


def changes_awaiting_forum(meeting):
    """Agenda provider: the changes awaiting approval by the meeting's forum, riskiest first."""
    from bimodal.changes.choices import ChangeStatus
    from bimodal.changes.models import Change

    return Change.objects.filter(
        status=ChangeStatus.AWAITING_APPROVAL, approver_forum=meeting.forum
    ).order_by("-risk_score", "planned_start", "pk")


class ChangesConfig(AppConfig):
    """Configuration of the changes app."""

    name = "bimodal.changes"
    label = "changes"
    verbose_name = "Changes & deployments"

    def ready(self) -> None:
        from bimodal.changes import selectors, services
        from bimodal.core import hooks as core_hooks
        from bimodal.governance import registry
        from bimodal.portfolio import hooks as portfolio_hooks

        portfolio_hooks.mode_cadence_changed.register(services.release_train_follow)
        # A new organisation gets each mode's release train (the worker keeps it a year ahead).
        core_hooks.default_data.register("changes.release_trains", services.release_trains_extend)
        registry.register_agenda_provider("cab", changes_awaiting_forum)
        registry.register_agenda_provider("ecab", changes_awaiting_forum)
        registry.register_report_source(
            "changes", selectors.bureaucracy_rows, permission="changes.view_change"
        )
