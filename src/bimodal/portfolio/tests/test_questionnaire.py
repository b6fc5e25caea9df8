"""Questionnaire drafts: criteria are added and removed only while a version is a draft."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bimodal.core.models import AuditEntry
from bimodal.portfolio import services
from bimodal.portfolio.models import Criterion
from bimodal.portfolio.selectors import current_questionnaire

pytestmark = pytest.mark.django_db

OPTIONS = [
    {"value": "no", "label": "No", "score": 0},
    {"value": "yes", "label": "Yes", "score": 4},
]


@pytest.fixture
def gov(make_user):
    return make_user("governance_lead", username="gloria")


@pytest.fixture
def draft(gov):
    return services.questionnaire_new_version(actor=gov, source=current_questionnaire())


def _add(gov, questionnaire, **extra):
    fields = {
        "key": "on_call",
        "label": "On-call team",
        "dimension": "skills",
        "options": OPTIONS,
        "weight": 2,
        "mode_weights": {"mode-2": 1},
        **extra,
    }
    return services.criterion_add(actor=gov, questionnaire=questionnaire, **fields)


def test_add_and_remove_on_a_draft(gov, draft):
    criterion = _add(gov, draft)
    assert criterion.order == draft.criteria.count() - 1
    assert AuditEntry.objects.filter(verb="criterion_add").exists()
    services.criterion_remove(actor=gov, criterion=draft.criteria.get(key="coupling"))
    assert not draft.criteria.filter(key="coupling").exists()
    assert AuditEntry.objects.filter(verb="criterion_remove").exists()
    assert current_questionnaire().criteria.filter(key="coupling").exists()  # the published one is untouched
    services.questionnaire_publish(actor=gov, questionnaire=draft)
    assert set(current_questionnaire().criteria.values_list("key", flat=True)) >= {"on_call"}


def test_published_versions_are_immutable(gov):
    published = current_questionnaire()
    count = Criterion.objects.count()
    with pytest.raises(PermissionDenied):
        _add(gov, published)
    with pytest.raises(PermissionDenied):
        services.criterion_remove(actor=gov, criterion=published.criteria.first())
    assert Criterion.objects.count() == count


def test_bad_criterion_is_refused_with_field_errors(gov, draft):
    count = Criterion.objects.count()
    with pytest.raises(ValidationError) as exc:
        _add(gov, draft, key="coupling")
    assert "key" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        _add(gov, draft, options=[{"value": "x"}])
    assert "options" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        _add(gov, draft, mode_weights={"mode-2": 5}, weight=11)
    assert {"mode_weights", "weight"} <= set(exc.value.message_dict)
    assert Criterion.objects.count() == count


def test_only_governance_leads_change_drafts(make_user, draft):
    member = make_user("product_team_member")
    with pytest.raises(PermissionDenied):
        _add(member, draft)
    with pytest.raises(PermissionDenied):
        services.criterion_remove(actor=member, criterion=draft.criteria.first())


def test_pages_add_and_remove(client_for, gov, draft):
    client = client_for(gov)
    page = client.get(draft.get_absolute_url())
    assert (
        b'data-testid="add-criterion"' in page.content and b'data-testid="remove-criterion"' in page.content
    )
    url = f"/portfolio/questionnaire/v{draft.version}/criteria/new/"
    assert client.get(url).status_code == 200
    data = {
        "key": "on_call",
        "label": "On-call team",
        "help_text": "",
        "dimension": "skills",
        "weight": "2",
        "mode_weights": '{"mode-2": 1}',
        "options": '[{"value": "no", "label": "No", "score": 0}, {"value": "yes", "label": "Yes", "score": 4}]',
        "order": "20",
    }
    bad = client.post(url, {**data, "options": "[]"})
    assert bad.status_code == 400 and not draft.criteria.filter(key="on_call").exists()
    assert client.post(url, data).status_code == 302
    assert draft.criteria.filter(key="on_call").exists()
    assert client.post(url, data).status_code == 400  # the key is taken
    remove = f"/portfolio/questionnaire/v{draft.version}/criteria/on_call/remove/"
    assert client.post(remove).status_code == 302
    assert not draft.criteria.filter(key="on_call").exists()


def test_pages_refuse_published_versions(client_for, gov):
    client = client_for(gov)
    published = current_questionnaire()
    page = client.get(published.get_absolute_url())
    assert b"add-criterion" not in page.content and b"remove-criterion" not in page.content
    assert client.get(f"/portfolio/questionnaire/v{published.version}/criteria/new/").status_code == 403
    key = published.criteria.first().key
    assert (
        client.post(f"/portfolio/questionnaire/v{published.version}/criteria/{key}/remove/").status_code
        == 403
    )
    assert published.criteria.filter(key=key).exists()
