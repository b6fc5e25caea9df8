"""Demo data of the knowledge base: a dozen published articles on the demo's services and catalogue items,
one in review, one stale, one written by Atlas's supplier agent (sunil) for a service of Atlas's contract,
feedback, portal suggestions with deflections, and tickets resolved with articles.

Written through the real services. Dates derive from today (the stale article's review-by day lies two
weeks back), so the demo holds on any day. Idempotent: articles by title, the rest only with its article."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django.utils import timezone

from bimodal.core.models import User
from bimodal.knowledge import services
from bimodal.knowledge.choices import ArticleState
from bimodal.knowledge.models import Article, ArticleFeedback, Deflection, TicketArticle
from bimodal.portfolio.models import Service
from bimodal.servicedesk.models import CatalogueItem, Ticket

# title, service, catalogue items, audience, author, body
Spec = tuple[str, str, list[str], str, str, str]
ARTICLES: list[Spec] = [
    (
        "Reset your network password",
        "identity-access",
        [],
        "public",
        "sam",
        "Go to the self-service password page from any staff laptop or from your phone.\n\n"
        "Answer your two security questions, then choose a new password of at least 14 characters. "
        "It reaches every system within 15 minutes.\n\n"
        "Locked out after five attempts? Wait 30 minutes or call the service desk.",
    ),
    (
        "Request access to an application",
        "identity-access",
        ["access-request"],
        "public",
        "sam",
        "Use the catalogue item Access to an application and name the role you need.\n\n"
        "Your line manager approves first, then the application owner. Access is granted within a day of the "
        "last approval.",
    ),
    (
        "Set up multi-factor authentication on a new phone",
        "identity-access",
        [],
        "public",
        "sam",
        "Install the authenticator app on the new phone before you wipe the old one.\n\n"
        "Sign in to the security page, choose Add a device and scan the code. Remove the old phone once the "
        "new one works.",
    ),
    (
        "Outlook keeps asking for a password",
        "email-collaboration",
        [],
        "public",
        "sam",
        "Close Outlook, open Credential Manager and remove the entries that start with MicrosoftOffice.\n\n"
        "Start Outlook again and sign in once. If the prompt comes back, your password may have expired: "
        "reset it first.",
    ),
    (
        "Share a calendar with your team",
        "email-collaboration",
        [],
        "public",
        "sam",
        "In Outlook, right-click the calendar, choose Sharing permissions and add the team's mailing list.\n\n"
        "Choose Can view titles and locations unless the team books meetings for you.",
    ),
    (
        "Before you order a new laptop",
        "email-collaboration",
        ["new-laptop"],
        "public",
        "sam",
        "Laptops are replaced every four years. Check the asset label: if yours is younger, say why it no "
        "longer fits your work.\n\nBack up files that are not in OneDrive before the swap.",
    ),
    (
        "Change the bank account your salary is paid into",
        "payroll",
        ["update-bank-details"],
        "public",
        "sam",
        "Use the catalogue item Update my bank details for payroll before the 15th for this month's salary.\n\n"
        "Payroll confirms by email; the first payment to the new account shows your employee number.",
    ),
    (
        "Get an employment confirmation letter",
        "hr-system",
        ["employment-letter"],
        "public",
        "sam",
        "Landlords and banks accept the standard letter: ask for it with the catalogue item Employment "
        "confirmation letter.\n\nIt is signed electronically and sent within two working days.",
    ),
    (
        "Expense advance: what you need before you ask",
        "general-ledger",
        ["expense-advance"],
        "public",
        "sam",
        "Have the approved trip or event reference and an estimate of the costs.\n\n"
        "Advances above 2,000 need your director's approval; settle the advance within 30 days of return.",
    ),
    (
        "Mobile app login fails after an update",
        "mobile-banking-app",
        [],
        "public",
        "sam",
        "Ask the customer to close the app completely and open it again: the update finishes on first start.\n\n"
        "If biometric login fails, sign in with the passcode once and enable biometrics again in Settings.",
    ),
    (
        "Card payment declined at the terminal: first checks",
        "card-management",
        [],
        "internal",
        "sam",
        "Look up the card in Card Management: blocked, expired or over the daily limit explains most "
        "declines.\n\nIf the card is fine, check the fraud score of the last transaction before you unblock.",
    ),
    (
        "Payments switch: restart a stuck settlement batch",
        "payments-switch",
        [],
        "internal",
        "sam",
        "Only when the batch monitor shows no progress for 20 minutes.\n\n"
        "Hold new submissions, restart the settlement job from the last checkpoint and compare the totals "
        "with the clearing report before releasing submissions.",
    ),
]
STALE: Spec = (
    "VPN client for remote access",
    "network-services",
    [],
    "public",
    "sam",
    "Install the VPN client from the software centre and connect to the London gateway.\n\n"
    "If it fails, restart the laptop and try the Leeds gateway.",
)
IN_REVIEW: Spec = (
    "Core banking: end-of-day batch overrun",
    "core-banking",
    [],
    "internal",
    "sam",
    "When the end-of-day batch runs past 02:00, page the core banking on-call engineer.\n\n"
    "Do not restart the batch: the engineer decides whether to resume or roll back.",
)
SUPPLIER: Spec = (
    "Branch network link down: first-line checks",
    "network-services",
    [],
    "internal",
    "sunil",
    "Check the branch router in the network monitor: both links red means the carrier, one link red the "
    "branch.\n\nThe backup 4G link takes over within two minutes; if it does not, raise a P2 to Atlas "
    "Operations.",
)
# title, who, helpful, comment
FEEDBACK = [
    ("Reset your network password", "rita", True, ""),
    ("Outlook keeps asking for a password", "rita", True, "Worked first time."),
    (
        "Change the bank account your salary is paid into",
        "rita",
        False,
        "Which date counts, sent or approved?",
    ),
    ("Set up multi-factor authentication on a new phone", "pat", True, ""),
]
# The articles a requester was shown on the portal and that solved it (deflections).
DEFLECTED = [
    ("rita", "password", "Reset your network password"),
    ("rita", "outlook", "Outlook keeps asking for a password"),
]
# Articles that resolved demo tickets of their service (the agent links the first tickets they may work).
RESOLVED_WITH = {"Reset your network password": 2, "Outlook keeps asking for a password": 1}


def _write(
    spec: Spec, *, users, reviewer: User, created: Counter, state: str = ArticleState.PUBLISHED, **extra
):
    title, service, items, audience, author, body = spec
    article = Article.objects.filter(title=title).first()
    if article is not None:
        return article
    article = services.article_create(
        actor=users[author],
        title=title,
        body=body,
        service=Service.objects.get(slug=service),
        audience=audience,
        catalogue_items=list(CatalogueItem.objects.filter(slug__in=items)),
        owner=users["owen"] if author == "sunil" else None,
        **extra,
    )
    services.article_transition(actor=users[author], article=article, state=ArticleState.IN_REVIEW)
    if state == ArticleState.PUBLISHED:
        services.article_transition(actor=reviewer, article=article, state=ArticleState.PUBLISHED)
    created["knowledge articles"] += 1
    return article


def load(*, actor) -> dict[str, int]:
    """Create what is missing of the knowledge base's demo data; return {kind: number created}."""
    created: Counter = Counter()
    users = {u.username: u for u in User.objects.filter(username__in=["sam", "owen", "sunil", "rita", "pat"])}
    reviewer = users["owen"]
    today = timezone.localdate()
    articles = {spec[0]: _write(spec, users=users, reviewer=reviewer, created=created) for spec in ARTICLES}
    _write(STALE, users=users, reviewer=reviewer, created=created, review_by=today - timedelta(days=14))
    _write(IN_REVIEW, users=users, reviewer=reviewer, created=created, state=ArticleState.IN_REVIEW)
    _write(SUPPLIER, users=users, reviewer=reviewer, created=created)
    for title, who, helpful, comment in FEEDBACK:
        article = articles[title]
        if not ArticleFeedback.objects.filter(article=article, user=users[who]).exists():
            services.feedback_record(actor=users[who], article=article, helpful=helpful, comment=comment)
            created["article feedback"] += 1
    for who, query, title in DEFLECTED:
        article = articles[title]
        if not Deflection.objects.filter(article=article, user=users[who]).exists():
            services.suggestion_record(actor=users[who], query=query, articles=[article])
            services.deflection_record(actor=users[who], article=article)
            created["deflections"] += 1
    for title, count in RESOLVED_WITH.items():
        article = articles[title]
        if TicketArticle.objects.filter(article=article).exists():
            continue
        tickets = (
            Ticket.objects.restrict(users["sam"], "change")
            .filter(service=article.service)
            .order_by("opened_at", "number")[:count]
        )
        for ticket in tickets:
            services.ticket_link(actor=users["sam"], ticket=ticket, article=article)
            created["tickets resolved with an article"] += 1
    return dict(created)
