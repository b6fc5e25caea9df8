"""Pages of the knowledge app: the article list with full-text search, an article with its actions and
feedback, its version history and diffs, writing and editing, the portal's suggestions and deflections,
linking from tickets, and the knowledge dashboard.

Reads come from the selectors (restricted per user); writes go through `services`."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from bimodal.core.forms import apply_validation_error, style_widgets
from bimodal.core.htmx import filtered_page
from bimodal.core.permissions import can, get_restricted_object
from bimodal.knowledge import selectors, services
from bimodal.knowledge.choices import TRANSITIONS, ArticleState
from bimodal.knowledge.filtersets import ArticleFilterSet
from bimodal.knowledge.forms import (
    ArticleForm,
    DiffForm,
    FeedbackForm,
    LinkForm,
    PeriodForm,
    SuggestForm,
    TransitionForm,
)
from bimodal.knowledge.models import Article
from bimodal.servicedesk.models import Ticket

AREA = {"active_area": "knowledge"}
_ACTIONS: dict[str, str] = {
    ArticleState.IN_REVIEW: "Submit for review",
    ArticleState.PUBLISHED: "Publish",
    ArticleState.DRAFT: "Back to draft",
    ArticleState.RETIRED: "Retire",
}


def _article(request, number: str, action: str = "view") -> Article:
    return get_restricted_object(Article.objects.with_related(), request.user, action, number=number)


@login_required
@permission_required("knowledge.view_article", raise_exception=True)
def article_list(request):
    """Articles the user may read, searched (full text) and filtered."""
    filterset = ArticleFilterSet(
        request.GET, queryset=selectors.article_list(user=request.user), request=request
    )
    style_widgets(filterset.form.fields)
    return filtered_page(
        request,
        filterset=filterset,
        template="knowledge/article_list.html",
        partial="knowledge/_article_results.html",
        context=AREA,
    )


@login_required
@permission_required("knowledge.view_article", raise_exception=True)
def article_detail(request, number: str):
    """An article: its text, state and the moves allowed, feedback, the tickets it resolved."""
    return _detail_page(request, _article(request, number))


def _detail_page(
    request, article: Article, *, transition_form: TransitionForm | None = None, status: int = 200
) -> HttpResponse:
    """The article's page; `transition_form` is a refused move's form, kept as typed."""
    user = request.user
    may_change = user.has_perm("knowledge.change_article") and can(user, "change", article)
    moves = [(state, _ACTIONS[state]) for state in TRANSITIONS[article.state]] if may_change else []
    context = {
        **AREA,
        "article": article,
        "paragraphs": [p for p in article.body.split("\n\n") if p.strip()],
        "moves": moves,
        "may_change": may_change and article.state != ArticleState.RETIRED,
        "feedback": selectors.feedback_summary(article),
        "feedback_form": FeedbackForm(),
        "links": selectors.ticket_links_of_article(user=user, article=article),
        "from_portal": request.GET.get("from") == "portal",
        "transition_form": transition_form or TransitionForm(),
    }
    return render(request, "knowledge/article_detail.html", context, status=status)


def _form_page(request, form, *, article: Article | None = None, status: int = 200):
    context = {**AREA, "form": form, "article": article}
    return render(request, "knowledge/article_form.html", context, status=status)


@login_required
@permission_required("knowledge.add_article", raise_exception=True)
def article_create(request):
    """Write a new article (a draft)."""
    form = ArticleForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("reason", None)
        try:
            article = services.article_create(actor=request.user, **data)
        except (ValidationError, PermissionDenied) as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"{article.number} written: submit it for review when it is ready.")
            return redirect(article.get_absolute_url())
    return _form_page(request, form, status=400 if request.method == "POST" else 200)


@login_required
@permission_required("knowledge.change_article", raise_exception=True)
def article_edit(request, number: str):
    """Edit an article; a new title or body is a new version."""
    article = _article(request, number, "change")
    initial = {
        "title": article.title,
        "body": article.body,
        "audience": article.audience,
        "service": article.service,
        "catalogue_items": list(article.catalogue_items.all()),
        "owner": article.owner,
        "review_by": article.review_by,
    }
    form = ArticleForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["owner"] = data["owner"] or article.owner
        try:
            services.article_update(actor=request.user, article=article, **data)
        except (ValidationError, PermissionDenied) as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"{article.number} saved (version {article.version}).")
            return redirect(article.get_absolute_url())
    return _form_page(request, form, article=article, status=400 if request.method == "POST" else 200)


@login_required
@require_POST
@permission_required("knowledge.change_article", raise_exception=True)
def article_transition(request, number: str):
    """Move an article along its life cycle. Refused, the article's page says why with the reason as typed
    (400 for a move the article may not make, 403 when the person may not make it)."""
    article = _article(request, number, "change")
    form = TransitionForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, article, transition_form=form, status=400)
    try:
        services.article_transition(actor=request.user, article=article, **form.cleaned_data)
    except (ValidationError, PermissionDenied) as exc:
        status = apply_validation_error(form, exc)
        return _detail_page(request, _article(request, number), transition_form=form, status=status)
    messages.success(request, f"{article.number} is now {article.get_state_display().lower()}.")
    return redirect(article.get_absolute_url())


@login_required
@permission_required("knowledge.view_articleversion", raise_exception=True)
def article_versions(request, number: str):
    """The version history of an article and the diff of two versions (?a=1&b=3)."""
    article = _article(request, number)
    history = selectors.versions(article)
    context = {**AREA, "article": article, "history": history}
    status = 200
    if "a" in request.GET or "b" in request.GET:
        form = DiffForm(request.GET)
        by_number = {v.number: v for v in history}
        if form.is_valid() and {form.cleaned_data["a"], form.cleaned_data["b"]} <= set(by_number):
            pair = (by_number[form.cleaned_data["a"]], by_number[form.cleaned_data["b"]])
            old, new = sorted(pair, key=lambda v: v.number)
            context.update(old=old, new=new, diff=selectors.diff(old, new))
        else:
            for name in ("a", "b"):
                if form.is_valid() and form.cleaned_data[name] not in by_number:
                    form.add_error(name, "No such version.")
            context["diff_errors"] = form.errors
            status = 400
    return render(request, "knowledge/article_versions.html", context, status=status)


@login_required
@require_POST
@permission_required("knowledge.add_articlefeedback", raise_exception=True)
def article_feedback(request, number: str):
    """Say whether the article helped (once per version: again changes the answer)."""
    article = _article(request, number)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        return HttpResponse(f"helpful: {form.errors.get('helpful', ['invalid'])[0]}", status=400)
    try:
        services.feedback_record(actor=request.user, article=article, **form.cleaned_data)
    except ValidationError as exc:
        return HttpResponse(" ".join(exc.messages), status=400)
    messages.success(request, "Thank you for your feedback.")
    return redirect(article.get_absolute_url())


@login_required
@require_POST
@permission_required("knowledge.view_article", raise_exception=True)
def article_deflect(request, number: str):
    """\"This solved my problem\": the person leaves the portal without raising a ticket."""
    article = _article(request, number)
    try:
        services.deflection_record(actor=request.user, article=article)
    except ValidationError as exc:
        return HttpResponse(" ".join(exc.messages), status=400)
    messages.success(request, "Glad it helped: no ticket needed.")
    return redirect("servicedesk:portal")


