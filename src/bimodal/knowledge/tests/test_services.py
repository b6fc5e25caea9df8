"""Services of the knowledge app: the life cycle and who may move it, versions, who may write about which
service, feedback, ticket links, staleness and the metrics."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from bimodal.core.models import AuditEntry
from bimodal.knowledge import selectors, services
from bimodal.knowledge.choices import ArticleState
from bimodal.knowledge.models import Article, ArticleFeedback, Deflection, Suggestion
from bimodal.knowledge.tests.factories import published
from bimodal.servicedesk import services as desk_services

pytestmark = pytest.mark.django_db
LONDON = zoneinfo.ZoneInfo("Europe/London")
NOON = dt.datetime(2026, 3, 10, 12, 0, tzinfo=LONDON)


def _draft(w, **fields):
    values = {"title": "Reset a card reader", "body": "Hold the power button.", "service": w["service"]}
    return services.article_create(actor=w["author"], **{**values, **fields})


def test_an_article_is_numbered_and_walks_its_life_cycle_with_every_step_audited(w):
    article = _draft(w)
    assert re.fullmatch(r"KB-[1-9][0-9]*", article.number)
    assert (article.state, article.version, article.author, article.owner) == (
        "draft",
        1,
        w["author"],
        w["author"],
    )
    services.article_transition(actor=w["author"], article=article, state=ArticleState.IN_REVIEW)
    services.article_transition(actor=w["reviewer"], article=article, state=ArticleState.PUBLISHED)
    services.article_transition(actor=w["reviewer"], article=article, state=ArticleState.RETIRED)
    services.article_transition(actor=w["author"], article=article, state=ArticleState.DRAFT)
    verbs = list(
        AuditEntry.objects.filter(object_id=str(article.pk), verb__startswith="article_")
        .order_by("seq")
        .values_list("verb", flat=True)
    )
    assert verbs == [
        "article_create",
        "article_in_review",
        "article_published",
        "article_retired",
        "article_draft",
    ]
    article.refresh_from_db()
    assert article.published_by == w["reviewer"]


def test_numbers_follow_each_other(w):
    first, second = _draft(w), _draft(w, title="Second")
    assert int(second.number.removeprefix("KB-")) == int(first.number.removeprefix("KB-")) + 1


def test_the_author_cannot_publish_their_own_article(w):
    article = _draft(w)
    services.article_transition(actor=w["author"], article=article, state=ArticleState.IN_REVIEW)
    w["author"].user_permissions.add(*_perm("review_article"))
    author = type(w["author"]).objects.get(pk=w["author"].pk)  # fresh permission cache
    with pytest.raises(PermissionDenied, match="other than the author"):
        services.article_transition(actor=author, article=article, state=ArticleState.PUBLISHED)
    assert Article.objects.get(pk=article.pk).state == "in_review"


def test_publishing_needs_the_review_permission(w):
    article = _draft(w)
    services.article_transition(actor=w["author"], article=article, state=ArticleState.IN_REVIEW)
    with pytest.raises(PermissionDenied, match="You may not review articles"):
        services.article_transition(actor=w["agent2"], article=article, state=ArticleState.PUBLISHED)


def test_a_move_not_declared_is_refused_naming_the_state(w):
    article = _draft(w)
    with pytest.raises(ValidationError) as exc:
        services.article_transition(actor=w["reviewer"], article=article, state=ArticleState.PUBLISHED)
    assert "state" in exc.value.message_dict


def test_an_edit_is_a_new_version_and_the_previous_one_stays_readable(w):
    article = published(w, title="VPN", body="Open the client.\nChoose London.\nConnect.")
    services.article_update(
        actor=w["agent2"], article=article, body="Open the client.\nChoose Leeds.\nConnect.", reason="Moved"
    )
    article.refresh_from_db()
    assert (article.version, article.state) == (2, "published")
    v1, v2 = sorted(article.versions.all(), key=lambda v: v.number)
    assert (v1.body, v2.body, v2.note) == (
        "Open the client.\nChoose London.\nConnect.",
        "Open the client.\nChoose Leeds.\nConnect.",
        "Moved",
    )
    changed = [(line.kind, line.text) for line in selectors.diff(v1, v2) if line.kind in "+-"]
    assert changed == [("-", "Choose London."), ("+", "Choose Leeds.")]


def test_an_edit_of_other_fields_keeps_the_version(w):
    article = _draft(w)
    services.article_update(actor=w["author"], article=article, audience="internal")
    article.refresh_from_db()
    assert (article.version, article.audience, article.versions.count()) == (1, "internal", 1)


def test_a_supplier_agent_writes_only_for_services_its_supplier_is_contracted_for(w):
    mine = services.article_create(actor=w["sunil"], title="Atlas fix", body="Restart.", service=w["service"])
    assert mine.author == w["sunil"]
    with pytest.raises((PermissionDenied, ValidationError)):
        services.article_create(actor=w["sunil"], title="Not mine", body="x", service=w["other"])
    theirs = _draft(w, service=w["other"])
    with pytest.raises(PermissionDenied):
        services.article_update(actor=w["sunil"], article=theirs, title="Changed")


def test_what_each_person_reads(w):
    public = published(w, title="Public", body="x")
    internal = published(w, title="Internal", body="x", audience="internal")
    other_public = published(w, title="Other public", body="x", service=w["other"])
    other_draft = _draft(w, service=w["other"], title="Other draft")
    draft = _draft(w, title="Draft")
    sunils = services.article_create(actor=w["sunil"], title="Sunil", body="x", service=w["service"])

    def seen(user):
        return set(Article.objects.restrict(user, "view").values_list("title", flat=True))

    assert seen(w["requester"]) == {"Public", "Other public"}
    # A supplier agent: its contracted services' articles, and published public ones of services it sees.
    assert seen(w["sunil"]) == {"Public", "Internal", "Draft", "Sunil"}
    assert seen(w["bora"]) == {"Other public", "Other draft"}
    assert seen(w["author"]) == {
        a.title for a in (public, internal, other_public, other_draft, draft, sunils)
    }
    assert seen(w["nobody"]) == set()


def test_feedback_is_one_answer_per_person_and_version(w):
    article = published(w, title="VPN", body="Connect.")
    services.feedback_record(actor=w["requester"], article=article, helpful=False, comment="Unclear")
    services.feedback_record(actor=w["requester"], article=article, helpful=True)
    assert list(ArticleFeedback.objects.values_list("version", "helpful", "comment")) == [(1, True, "")]
    services.article_update(actor=w["author"], article=article, body="Connect again.")
    article.refresh_from_db()
    services.feedback_record(actor=w["requester"], article=article, helpful=False)
    assert sorted(ArticleFeedback.objects.values_list("version", "helpful")) == [(1, True), (2, False)]
    assert selectors.feedback_summary(article) == {"helpful": 0, "not_helpful": 1}


def test_feedback_on_a_draft_is_refused(w):
    with pytest.raises(ValidationError) as exc:
        services.feedback_record(actor=w["author"], article=_draft(w), helpful=True)
    assert "article" in exc.value.message_dict


def _ticket(w, requester, title="Card reader broken"):
    return desk_services.ticket_create(
        actor=requester, ticket_type="incident", title=title, service=w["service"]
    )


def test_an_agent_links_an_article_to_a_ticket_once(w):
    article = published(w, title="Card reader", body="Restart it.")
    ticket = _ticket(w, w["requester"])
    desk_services.ticket_assign(actor=w["admin"], ticket=ticket, group=w["desk"])
    link = services.ticket_link(actor=w["author"], ticket=ticket, article=article)
    assert str(link) == f"{ticket.number} resolved with {article.number}"
    with pytest.raises(ValidationError) as exc:
        services.ticket_link(actor=w["author"], ticket=ticket, article=article)
    assert "article" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.ticket_link(actor=w["requester"], ticket=ticket, article=article)


def test_stale_when_past_its_review_by_day_or_not_revised_for_the_configured_time(w, settings):
    settings.KNOWLEDGE_STALE_AFTER_DAYS = 100
    with time_machine.travel(NOON, tick=False):
        fresh = published(w, title="Fresh", body="x", review_by=dt.date(2026, 12, 1))
        overdue = published(w, title="Overdue", body="x", review_by=dt.date(2026, 4, 1))
    with time_machine.travel(NOON + dt.timedelta(days=30), tick=False):
        assert set(Article.objects.stale().values_list("title", flat=True)) == {"Overdue"}
        assert Article.objects.get(pk=overdue.pk).is_stale is True
    with time_machine.travel(NOON + dt.timedelta(days=101), tick=False):
        assert set(Article.objects.stale().values_list("title", flat=True)) == {"Fresh", "Overdue"}
        assert Article.objects.get(pk=fresh.pk).is_stale is True


def test_the_deflection_rate_counts_tickets_raised_within_the_hour_after_a_suggestion(w):
    article = published(w, title="Card reader", body="Restart it.")
    start = NOON
    with time_machine.travel(start, tick=False):
        services.suggestion_record(actor=w["requester"], query="card reader", articles=[article])
        services.deflection_record(actor=w["requester"], article=article)
        services.deflection_record(actor=w["requester"], article=article)  # same session: once
    with time_machine.travel(start + dt.timedelta(minutes=5), tick=False):
        services.suggestion_record(actor=w["agent2"], query="card", articles=[article])
        services.suggestion_record(actor=w["agent2"], query="card reader", articles=[article])  # same session
    with time_machine.travel(start + dt.timedelta(minutes=20), tick=False):
        _ticket(w, w["agent2"])  # raised after a suggestion
        _ticket(w, w["reviewer"])  # no suggestion shown: not counted
    with time_machine.travel(start + dt.timedelta(hours=3), tick=False):
        _ticket(w, w["agent2"], title="Later")  # outside the hour: not counted
        services.suggestion_record(actor=w["sunil"], query="card", articles=[article])
        services.deflection_record(actor=w["sunil"], article=article)
        m = selectors.metrics(since=start - dt.timedelta(days=1))
    assert (m.deflections, m.tickets_after_suggestion, m.suggestions_shown) == (2, 1, 3)
    assert m.deflection_rate == pytest.approx(2 / 3)
    assert Suggestion.objects.count() == 3
    assert Deflection.objects.filter(user=w["requester"]).count() == 1


def _perm(codename):
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(codename=codename, content_type__app_label="knowledge")
