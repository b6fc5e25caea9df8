"""Core models: users, org units, teams and the hash-chained audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, NoReturn, TypeAlias, cast

from django.contrib.auth.models import AbstractUser, AnonymousUser, UserManager
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from bimodal.core.choices import (
    AuditAction,
    GovernanceModel,
    NotificationChannel,
    NotificationKind,
    TeamKind,
)
from bimodal.core.querysets import RestrictedManager, RestrictedQuerySet
from bimodal.core.verbs import verb_label


class TimeStampedModel(models.Model):
    """Abstract base with creation and modification times."""

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class BimodalUserManager(UserManager["User"]):
    """User manager that also offers `restrict()`."""

    _queryset_class = RestrictedQuerySet

    def get_queryset(self) -> RestrictedQuerySet[User]:
        return cast("RestrictedQuerySet[User]", super().get_queryset())

    def restrict(self, user: Actor, action: str = "view") -> RestrictedQuerySet[User]:
        return self.get_queryset().restrict(user, action)

    def restriction(self, user: User, action: str) -> Q | None:
        return self.get_queryset().restriction(user, action)


class User(AbstractUser):
    """A person (or a machine account) who signs in to Bimodal; roles are groups."""

    job_title = models.CharField(max_length=120, blank=True)
    supplier = models.ForeignKey(
        "suppliers.Supplier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agents",
        help_text="For supplier agents: the supplier whose queue and services they work.",
    )
    manager = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reports"
    )

    objects: ClassVar[BimodalUserManager] = BimodalUserManager()

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def role_names(self) -> list[str]:
        """Names of the role groups this user holds."""
        return [group.name for group in self.groups.all()]


# Who does something: a signed-in user, an anonymous visitor, or no one (the system itself).
Actor: TypeAlias = "User | AnonymousUser | None"


class OrgUnitQuerySet(RestrictedQuerySet["OrgUnit"]):
    """Org units are visible to every signed-in user with the view permission."""


class OrgUnit(TimeStampedModel):
    """A part of the organisation (division, department) with its governance model."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    governance_model = models.CharField(
        max_length=20, choices=GovernanceModel.choices, default=GovernanceModel.CENTRALISED
    )
    head = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="headed_units"
    )
    description = models.TextField(blank=True)

    objects = RestrictedManager.from_queryset(OrgUnitQuerySet)()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("core:orgunit_detail", args=[self.slug])


class TeamQuerySet(RestrictedQuerySet["Team"]):
    """Supplier agents see only their supplier's teams; everyone else sees all teams."""

    def restriction(self, user: User, action: str) -> Q | None:
        if user.supplier_id and action == "view":
            return Q(supplier_id=user.supplier_id)
        if action in {"change", "delete"} and not user.has_perm("core.manage_all_teams"):
            return Q(lead=user)
        return None


class Team(TimeStampedModel):
    """A team that owns and supports services (product, platform, operations, service desk …)."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=TeamKind.choices, default=TeamKind.PRODUCT)
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="teams")
    lead = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="led_teams")
    members = models.ManyToManyField(User, blank=True, related_name="teams")
    supplier = models.ForeignKey(
        "suppliers.Supplier", on_delete=models.PROTECT, null=True, blank=True, related_name="teams"
    )
    email = models.EmailField(blank=True)
    chat_channel = models.CharField(max_length=120, blank=True)
    description = models.TextField(blank=True)

    objects = RestrictedManager.from_queryset(TeamQuerySet)()

    class Meta:
        ordering = ["name"]
        permissions = [("manage_all_teams", "Can change any team, not only the ones they lead")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("core:team_detail", args=[self.slug])


class AuditEntryQuerySet(RestrictedQuerySet["AuditEntry"]):
    """The audit log refuses bulk updates and deletes: it is append-only."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise ValidationError("The audit log is append-only.")

    def delete(self) -> NoReturn:
        raise ValidationError("The audit log is append-only.")


def _choice_label(labels: dict[object, object], value: object) -> object:
    """The display name of a stored choice; other values (lists, numbers, free text) as they are."""
    if isinstance(value, list | dict):
        return value
    return labels.get(value, value)


