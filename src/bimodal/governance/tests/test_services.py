"""Policy versions, validation on save, forums, defaults and the try-out."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bimodal.core.models import AuditEntry
from bimodal.core.tests.factories import UserFactory
from bimodal.governance import engine, services
from bimodal.governance.defaults import DEFAULT_POLICIES, apply_default_policies
from bimodal.governance.engine import SAMPLE_CONTEXT
from bimodal.governance.models import Policy
from bimodal.governance.profiles import profile_policies
from bimodal.portfolio.models import Mode


@pytest.fixture
def lead(db):
    return UserFactory(roles=["governance_lead"])


def test_create_and_edit_makes_versions(lead):
    p = services.policy_create(
        actor=lead, name="Big changes", expression="change.risk_score > 70", effect="deny"
    )
    p2 = services.policy_update(
        actor=lead, policy=p, expression="change.risk_score > 80", reason="too strict"
    )
    assert (p2.key, p2.version, p2.is_current) == (p.key, 2, True)
    p.refresh_from_db()
    assert not p.is_current and p.expression == "change.risk_score > 70"
    assert Policy.objects.filter(key=p.key).count() == 2
    assert AuditEntry.objects.filter(verb="policy_update").count() == 1


def test_edit_without_change_adds_no_version(lead):
    p = services.policy_create(actor=lead, name="x", expression="true", effect="allow")
    assert services.policy_update(actor=lead, policy=p, expression="true").version == 1


def test_bad_cel_is_refused_on_create_and_nothing_is_written(lead):
    with pytest.raises(ValidationError) as exc:
        services.policy_create(actor=lead, name="bad", expression="change.type ==", effect="deny")
    assert "expression" in exc.value.message_dict
    assert not Policy.objects.exists()


def test_bad_cel_on_edit_keeps_the_current_version(lead):
    p = services.policy_create(actor=lead, name="ok", expression="true", effect="allow")
    with pytest.raises(ValidationError):
        services.policy_update(actor=lead, policy=p, expression="change.risk_score")
    assert Policy.objects.get(key=p.key, is_current=True).version == 1


def test_approval_needs_an_approver(lead):
    with pytest.raises(ValidationError) as exc:
        services.policy_create(actor=lead, name="a", expression="true", effect="require_approval")
    assert "approver_role" in exc.value.message_dict


def test_evidence_policy_needs_names(lead):
    with pytest.raises(ValidationError) as exc:
        services.policy_create(actor=lead, name="e", expression="true", effect="require_evidence")
    assert "evidence" in exc.value.message_dict


def test_others_may_not_write_policies(db):
    with pytest.raises(PermissionDenied):
        services.policy_create(
            actor=UserFactory(roles=["cab_member"]), name="x", expression="true", effect="allow"
        )


def test_defaults_are_idempotent(lead):
    generated = sum(len(profile_policies(mode)) for mode in Mode.objects.all())
    assert generated > 0
    assert apply_default_policies(actor=lead) == len(DEFAULT_POLICIES) + generated
    assert apply_default_policies(actor=lead) == 0


def test_defaults_of_earlier_releases_are_retired_once(lead):
    old = services.policy_create(
        actor=lead, key="m1-standard-allow", name="Old", modes=["mode-1"], effect="allow"
    )
    apply_default_policies(actor=lead)
    retired = Policy.objects.get(key=old.key, is_current=True)
    assert (retired.version, retired.enabled) == (2, False)
    assert apply_default_policies(actor=lead) == 0


def test_snapshot_refreshes_after_an_edit(lead):
    p = services.policy_create(actor=lead, name="x", expression="true", effect="allow")
    assert [c.version for c in engine.current_policies().policies] == [1]
    services.policy_update(actor=lead, policy=p, enabled=False)
    assert engine.current_policies().policies == []


def test_try_evaluates_a_draft_without_saving(lead):
    apply_default_policies(actor=lead)
    count = Policy.objects.count()
    draft = Policy(key="draft", name="Tier 0 deny", expression="service.criticality == 0", effect="deny")
    result = services.policy_try(draft=draft, context=SAMPLE_CONTEXT)
    assert result["outcome"] == "deny" and result["draft_fired"]
    assert Policy.objects.count() == count


def test_forum_members(lead):
    a, b = UserFactory(), UserFactory()
    forum = services.forum_create(actor=lead, name="CAB 2", members=[a])
    services.forum_update(actor=lead, forum=forum, members=[a, b])
    assert set(forum.members.all()) == {a, b}


def test_policy_forum_and_decision_type_fields_are_named_once():
    from bimodal.core.tests.fieldspec import spec_mismatches
    from bimodal.governance.api.serializers import (
        DecisionTypeWriteSerializer,
        ForumSerializer,
        PolicyWriteSerializer,
    )
    from bimodal.governance.forms import ForumForm, PolicyForm

    # The key is given once, on creation: an update keeps it.
    assert not spec_mismatches(
        (*services.POLICY_FIELDS, "key"),
        services={services.policy_create: ()},
        serializer=PolicyWriteSerializer,
        form=PolicyForm,
        form_omits=("key",),  # the page derives the key from the name
    )
    assert not spec_mismatches(services.POLICY_FIELDS, services={services.policy_update: ("policy",)})
    assert not spec_mismatches(
        services.FORUM_FIELDS,
        services={services.forum_create: (), services.forum_update: ("forum",)},
        serializer=ForumSerializer,
        form=ForumForm,
        form_omits=("slug",),  # the page derives the slug from the name
    )
    assert not spec_mismatches(
        (*services.DECISION_TYPE_FIELDS, "key"),
        services={services.decision_type_create: ()},
        serializer=DecisionTypeWriteSerializer,
    )
    assert not spec_mismatches(
        services.DECISION_TYPE_FIELDS, services={services.decision_type_update: ("decision_type",)}
    )


def test_an_update_changes_only_the_given_fields(lead):
    forum = services.forum_create(actor=lead, name="Board", cadence="Monthly", chair=lead)
    services.forum_update(actor=lead, forum=forum, chair=None)
    forum.refresh_from_db()
    assert (forum.chair, forum.cadence, forum.kind, forum.quorum) == (None, "Monthly", "cab", 2)
    dtype = services.decision_type_create(actor=lead, name="Buy a thing", spend_threshold=Decimal("10"))
    services.decision_type_update(actor=lead, decision_type=dtype, order=5)
    dtype.refresh_from_db()
    assert (dtype.key, dtype.order, dtype.spend_threshold) == ("buy_a_thing", 5, Decimal("10"))
    services.decision_type_update(actor=lead, decision_type=dtype, spend_threshold=None)
    dtype.refresh_from_db()
    assert dtype.spend_threshold is None


def test_a_policy_edit_keeps_the_fields_not_given(lead):
    p = services.policy_create(
        actor=lead, name="Tiers", expression="true", effect="deny", criticalities=(0, 1), evidence=["x"]
    )
    p2 = services.policy_update(actor=lead, policy=p, message="No", modes=iter(["mode-1"]))
    assert (p2.version, p2.criticalities, p2.evidence, p2.modes) == (2, [0, 1], ["x"], ["mode-1"])
    with pytest.raises(TypeError):
        services.policy_create(actor=lead, name="y", expression="true", effect="allow", colour="red")
