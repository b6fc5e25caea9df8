"""Forums (the CAB, the portfolio board) and their meetings: agendas built from pending decisions,
attendance and quorum, outcomes and minutes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Final

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max

from bimodal.core import audit
from bimodal.core.choices import AuditAction
from bimodal.core.models import User
from bimodal.core.services import (
    UNSET,
    NotGiven,
    create_audited,
    given,
    lock,
    require_perm,
    transactional,
    unique_slug,
    update_audited,
)
from bimodal.core.verbs import AuditVerb
from bimodal.governance import registry
from bimodal.governance.choices import (
    MEETING_TRANSITIONS,
    AgendaOutcome,
    ForumKind,
    MeetingStatus,
)
from bimodal.governance.models import (
    AgendaItem,
    DecisionRequest,
    Forum,
    Meeting,
)
from bimodal.governance.services.decisions import (
    decision_record,
    sits_on,
)

# The fields a person sets on a forum: the form, the API's serializer and these services' keyword arguments
# list the same names (governance/tests/test_services.py checks that they do not drift).
FORUM_FIELDS: Final = ("slug", "name", "kind", "charter", "cadence", "quorum", "chair", "members")


@transactional
def forum_create(
    *,
    actor: User,
    name: str,
    slug: str = "",
    kind: str = ForumKind.CAB,
    charter: str = "",
    cadence: str = "",
    quorum: int = 2,
    chair: User | None = None,
    members: Iterable[User] = (),
) -> Forum:
    """Create a forum with its members."""
    require_perm(actor, "governance.add_forum")
    forum = Forum(
        name=name,
        slug=slug or unique_slug(Forum, name),
        kind=kind,
        charter=charter,
        cadence=cadence,
        quorum=quorum,
        chair=chair,
    )
    return create_audited(forum, actor=actor, m2m={"members": list(members)}, verb=AuditVerb.FORUM_CREATE)


@transactional
def forum_update(
    *,
    actor: User,
    forum: Forum,
    reason: str = "",
    members: Iterable[User] | None = None,
    name: str | NotGiven = UNSET,
    slug: str | NotGiven = UNSET,
    kind: str | NotGiven = UNSET,
    charter: str | NotGiven = UNSET,
    cadence: str | NotGiven = UNSET,
    quorum: int | NotGiven = UNSET,
    chair: User | NotGiven | None = UNSET,
) -> Forum:
    """Change a forum's given attributes, or its members (None leaves them as they are)."""
    require_perm(actor, "governance.change_forum")
    fields = given(
        name=name, slug=slug, kind=kind, charter=charter, cadence=cadence, quorum=quorum, chair=chair
    )
    m2m: dict[str, Iterable[Any]] | None = {"members": list(members)} if members is not None else None
    return update_audited(
        forum, actor=actor, fields=fields, m2m=m2m, reason=reason, verb=AuditVerb.FORUM_UPDATE
    )


# --- meetings ------------------------------------------------------------------------------------------


def _require_meeting_manager(actor: User, forum: Forum) -> None:
    """The forum's chair, or whoever may change meetings (governance leads, change managers)."""
    if actor is None or not (actor.has_perm("governance.change_meeting") or forum.chair_id == actor.pk):
        raise PermissionDenied("Only the chair of the forum or a governance lead runs its meetings.")


def _quorum_met(forum: Forum, attendees: Iterable[User]) -> bool:
    """Whether enough of the forum's chair and members attend."""
    seated = set(forum.members.values_list("pk", flat=True))
    if forum.chair_id:
        seated.add(forum.chair_id)
    return len(seated & {u.pk for u in attendees}) >= forum.quorum


@transactional
def meeting_create(
    *, actor: User, forum: Forum, scheduled_for: datetime, attendees: Iterable[User] = ()
) -> Meeting:
    """Plan a meeting of a forum."""
    if actor is None or not (actor.has_perm("governance.add_meeting") or forum.chair_id == actor.pk):
        raise PermissionDenied("Only the chair of the forum or a governance lead plans its meetings.")
    people = list(attendees)
    meeting = Meeting(forum=forum, scheduled_for=scheduled_for, quorum_met=_quorum_met(forum, people))
    return create_audited(meeting, actor=actor, m2m={"attendees": people}, verb=AuditVerb.MEETING_CREATE)


def _check_meeting_open(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError({"status": "The meeting was cancelled."})


@transactional
def meeting_build_agenda(*, actor: User, meeting: Meeting) -> list[AgendaItem]:
    """Add every pending request routed to the meeting's forum and the items of the agenda providers
    registered for its kind (e.g. changes awaiting the CAB); items already on the agenda stay once."""
    meeting = lock(meeting)  # positions are read and taken under the parent's lock
    forum = meeting.forum
    _require_meeting_manager(actor, forum)
    _check_meeting_open(meeting)
    items = meeting.agenda_items.all()
    have_requests = set(items.exclude(decision_request=None).values_list("decision_request_id", flat=True))
    have_subjects = set(items.exclude(object_id=None).values_list("content_type_id", "object_id"))
    order = (items.aggregate(m=Max("order"))["m"] or 0) + 1
    new: list[AgendaItem] = []
    pending = (
        DecisionRequest.objects.pending()
        .filter(forum=forum)
        .exclude(pk__in=have_requests)
        .select_related("decision_type")
        .order_by("requested_at", "pk")
    )
    for request in pending:
        new.append(
            AgendaItem(
                meeting=meeting,
                order=order + len(new),
                decision_request=request,
                topic=f"{request.reference} {request.title}"[:255],
                url=request.get_absolute_url(),
                source=f"decision:{request.decision_type.key}",
            )
        )
    for provider in registry.agenda_providers(forum.kind):
        for obj in provider(meeting):
            content_type = ContentType.objects.get_for_model(obj, for_concrete_model=True)
            if (content_type.pk, obj.pk) in have_subjects:
                continue
            have_subjects.add((content_type.pk, obj.pk))
            new.append(
                AgendaItem(
                    meeting=meeting,
                    order=order + len(new),
                    content_type=content_type,
                    object_id=obj.pk,
                    topic=str(getattr(obj, "agenda_topic", None) or obj)[:255],
                    url=obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else "",
                    source=content_type.app_label,
                )
            )
    for item in new:
        item.full_clean(validate_constraints=False)
    AgendaItem.objects.bulk_create(new)
    if new:
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=meeting,
            after={"agenda_added": [item.topic for item in new]},
            verb=AuditVerb.MEETING_BUILD_AGENDA,
        )
    return list(meeting.agenda_items.select_related("decision_request").order_by("order", "pk"))