class AuditEntry(models.Model):
    """One recorded write: who did what to which object, before/after, why; chained by hash."""

    seq = models.PositiveBigIntegerField(unique=True, editable=False)
    timestamp = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_entries"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    verb = models.CharField(max_length=60, blank=True, help_text="Service-level verb, e.g. change_mode")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64, db_index=True)
    object_repr = models.CharField(max_length=255)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True)
    request_id = models.CharField(max_length=64, blank=True, db_index=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = RestrictedManager.from_queryset(AuditEntryQuerySet)()

    class Meta:
        ordering = ["-seq"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.actor_label or 'system'} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Append-only: an entry is written once, by bimodal.core.audit.record().
        if not self._state.adding:
            raise ValidationError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ValidationError("The audit log is append-only.")

    @property
    def verb_label(self) -> str:
        """The verb in words, as pages show it ("Change created"); see core.verbs."""
        return verb_label(self.verb)

    @property
    def new_status_label(self) -> str:
        """The display name of the status this write moved the object to; "" when it kept its status."""
        before, after = (self.before or {}).get("status"), (self.after or {}).get("status")
        if not after or before == after:
            return ""
        model = ContentType.objects.get_for_id(self.content_type_id).model_class()
        try:
            choices = dict(getattr(model._meta.get_field("status"), "flatchoices", ())) if model else {}
        except FieldDoesNotExist:  # an object without a status field: show what was stored
            choices = {}
        return str(choices.get(after, after))

    @property
    def summary(self) -> str:
        """The entry in words for a history list: "Change created → Approved", or "Change → Implementing"
        when the verb is itself the new status."""
        label, status = self.verb_label or self.get_action_display(), self.new_status_label
        if not status:
            return label
        if self.verb.endswith(f"_{(self.after or {}).get('status')}"):
            return f"{label.split(':')[0]} → {status}"
        return f"{label} → {status}"

    @property
    def changed_fields(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for every field whose value differs."""
        before, after = self.before or {}, self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]

    @property
    def shown_changes(self) -> list[tuple[str, object, object]]:
        """changed_fields as pages show them: the field's verbose name and, for choices, their labels."""
        model = ContentType.objects.get_for_id(self.content_type_id).model_class()
        fields = {f.attname: f for f in model._meta.get_fields() if hasattr(f, "attname")} if model else {}
        fields |= {f.name: f for f in fields.values()}
        shown = []
        for key, before, after in self.changed_fields:
            field = fields.get(key)
            if field is None:
                shown.append((key.replace("_", " ").capitalize(), before, after))
                continue
            labels = dict(getattr(field, "flatchoices", ()) or ())
            name = str(getattr(field, "verbose_name", key)).capitalize()
            shown.append((name, _choice_label(labels, before), _choice_label(labels, after)))
        return shown


class AuditChainHead(models.Model):
    """The single row that holds the end of the audit hash chain; locked while appending."""

    seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"audit head #{self.seq}"


class NotificationQuerySet(RestrictedQuerySet["Notification"]):
    """A person sees only their own notifications."""

    def restriction(self, user: User, action: str) -> Q | None:
        return Q(recipient=user)


class Notification(models.Model):
    """An in-app notification for one person (SLA warnings, assignments …), grouped per object and kind:
    while it is unread, another one of the same kind about the same object updates it (`count`, latest
    subject, body and time) instead of adding a row. Email goes out by the person's chosen channel."""

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40, choices=NotificationKind.choices, default=NotificationKind.OTHER)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    object_id = models.CharField(max_length=64, blank=True)
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    count = models.PositiveIntegerField(default=1, help_text="How many notifications this entry groups")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True, help_text="The latest one's time")
    read_at = models.DateTimeField(null=True, blank=True)
    digest_pending = models.BooleanField(default=False, help_text="Queued for the recipient's daily digest")

    objects = RestrictedManager.from_queryset(NotificationQuerySet)()
    available: bool = True  # may the recipient still view its object? Set by selectors.with_links.

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            # One unread entry per person, object and kind: concurrent notify() calls meet here.
            models.UniqueConstraint(
                fields=["recipient", "content_type", "object_id", "kind"],
                condition=Q(read_at__isnull=True, content_type__isnull=False),
                name="core_notification_one_unread_per_group",
            ),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="core_notif_recipient_read")]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.subject}" + (f" ×{self.count}" if self.count > 1 else "")


class NotificationPreferenceQuerySet(RestrictedQuerySet["NotificationPreference"]):
    """A person sees and changes only their own preferences."""

    def restriction(self, user: User, action: str) -> Q | None:
        return Q(user=user)


class NotificationPreference(models.Model):
    """A person's channel for one kind of notification (no row: the default, in the app and by email)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notification_preferences")
    kind = models.CharField(max_length=40, choices=NotificationKind.choices)
    channel = models.CharField(max_length=10, choices=NotificationChannel.choices)

    objects = RestrictedManager.from_queryset(NotificationPreferenceQuerySet)()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="core_notificationpref_user_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} → {self.channel}"


class Counter(models.Model):
    """A named counter for numbers (ticket numbers, change references) on databases without sequences;
    on PostgreSQL each counter is a sequence (core/numbers.py)."""

    name = models.CharField(max_length=50, unique=True)
    value = models.PositiveBigIntegerField(default=0)

    objects: ClassVar[models.Manager[Counter]] = models.Manager()

    def __str__(self) -> str:
        return f"{self.name} = {self.value}"


class ApiTokenQuerySet(RestrictedQuerySet["ApiToken"]):
    """A person sees only their own API tokens."""

    def restriction(self, user: User, action: str) -> Q | None:
        return Q(user=user)


class ApiToken(models.Model):
    """A person's (or machine account's) API token: only a SHA-256 of the secret is stored; it expires and
    can be revoked. The key `bmt_<prefix>_<secret>` is shown once, when it is created."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(max_length=120, blank=True)
    prefix = models.CharField(max_length=12, unique=True, help_text="Public part, for lookup")
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedManager.from_queryset(ApiTokenQuerySet)()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user.get_username()}: {self.name or 'token'} ({self.prefix}…)"

    def is_valid(self, now: datetime | None = None) -> bool:
        """Neither revoked nor expired (at `now`, default the current time)."""
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class WorkerHeartbeat(models.Model):
    """A background worker's lease: renewed every few seconds while it runs (`bimodal worker`); a task
    still RUNNING under a worker whose lease has run out is queued again (core.tasks.recover_stale)."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    seen_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[models.Manager[WorkerHeartbeat]] = models.Manager()

    def __str__(self) -> str:
        return f"{self.worker_id} at {self.seen_at:%Y-%m-%d %H:%M:%S}"
