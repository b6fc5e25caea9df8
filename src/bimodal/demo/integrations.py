"""Demo data of the integrations area: repositories for the Mode 2 services and ~90 days of deployment history
with commits, merged pull requests, failures and the incidents some failures caused.

Written through the real services (repositories through `repository_create`, history through the bulk
loader, incidents through the service desk). Deterministic: a seeded random generator per service, times
counted back from today's midnight. Idempotent: repositories by name, history by its external ids
("demo:<service>:<n>"), incidents by title.

Profiles are chosen so that DORA figures differ visibly: the mobile app deploys several times a day with
lead times of hours (elite), the others range from daily to fortnightly (high / medium / low)."""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from bimodal.changes.choices import DeploymentSource, DeploymentStatus
from bimodal.changes.models import Deployment
from bimodal.core.models import User
from bimodal.integrations import importing
from bimodal.integrations import services as integration_services
from bimodal.integrations.models import PullRequest, Repository
from bimodal.integrations.webhooks import PullRequestData
from bimodal.portfolio.models import Service
from bimodal.servicedesk import services as sd
from bimodal.servicedesk.choices import Level, TicketStatus, TicketType
from bimodal.servicedesk.models import Ticket

# History covers this many working days (about 90 calendar days) before yesterday.
WORKING_DAYS = 64


@dataclass(frozen=True)
class Profile:
    """How a team delivers: deployments a week, typical lead time, failure share, time to restore."""

    per_week: float
    lead_hours: float
    failure_rate: float
    restore_minutes: int
    deploy_minutes: int


ELITE = Profile(per_week=14, lead_hours=5, failure_rate=0.05, restore_minutes=40, deploy_minutes=8)
HIGH = Profile(per_week=5, lead_hours=30, failure_rate=0.10, restore_minutes=180, deploy_minutes=15)
MEDIUM = Profile(
    per_week=1.2, lead_hours=24 * 6, failure_rate=0.14, restore_minutes=60 * 9, deploy_minutes=30
)
LOW = Profile(per_week=0.5, lead_hours=24 * 16, failure_rate=0.25, restore_minutes=60 * 30, deploy_minutes=45)

# service slug, provider, repository, default branch, production environment names, deploy workflow, profile
REPOSITORIES = [
    ("mobile-banking-app", "github", "northbridge/mobile-banking-app", "main", ["production"], "", ELITE),
    (
        "onboarding-kyc",
        "github",
        "northbridge/onboarding-kyc",
        "main",
        ["production", "prod"],
        "deploy",
        HIGH,
    ),
    ("customer-portal", "gitlab", "northbridge/digital/customer-portal", "main", ["production"], "", HIGH),
    ("open-banking-api", "gitlab", "northbridge/digital/open-banking-api", "main", ["prod"], "", MEDIUM),
    ("robo-advisor", "github", "northbridge/robo-advisor", "main", ["production"], "release", MEDIUM),
    ("data-platform", "gitlab", "northbridge/data/cloud-data-platform", "master", ["production"], "", LOW),
]
MESSAGES = [
    "Fix rounding of displayed balances",
    "Add biometric login fallback",
    "Upgrade HTTP client library",
    "Refactor account summary screen",
    "Add feature flag for new onboarding flow",
    "Improve error message on failed transfer",
    "Cache exchange rates for five minutes",
    "Add contract test for payments API",
    "Reduce cold-start time",
    "Tidy logging of declined cards",
    "Accessibility: labels on transfer form",
    "Bump dependencies",
]
AUTHORS = ["Priya Shah", "Tom Becker", "Ana Lima", "Kofi Mensah", "Mei Chen", "Lars Nilsson"]


def _sha(*parts) -> str:
    return hashlib.sha1(":".join(str(p) for p in parts).encode()).hexdigest()


def _anchor() -> datetime:
    """Today's local midnight: history is counted back from it, so a load is the same all day."""
    today = timezone.localdate()
    return datetime.combine(today, datetime.min.time(), tzinfo=timezone.get_current_timezone())


def _working_time(rng: random.Random, day: datetime) -> datetime:
    return day + timedelta(hours=rng.uniform(9, 17.5))