@transactional
def agenda_item_add(*, actor: User, meeting: Meeting, topic: str, notes: str = "") -> AgendaItem:
    """Add a free topic to a meeting's agenda."""
    meeting = lock(meeting)  # positions are read and taken under the parent's lock
    _require_meeting_manager(actor, meeting.forum)
    _check_meeting_open(meeting)
    order = (meeting.agenda_items.aggregate(m=Max("order"))["m"] or 0) + 1
    return create_audited(
        AgendaItem(meeting=meeting, order=order, topic=topic, notes=notes, source="topic"),
        actor=actor,
        verb=AuditVerb.AGENDA_ITEM_ADD,
    )


@transactional
def agenda_item_record(*, actor: User, item: AgendaItem, outcome: str, notes: str = "") -> AgendaItem:
    """Record what the forum did with an agenda item. For a decision request, approved / rejected records
    the decision itself (with quorum and decision-right checks); other items are deferred or noted."""
    meeting = item.meeting
    _check_meeting_open(meeting)
    if outcome not in AgendaOutcome.values or outcome == AgendaOutcome.OPEN:
        raise ValidationError({"outcome": "Choose approved, rejected, deferred or noted."})
    if item.decision_request is not None and outcome in (AgendaOutcome.APPROVED, AgendaOutcome.REJECTED):
        decision_record(
            actor=actor, request=item.decision_request, outcome=outcome, note=notes, meeting=meeting
        )
        item.refresh_from_db()
        return item
    if outcome in (AgendaOutcome.APPROVED, AgendaOutcome.REJECTED):
        raise ValidationError(
            {"outcome": "Only decision requests are approved here; vote on a change on its own page."}
        )
    if not (sits_on(actor, meeting.forum) or actor.has_perm("governance.change_meeting")):
        raise PermissionDenied("Only the chair or a member of the forum records its agenda.")
    return update_audited(
        item, actor=actor, fields={"outcome": outcome, "notes": notes}, verb=AuditVerb.AGENDA_ITEM_RECORD
    )


def _check_meeting_move(meeting: Meeting, target: str) -> None:
    """Raise ValidationError unless the meeting may go from its status to `target`."""
    if target not in MEETING_TRANSITIONS.get(meeting.status, frozenset()):
        raise ValidationError(
            {
                "status": f"A meeting cannot go from “{MeetingStatus(meeting.status).label}” "
                f"to “{MeetingStatus(target).label}”."
            }
        )


@transactional
def meeting_record_attendance(*, actor: User, meeting: Meeting, attendees: Iterable[User]) -> Meeting:
    """Record who attends; quorum is met when at least `forum.quorum` of its chair and members attend."""
    _require_meeting_manager(actor, meeting.forum)
    _check_meeting_open(meeting)
    attendees = list(attendees)
    return update_audited(
        meeting,
        actor=actor,
        fields={"quorum_met": _quorum_met(meeting.forum, attendees)},
        m2m={"attendees": attendees},
        verb=AuditVerb.MEETING_RECORD_ATTENDANCE,
    )


@transactional
def meeting_record_minutes(
    *, actor: User, meeting: Meeting, minutes: str, attendees: Iterable[User] | None = None
) -> Meeting:
    """Record the minutes (and, if given, the attendance); the meeting is then held."""
    _require_meeting_manager(actor, meeting.forum)
    _check_meeting_move(meeting, MeetingStatus.HELD)
    fields: dict[str, Any] = {"minutes": minutes, "status": MeetingStatus.HELD}
    m2m: dict[str, Iterable[Any]] | None = None
    if attendees is not None:
        people = list(attendees)
        fields["quorum_met"] = _quorum_met(meeting.forum, people)
        m2m = {"attendees": people}
    return update_audited(
        meeting,
        actor=actor,
        fields=fields,
        m2m=m2m,
        verb=AuditVerb.MEETING_RECORD_MINUTES,
        action=AuditAction.TRANSITION,
    )


@transactional
def meeting_cancel(*, actor: User, meeting: Meeting, reason: str = "") -> Meeting:
    """Cancel a planned meeting."""
    _require_meeting_manager(actor, meeting.forum)
    _check_meeting_move(meeting, MeetingStatus.CANCELLED)
    return update_audited(
        meeting,
        actor=actor,
        fields={"status": MeetingStatus.CANCELLED},
        reason=reason,
        verb=AuditVerb.MEETING_CANCEL,
        action=AuditAction.TRANSITION,
    )
