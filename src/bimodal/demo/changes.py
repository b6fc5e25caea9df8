"""Demo data of the changes area: default policies, the CAB, windows and a year-end freeze, the stable
mode's release train, changes in various states on Northbridge's services (joined to the train's releases),
the standard-change catalogue with standard changes raised from it, and a pipeline token for the mobile app.

Idempotent on any day: policies by key, the forum by slug, the windows, the freeze and the train once,
changes by title, tokens by service."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from typing import Any
from unittest import mock

from django.utils import timezone

from bimodal.changes import services as change_services
from bimodal.changes.choices import ChangeStatus, ReleaseStatus, WindowKind
from bimodal.changes.models import Change, ChangeWindow, PipelineToken, Release, StandardChangeTemplate
from bimodal.core.models import User
from bimodal.demo.modes import STABLE, mode_at, most_exploratory
from bimodal.governance import services as governance_services
from bimodal.governance.defaults import apply_default_policies, ensure_cab
from bimodal.portfolio.models import Service

# Mode 1 windows the demo keeps: the last one before today and this many after it, none inside the freeze.
WINDOWS_AHEAD = 6
WINDOW_PREFIX = "Mode 1 weekend window"
FREEZE_PREFIX = "Year-end freeze"


def _freeze_span(today: date) -> tuple[datetime, datetime]:
    """The year-end freeze in force or next to come: 18 December to 4 January, in the organisation's zone."""
    tz = timezone.get_current_timezone()
    year = today.year if today >= date(today.year, 1, 4) else today.year - 1
    return datetime(year, 12, 18, tzinfo=tz), datetime(year + 1, 1, 4, tzinfo=tz)


def _saturday_nights(now: datetime) -> tuple[datetime, list[datetime]]:
    """The last Mode 1 window (Saturday 22:00–04:00 local) that ended before `now`, and the next
    WINDOWS_AHEAD that start after it, skipping every Saturday whose window meets the year-end freeze.

    Windows are derived from the moment the demo is loaded so that its story (a change done last weekend,
    changes awaiting the CAB for the coming weekends) holds on any day, December included."""
    tz = timezone.get_current_timezone()
    today = now.astimezone(tz).date()
    freeze_start, freeze_end = _freeze_span(today)

    def night(day: date) -> datetime:
        return datetime.combine(day, time(22), tzinfo=tz)

    def clear(start: datetime) -> bool:
        end = start + timedelta(hours=6)
        return end <= freeze_start or start >= freeze_end

    saturday = today + timedelta(days=(5 - today.weekday()) % 7)
    past = saturday
    while not (night(past) + timedelta(hours=6) <= now and clear(night(past))):
        past -= timedelta(days=7)
    ahead: list[datetime] = []
    day = saturday
    while len(ahead) < WINDOWS_AHEAD:
        # A day's notice at least, so the coming changes are planned in the future whatever the hour.
        if night(day) > now + timedelta(days=1) and clear(night(day)):
            ahead.append(night(day))
        day += timedelta(days=7)
    return night(past), ahead


def _windows(admin: User, past: datetime, ahead: list[datetime], now: datetime) -> int:
    """The weekend windows and the year-end freeze, once: a later load on another day adds none."""
    created = 0
    mode1 = mode_at(STABLE)
    if not ChangeWindow.objects.filter(kind=WindowKind.WINDOW, name__startswith=WINDOW_PREFIX).exists():
        for start in [past, *ahead]:
            change_services.window_create(
                actor=admin,
                name=f"{WINDOW_PREFIX} {start:%Y-%m-%d}",
                kind=WindowKind.WINDOW,
                start=start,
                end=start + timedelta(hours=6),
                modes=[mode1] if mode1 else [],
                description="Saturday 22:00 – Sunday 04:00: the approved slot for Mode 1 changes.",
            )
            created += 1
    if not ChangeWindow.objects.filter(kind=WindowKind.FREEZE, name__startswith=FREEZE_PREFIX).exists():
        start, end = _freeze_span(timezone.localdate(now))
        change_services.window_create(
            actor=admin,
            name=f"{FREEZE_PREFIX} {start.year}",
            kind=WindowKind.FREEZE,
            start=start,
            end=end,
            modes=[mode1] if mode1 else [],
            description=(
                "Year-end trading and closing: no Mode 1 changes except emergencies. "
                "Mode 2 services keep deploying through the gate."
            ),
        )
        created += 1
    return created


TRAIN_RELEASES = 4


