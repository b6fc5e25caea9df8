"""Choices of the changes app; the change state machine is declared here, once."""

from django.db import models


class ChangeType(models.TextChoices):
    """ITIL change types."""

    STANDARD = "standard", "Standard (pre-approved)"
    NORMAL = "normal", "Normal"
    EMERGENCY = "emergency", "Emergency"


class ChangeStatus(models.TextChoices):
    """Where a change is in its life."""

    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    ASSESSED = "assessed", "Assessed"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    SCHEDULED = "scheduled", "Scheduled"
    IMPLEMENTING = "implementing", "Implementing"
    COMPLETED = "completed", "Completed successfully"
    FAILED = "failed", "Failed"
    BACKED_OUT = "backed_out", "Backed out"
    REVIEWED = "reviewed", "Reviewed"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


S = ChangeStatus

# status -> the statuses it may move to. Services enforce this and the extra rules beside each edge.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SUBMITTED, S.CANCELLED}),
    S.SUBMITTED: frozenset({S.ASSESSED, S.IMPLEMENTING, S.CANCELLED}),  # → implementing: emergency only
    S.ASSESSED: frozenset({S.AWAITING_APPROVAL, S.APPROVED, S.REJECTED}),
    S.AWAITING_APPROVAL: frozenset({S.APPROVED, S.REJECTED, S.IMPLEMENTING, S.CANCELLED}),  # emergency
    # → implementing: standard only; → awaiting approval: a material edit after approval (a new slot)
    S.APPROVED: frozenset({S.SCHEDULED, S.IMPLEMENTING, S.AWAITING_APPROVAL, S.CANCELLED}),
    S.REJECTED: frozenset({S.CLOSED}),
    S.SCHEDULED: frozenset({S.IMPLEMENTING, S.AWAITING_APPROVAL, S.CANCELLED}),
    S.IMPLEMENTING: frozenset({S.COMPLETED, S.FAILED, S.BACKED_OUT}),
    S.COMPLETED: frozenset({S.REVIEWED, S.CLOSED}),  # → closed directly: standard only
    S.FAILED: frozenset({S.REVIEWED}),
    S.BACKED_OUT: frozenset({S.REVIEWED}),
    S.REVIEWED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
}
# Edges only some change types may take.
EMERGENCY_ONLY = frozenset({(S.SUBMITTED, S.IMPLEMENTING), (S.AWAITING_APPROVAL, S.IMPLEMENTING)})
STANDARD_ONLY = frozenset({(S.APPROVED, S.IMPLEMENTING), (S.COMPLETED, S.CLOSED)})
# Statuses in which a change still holds its planned slot (used for conflicts).
ACTIVE = frozenset({S.SUBMITTED, S.ASSESSED, S.AWAITING_APPROVAL, S.APPROVED, S.SCHEDULED, S.IMPLEMENTING})
FINISHED = frozenset({S.COMPLETED, S.FAILED, S.BACKED_OUT})
UNSUCCESSFUL = frozenset({S.FAILED, S.BACKED_OUT})


def can_transition(source: str, target: str, change_type: str) -> bool:
    """Whether the state machine allows `source` → `target` for a change of this type."""
    if target not in TRANSITIONS.get(source, frozenset()):
        return False
    if (source, target) in EMERGENCY_ONLY and change_type != ChangeType.EMERGENCY:
        return False
    return not ((source, target) in STANDARD_ONLY and change_type != ChangeType.STANDARD)


class ReleaseStatus(models.TextChoices):
    """Where a release of a mode's release train is."""

    PLANNED = "planned", "Planned"
    FROZEN = "frozen", "Frozen (past its cut-off)"
    RELEASED = "released", "Released"
    CANCELLED = "cancelled", "Cancelled"


R = ReleaseStatus
# status -> the statuses a release may move to (changes/services/releases.py enforces this).
RELEASE_TRANSITIONS: dict[str, frozenset[str]] = {
    R.PLANNED: frozenset({R.FROZEN, R.RELEASED, R.CANCELLED}),
    R.FROZEN: frozenset({R.PLANNED, R.RELEASED, R.CANCELLED}),
    R.RELEASED: frozenset(),
    R.CANCELLED: frozenset({R.PLANNED}),
}
# A release a change may still join; one that still holds its date (a release date of the train).
RELEASE_OPEN = frozenset({R.PLANNED})
RELEASE_ON_TRAIN = frozenset({R.PLANNED, R.FROZEN, R.RELEASED})


class TemplateStatus(models.TextChoices):
    """Where a standard-change template (one version of it) is in its life."""

    PROPOSED = "proposed", "Proposed"
    APPROVED = "approved", "Approved"
    SUSPENDED = "suspended", "Suspended"
    SUPERSEDED = "superseded", "Superseded by a newer version"
    RETIRED = "retired", "Retired"


T = TemplateStatus
# template status -> the statuses it may move to (superseded: when a newer version is approved).
TEMPLATE_TRANSITIONS: dict[str, frozenset[str]] = {
    T.PROPOSED: frozenset({T.APPROVED, T.RETIRED}),
    T.APPROVED: frozenset({T.SUSPENDED, T.SUPERSEDED, T.RETIRED}),
    T.SUSPENDED: frozenset({T.APPROVED, T.SUPERSEDED, T.RETIRED}),
    T.SUPERSEDED: frozenset(),
    T.RETIRED: frozenset(),
}


class Vote(models.TextChoices):
    """An approver's vote."""

    APPROVE = "approve", "Approve"
    REJECT = "reject", "Reject"


class WindowKind(models.TextChoices):
    """A calendar entry: when changes may happen, or when they may not."""

    WINDOW = "window", "Change window"
    FREEZE = "freeze", "Freeze (blackout)"


class Environment(models.TextChoices):
    """Where a change or deployment lands."""

    PRODUCTION = "production", "Production"
    STAGING = "staging", "Staging"
    TEST = "test", "Test"


class GateOutcome(models.TextChoices):
    """The deployment gate's answer."""

    ALLOW = "allow", "Allow"
    DENY = "deny", "Deny"
    PENDING = "needs_approval", "Needs approval"


class DeploymentStatus(models.TextChoices):
    """A deployment's result."""

    IN_PROGRESS = "in_progress", "In progress"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    ROLLED_BACK = "rolled_back", "Rolled back"


class DeploymentSource(models.TextChoices):
    """Who reported a deployment."""

    GATE = "gate", "Deployment gate"
    GITHUB = "github", "GitHub webhook"
    GITLAB = "gitlab", "GitLab webhook"
    IMPORT = "import", "Import"
    API = "api", "API"


class ChangeSource(models.TextChoices):
    """Who raised a change."""

    MANUAL = "manual", "Raised by a person"
    GATE = "gate", "Deployment gate"


RISK_QUESTIONS = [
    ("untested", "Has the change not been tested in a production-like environment?"),
    ("no_rollback", "Is there no automated rollback?"),
    ("data_migration", "Does it migrate or transform data?"),
    ("downtime", "Will customers see downtime?"),
    ("first_time", "Is this the first time this kind of change is made?"),
]