def _history(
    slug: str, profile: Profile, end: datetime
) -> tuple[list[dict], list[PullRequestData], list[dict]]:
    """Deployment rows, merged pull requests and incidents of one service, deterministic for its slug."""
    rng = random.Random(f"bimodal-demo-integrations-{slug}")
    rows: list[dict] = []
    pull_requests: list[PullRequestData] = []
    incidents: list[dict] = []
    # The same number of working days whatever the weekday of loading, so a load makes the same history.
    days: list[datetime] = []
    day = end - timedelta(days=2)
    while len(days) < WORKING_DAYS:
        if day.weekday() < 5:
            days.insert(0, day)
        day -= timedelta(days=1)
    per_day = profile.per_week / 5
    n = pr_number = 0
    last_finish = days[0]
    for day in days:
        count = int(per_day) + (1 if rng.random() < per_day - int(per_day) else 0)
        for _ in range(count):
            started = max(_working_time(rng, day), last_finish + timedelta(minutes=20))
            finished = started + timedelta(minutes=profile.deploy_minutes * rng.uniform(0.7, 1.5))
            if finished >= end:
                break
            n += 1
            failed = rng.random() < profile.failure_rate
            commits = []
            for k in range(rng.randint(1, 5)):
                lead = timedelta(hours=rng.lognormvariate(0, 0.6) * profile.lead_hours)
                commits.append(
                    {
                        "sha": _sha(slug, n, k),
                        "authored_at": (started - lead).isoformat(),
                        "message": rng.choice(MESSAGES),
                        "author": rng.choice(AUTHORS),
                    }
                )
            commits.sort(key=lambda c: c["authored_at"])
            head = commits[-1]["sha"]
            version = f"{n // 40 + 1}.{n % 40}.0"
            rows.append(
                {
                    "service": slug,
                    "environment": "production",
                    "status": DeploymentStatus.FAILED if failed else DeploymentStatus.SUCCEEDED,
                    "started_at": started.isoformat(),
                    "finished_at": finished.isoformat(),
                    "version": version,
                    "commit": head,
                    "commits": commits,
                    "external_id": f"demo:{slug}:{n}",
                }
            )
            pr_number += 1
            pull_requests.append(
                PullRequestData(
                    number=pr_number,
                    title=commits[0]["message"],
                    created_at=datetime.fromisoformat(commits[0]["authored_at"]),
                    merged_at=started - timedelta(minutes=rng.randint(5, 60)),
                    merge_commit_sha=head,
                    first_commit_at=datetime.fromisoformat(commits[0]["authored_at"]),
                )
            )
            last_finish = finished
            if failed:
                opened = finished + timedelta(minutes=rng.randint(3, 15))
                restored = opened + timedelta(minutes=profile.restore_minutes * rng.uniform(0.5, 1.6))
                if restored < end:
                    incidents.append({"version": version, "opened": opened, "restored": restored})
                last_finish = max(last_finish, restored)
    return rows, pull_requests, incidents


def _repository(admin: User, spec, created: Counter) -> Repository | None:
    slug, provider, full_name, branch, environments, workflow, _ = spec
    service = Service.objects.filter(slug=slug).first()
    if service is None:
        return None
    existing = Repository.objects.filter(provider=provider, full_name=full_name).first()
    if existing is not None:
        return existing
    repository, _ = integration_services.repository_create(
        actor=admin,
        provider=provider,
        full_name=full_name,
        service=service,
        production_environments=environments,
        default_branch=branch,
        deploy_workflow=workflow,
    )
    created["repositories"] += 1
    return repository


def _incidents(admin: User, service: Service, incidents: list[dict], created: Counter) -> None:
    titles = set(Ticket.objects.filter(service=service).values_list("title", flat=True))
    for item in incidents:
        title = f"{service.name}: errors after release {item['version']}"
        if title in titles:
            continue
        ticket = sd.ticket_create(
            actor=admin,
            ticket_type=TicketType.INCIDENT,
            title=title,
            service=service,
            description=f"Error rate rose after deployment of {item['version']} to production.",
            impact=Level.MEDIUM,
            urgency=Level.HIGH,
            opened_at=item["opened"],
        )
        sd.ticket_transition(
            actor=admin,
            ticket=ticket,
            status=TicketStatus.IN_PROGRESS,
            now=item["opened"] + timedelta(minutes=2),
        )
        sd.ticket_transition(
            actor=admin,
            ticket=ticket,
            status=TicketStatus.RESOLVED,
            resolution=f"Rolled back release {item['version']}; fix deployed.",
            now=item["restored"],
        )
        created["incidents"] += 1


def load(*, actor) -> dict[str, int]:
    """Create what is missing of this area's demo data; return {kind: number created}."""
    created: Counter = Counter()
    end = _anchor()
    for spec in REPOSITORIES:
        repository = _repository(actor, spec, created)
        if repository is None:
            continue
        slug, profile = spec[0], spec[-1]
        if Deployment.objects.filter(
            source=DeploymentSource.IMPORT, external_id__startswith=f"demo:{slug}:"
        ).exists():
            continue
        rows, pull_requests, incidents = _history(slug, profile, end)
        result = importing.deployments_load(actor=actor, rows=rows, source=DeploymentSource.IMPORT)
        if not result.ok:
            raise RuntimeError(f"demo history of {slug} is invalid: {result.errors[:3]}")
        created["deployments"] += result.created
        known = set(PullRequest.objects.filter(repository=repository).values_list("number", flat=True))
        for data in pull_requests:
            if data.number not in known:
                integration_services.pull_request_record(repository=repository, data=data)
                created["pull_requests"] += 1
        _incidents(actor, repository.service, incidents, created)
    return {k: v for k, v in created.items() if v}