@login_required
@require_POST
@permission_required("knowledge.view_article", raise_exception=True)
def suggest(request):
    """The portal's suggestions (htmx) for the title being typed or the catalogue item being requested."""
    form = SuggestForm(request.POST, user=request.user)
    if not form.is_valid():
        field = next(iter(form.errors))
        return HttpResponse(f"{field}: {form.errors[field][0]}", status=400)
    text, item = form.cleaned_data["title"], form.cleaned_data["item"]
    found = selectors.suggestions(user=request.user, text=text, catalogue_item=item)
    services.suggestion_record(actor=request.user, query=text or (item.name if item else ""), articles=found)
    response = render(request, "knowledge/_suggestions.html", {"articles": found})
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
@require_POST
@permission_required("knowledge.add_ticketarticle", raise_exception=True)
def ticket_link(request, number: str):
    """Link an article to a ticket: "resolved with KB-12"."""
    ticket = get_restricted_object(Ticket.objects, request.user, "change", number=number)
    form = LinkForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, f"article: {form.errors['article'][0]}")
        return _back(ticket, 400)
    try:
        link = services.ticket_link(actor=request.user, ticket=ticket, article=form.cleaned_data["article"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _back(ticket, 400)
    messages.success(request, f"{ticket.number} resolved with {link.article.number}.")
    return redirect(ticket.get_absolute_url())


def _back(ticket: Ticket, status: int) -> HttpResponse:
    """A refused link: 400, back to the ticket page (its message says why)."""
    response = HttpResponse(status=status)
    response["HX-Redirect"] = ticket.get_absolute_url()
    response.content = f'<a href="{ticket.get_absolute_url()}">Back to {ticket.number}</a>'.encode()
    return response


@login_required
@permission_required("knowledge.view_knowledge_metrics", raise_exception=True)
def dashboard(request):
    """Deflection rate, articles used in resolutions, stale articles and feedback over a period."""
    form = PeriodForm(request.GET or None)
    status = 200
    days = 90
    if form.is_bound:
        if form.is_valid():
            days = form.cleaned_data["days"] or days
        else:
            status = 400
    since = timezone.now() - timedelta(days=days)
    context = {
        **AREA,
        "form": form,
        "days": days,
        "metrics": selectors.metrics(since=since),
        "top": selectors.top_used(user=request.user, since=since),
        "stale": selectors.stale_articles(user=request.user),
    }
    return render(request, "knowledge/dashboard.html", context, status=status)
