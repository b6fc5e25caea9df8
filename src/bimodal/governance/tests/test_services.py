"""Policy versions, validation on save, forums, defaults and the try-out."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bimodal.core.models import AuditEntry
from bimodal.core.tests.factories import UserFactory
from bimodal.governance import engine, services
from bimodal.governance.defaults import DEFAULT_POLICIES, apply_default_policies
from bimodal.governance.engine import SAMPLE_CONTEXT
from bimodal.governance.models import Policy


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
    assert apply_default_policies(actor=lead) == len(DEFAULT_POLICIES)
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