def _train(admin: User, now: datetime) -> list[Release]:
    """The stable mode's release train, once: four releases of its cadence from the first day of the next
    quarter (so the same number, all still to come, on any day; the year-end freeze never meets them)."""
    mode1 = mode_at(STABLE)
    if mode1 is None or Release.objects.filter(mode=mode1).exclude(cadence="").exists():
        return []
    today = timezone.localdate(now)
    month = (today.month - 1) // 3 * 3 + 4  # the first month of the next quarter (13: January)
    start = date(today.year + (month > 12), (month - 1) % 12 + 1, 1)
    months = 12 * TRAIN_RELEASES // 4
    return change_services.release_train_generate(actor=admin, mode=mode1, months=months, start=start)


@contextmanager
def _as_of(moment: datetime) -> Iterator[None]:
    """Run the demo's services as if the clock read `moment` (a past step of a change's history)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def _plan(night: datetime, hours: int = 1, offset: int = 1) -> tuple[datetime, datetime]:
    """A slot of `hours` starting `offset` hours into the window that opens at `night`."""
    start = night + timedelta(hours=offset)
    return start, start + timedelta(hours=hours)


def _changes(
    users: dict[str, User], svc: dict[str, Service], past: datetime, ahead: list[datetime], now: datetime
) -> int:
    """About ten changes, each walked through the real service functions to its state."""
    existing = set(Change.objects.values_list("title", flat=True))
    owen, pat, chris, carla = users["owen"], users["pat"], users["chris"], users["carla"]
    created = 0

    def new(title, actor, services, **fields) -> Change | None:
        nonlocal created
        if title in existing:
            return None
        created += 1
        return change_services.change_create(actor=actor, title=title, services=services, **fields)

    plans = dict(
        implementation_plan="Apply the vendor patch set via the runbook, restart in rolling order.",
        backout_plan="Restore the pre-change snapshot and restart.",
        test_plan="Overnight batch dry-run in pre-production; smoke tests after the change.",
    )
    start, end = _plan(ahead[0])
    change = new(
        "Core banking quarterly patch",
        owen,
        [svc["core-banking"]],
        planned_start=start,
        planned_end=end,
        risk_answers={"data_migration": True},
        **plans,
    )
    if change:
        change_services.change_submit(actor=owen, change=change)
        change_services.change_assess(actor=chris, change=change)  # awaits the CAB

    start, end = _plan(ahead[0], offset=2)
    change = new(
        "Payments switch TLS certificate renewal",
        owen,
        [svc["payments-switch"]],
        planned_start=start,
        planned_end=end,
        **plans,
    )
    if change:
        change_services.change_submit(actor=owen, change=change)
        change = change_services.change_assess(actor=chris, change=change)
        change_services.change_vote(
            actor=carla, change=change, vote="approve", comment="Routine renewal; backout is clear."
        )

    start, end = _plan(ahead[1])
    change = new(
        "Card management limits recalibration",
        owen,
        [svc["card-management"]],
        planned_start=start,
        planned_end=end,
        **plans,
    )
    if change:
        change_services.change_submit(actor=owen, change=change)
        change = change_services.change_assess(actor=chris, change=change)
        change = change_services.change_vote(actor=carla, change=change, vote="approve", comment="OK.")
        change = change_services.change_vote(
            actor=chris, change=change, vote="approve", comment="Approved for the window."
        )
        change_services.change_schedule(actor=owen, change=change)

    start, end = _plan(past)
    change = new(
        "SWIFT gateway message schema upgrade",
        owen,
        [svc["swift-gateway"]],
        planned_start=start,
        planned_end=end,
        **plans,
    )
    if change:
        change_services.change_submit(actor=owen, change=change)
        change = change_services.change_assess(actor=chris, change=change)
        change = change_services.change_vote(
            actor=carla, change=change, vote="approve", comment="Tested with the SWIFT test bed."
        )
        change = change_services.change_vote(actor=chris, change=change, vote="approve")
        change = change_services.change_schedule(actor=owen, change=change)
        # A change starts only inside its slot: last weekend's work is written at the time it was done.
        with _as_of(start + timedelta(minutes=2)):
            change = change_services.change_start(actor=owen, change=change)
        with _as_of(end - timedelta(minutes=5)):
            change = change_services.change_complete(actor=owen, change=change, result=ChangeStatus.COMPLETED)
        change = change_services.change_review(
            actor=chris, change=change, notes="Went to plan; no incidents."
        )
        change_services.change_close(actor=chris, change=change)

    start, end = _plan(ahead[2])
    change = new(
        "Core banking batch scheduler replacement",
        chris,  # spans two teams' services: raised by the change manager
        [svc["core-banking"], svc["general-ledger"]],
        planned_start=start,
        planned_end=end,
        risk_answers={"first_time": True, "downtime": True},
        **plans,
    )
    if change:
        change_services.change_submit(actor=chris, change=change)
        change = change_services.change_assess(actor=chris, change=change)
        change_services.change_vote(
            actor=carla, change=change, vote="reject", comment="Needs a parallel-run plan first."
        )

    change = new(
        "Fraud rules hotfix after false-positive spike",
        owen,
        [svc["fraud-detection"]],
        change_type="emergency",
        **plans,
    )
    if change:
        change_services.change_submit(actor=owen, change=change)
        change = change_services.change_start(
            actor=owen, change=change, reason="Card payments being declined"
        )
        change = change_services.change_complete(actor=owen, change=change, result=ChangeStatus.COMPLETED)
        change_services.change_vote(
            actor=chris, change=change, vote="approve", comment="Retrospectively approved: justified."
        )

    # The train's next release: the quarter's core banking release, planned on the release night.
    release = (
        Release.objects.filter(mode=svc["core-banking"].mode, status=ReleaseStatus.PLANNED)
        .order_by("planned_date")
        .first()
    )
    if release is not None:
        night = datetime.combine(release.planned_date, time(22), tzinfo=timezone.get_current_timezone())
        start, end = _plan(night, hours=3)
        change = new(
            f"Core banking release {release.name}",
            owen,
            [svc["core-banking"]],
            planned_start=start,
            planned_end=end,
            release=release,
            description="The quarter's product release: the changes that joined the train ship together.",
            **plans,
        )
        if change:
            change_services.change_submit(actor=owen, change=change)
            change_services.change_assess(actor=chris, change=change)  # on the train: the CAB alone

    new(
        "Payments switch capacity upgrade",
        owen,
        [svc["payments-switch"]],
        description="Two more switch nodes.",
        **plans,
    )

    mobile_start = now + timedelta(days=2)
    change = new(
        "Mobile app: dark mode",
        pat,
        [svc["mobile-banking-app"]],
        change_type="normal",
        planned_start=mobile_start,
        planned_end=mobile_start + timedelta(hours=1),
        **plans,
    )
    if change:
        change_services.change_submit(actor=pat, change=change)
    return created


# The standard-change catalogue: (name, owner, approver, scope, plans, risk ceiling, review in days).
TEMPLATES: list[dict[str, Any]] = [
    {
        "name": "Patch OS on web tier",
        "owner": "owen",
        "approver": "carla",
        "hostings": ["on_premises", "private_cloud"],
        "description": "Monthly vendor security patches on the web and application servers of a service.",
        "implementation_plan": "Drain one node at a time from the load balancer, apply the approved patch "
        "baseline with the configuration-management run, reboot, return the node to the pool.",
        "backout_plan": "Restore the node from its pre-patch snapshot and return it to the pool.",
        "test_plan": "Health checks green on every node; synthetic login and payment journeys pass.",
        "risk_ceiling": 40,
        "review_days": 150,
    },
    {
        "name": "Rotate TLS certificate",
        "owner": "owen",
        "approver": "carla",
        "description": "Replace a server certificate before it expires, from the internal certificate authority.",
        "implementation_plan": "Issue the new certificate, deploy it to the load balancer's key store, "
        "reload the listener (no restart).",
        "backout_plan": "Reload the listener with the previous certificate, still valid until its expiry.",
        "test_plan": "Check the served chain and expiry with openssl s_client; run the smoke tests.",
        "risk_ceiling": 50,
        "review_days": 240,
    },
    {
        "name": "Scale Kubernetes deployment",
        "owner": "pat",
        "approver": "chris",
        "modes": "exploratory",
        "hostings": ["public_cloud", "private_cloud"],
        "description": "Change the replica count or resource requests of a deployment within its quota.",
        "implementation_plan": "Change the replicas or requests in the service's Helm values, merge, and "
        "let the pipeline roll it out.",
        "backout_plan": "Revert the values commit; the pipeline rolls the previous values back out.",
        "test_plan": "Rollout completes; error rate and latency stay within the service's SLO for 30 minutes.",
        "risk_ceiling": 40,
        "review_days": 120,
    },
    {
        "name": "Rebuild database indexes",
        "owner": "owen",
        "approver": "",  # proposed: awaiting a change manager or the CAB
        "modes": "stable",
        "description": "Online index rebuild of a database during a change window.",
        "implementation_plan": "Run the online rebuild script for the listed indexes, one at a time.",
        "backout_plan": "Stop the script; an interrupted online rebuild leaves the old index in place.",
        "test_plan": "Compare the slow-query log and the batch run time with the previous night.",
        "risk_ceiling": 30,
        "review_days": 180,
    },
]


def _catalogue(users: dict[str, User], now: datetime) -> dict[str, StandardChangeTemplate]:
    """The standard-change templates, once each by name, their review dates derived from today."""
    found = {t.name: t for t in StandardChangeTemplate.objects.filter(version=1)}
    scopes = {"stable": mode_at(STABLE), "exploratory": most_exploratory()}
    for spec in TEMPLATES:
        if spec["name"] in found:
            continue
        scope = scopes.get(spec.get("modes", ""))
        template = change_services.template_propose(
            actor=users[spec["owner"]],
            name=spec["name"],
            description=spec["description"],
            modes=[scope] if scope else [],
            hostings=spec.get("hostings", []),
            implementation_plan=spec["implementation_plan"],
            backout_plan=spec["backout_plan"],
            test_plan=spec["test_plan"],
            risk_ceiling=spec["risk_ceiling"],
            review_date=timezone.localdate(now) + timedelta(days=spec["review_days"]),
        )
        if spec["approver"]:
            template = change_services.template_approve(
                actor=users[spec["approver"]], template=template, reason="Low risk, proven runbook."
            )
        found[spec["name"]] = template
    return found


def _standard_changes(
    users: dict[str, User], svc: dict[str, Service], ahead: list[datetime], now: datetime
) -> int:
    """Standard changes raised from the catalogue: one done on the mobile app, one awaiting a change
    manager on a Mode 1 service (its mode does not pre-approve standard changes)."""
    existing = set(Change.objects.filter(template__isnull=False).values_list("title", flat=True))
    catalogue = _catalogue(users, now)
    pat, owen = users["pat"], users["owen"]
    created = 0
    title = "Scale mobile API for payday traffic"
    if title not in existing:
        change = change_services.change_create_from_template(
            actor=pat,
            template=catalogue["Scale Kubernetes deployment"],
            title=title,
            services=[svc["mobile-banking-app"]],
            evidence={"tests_passed": True, "security_scan": "pass"},
        )
        change = change_services.change_submit(actor=pat, change=change)  # pre-approved
        change = change_services.change_start(actor=pat, change=change)
        change = change_services.change_complete(actor=pat, change=change, result=ChangeStatus.COMPLETED)
        change_services.change_close(actor=pat, change=change)
        created += 1
    title = "Payments switch TLS certificate rotation"
    if title not in existing:
        start, end = _plan(ahead[1], offset=3)
        change = change_services.change_create_from_template(
            actor=owen,
            template=catalogue["Rotate TLS certificate"],
            title=title,
            services=[svc["payments-switch"]],
            planned_start=start,
            planned_end=end,
        )
        change_services.change_submit(actor=owen, change=change)
        created += 1
    return created


def _gate(admin: User, svc: dict[str, Service]) -> dict[str, int]:
    counts = {"pipeline_tokens": 0, "deployments": 0}
    app = svc["mobile-banking-app"]
    token = PipelineToken.objects.filter(services=app).first()
    if token is None:
        token, _ = change_services.pipeline_token_create(
            actor=admin, name="mobile-banking-app pipeline", services=[app]
        )
        counts["pipeline_tokens"] += 1
    for n, (version, evidence, result) in enumerate(
        [
            ("4.12.0", {"tests_passed": True, "coverage": 81.5, "security_scan": "pass"}, "succeeded"),
            ("4.12.1", {"tests_passed": True, "coverage": 82.0, "security_scan": "pass"}, None),
        ]
    ):
        gate, created = change_services.gate_decide(
            token=token,
            service=app,
            idempotency_key=f"demo-mobile-{version}",
            version=version,
            pipeline_url=f"https://ci.northbridge.example.com/mobile/runs/{1000 + n}",
            evidence=evidence,
        )
        if created:
            counts["deployments"] += 1
            if result and gate.deployment:
                change_services.deployment_record_result(
                    token=token, deployment=gate.deployment, result=result
                )
    return counts


def load(*, actor) -> dict[str, int]:
    """Create what is missing of this area's demo data; return {kind: number created}."""
    counts = {"policies": apply_default_policies(actor=actor)}
    cab = ensure_cab(actor=actor)
    users = {u.username: u for u in User.objects.filter(username__in=["owen", "pat", "chris", "carla"])}
    wanted = [users[name] for name in ("carla", "chris") if name in users]
    if set(cab.members.values_list("pk", flat=True)) != {u.pk for u in wanted} and wanted:
        governance_services.forum_update(actor=actor, forum=cab, members=wanted, chair=users.get("chris"))
    now = timezone.now()
    past, ahead = _saturday_nights(now)
    counts["change_windows"] = _windows(actor, past, ahead, now)
    counts["releases"] = len(_train(actor, now))
    svc = {s.slug: s for s in Service.objects.select_related("mode")}
    needed = {
        "core-banking",
        "payments-switch",
        "card-management",
        "swift-gateway",
        "general-ledger",
        "fraud-detection",
        "mobile-banking-app",
    }
    if len(users) == 4 and needed <= set(svc):
        counts["changes"] = _changes(users, svc, past, ahead, now)
        counts["changes"] += _standard_changes(users, svc, ahead, now)
        counts.update(_gate(actor, svc))
    return counts
