"""Demo data of the changes area: default policies, the CAB, windows and a year-end freeze, changes in
various states on Northbridge's services, and a pipeline token for the mobile app.

Idempotent: policies by key, the forum by slug, windows by name, changes by title, tokens by service."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from bimodal.changes import services as change_services
from bimodal.changes.choices import ChangeStatus, WindowKind
from bimodal.changes.models import Change, ChangeWindow, PipelineToken
from bimodal.core.models import User
from bimodal.governance import services as governance_services
from bimodal.governance.defaults import apply_default_policies, ensure_cab
from bimodal.portfolio.models import Mode, Service

WEEKS = 6


def _saturday_night(weeks_ahead: int) -> datetime:
    """22:00 local on the Saturday `weeks_ahead` weeks from this one."""
    today = timezone.localdate()
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 + 7 * weeks_ahead)
    return datetime.combine(
        saturday, datetime.min.time(), tzinfo=timezone.get_current_timezone()
    ) + timedelta(hours=22)


def _windows(admin: User) -> int:
    created = 0
    mode1 = Mode.objects.filter(key="mode-1").first()
    existing = set(ChangeWindow.objects.values_list("name", flat=True))
    for week in range(-1, WEEKS):
        start = _saturday_night(week)
        name = f"Mode 1 weekend window {start:%Y-%m-%d}"
        if name in existing:
            continue
        change_services.window_create(
            actor=admin,
            name=name,
            kind=WindowKind.WINDOW,
            start=start,
            end=start + timedelta(hours=6),
            modes=[mode1] if mode1 else [],
            description="Saturday 22:00 – Sunday 04:00: the approved slot for Mode 1 changes.",
        )
        created += 1
    year = timezone.localdate().year
    name = f"Year-end freeze {year}"
    if name not in existing:
        tz = timezone.get_current_timezone()
        change_services.window_create(
            actor=admin,
            name=name,
            kind=WindowKind.FREEZE,
            start=datetime(year, 12, 18, tzinfo=tz),
            end=datetime(year + 1, 1, 4, tzinfo=tz),
            description="Year-end trading and closing: no changes except emergencies.",
        )
        created += 1
    return created


def _plan(week: int, hours: int = 1, offset: int = 1) -> tuple[datetime, datetime]:
    start = _saturday_night(week) + timedelta(hours=offset)
    return start, start + timedelta(hours=hours)


def _changes(users: dict[str, User], svc: dict[str, Service]) -> int:
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
    start, end = _plan(1)
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

    start, end = _plan(1, offset=2)
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

    start, end = _plan(2)
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

    start, end = _plan(-1)
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
        change = change_services.change_start(actor=owen, change=change)
        change = change_services.change_complete(actor=owen, change=change, result=ChangeStatus.COMPLETED)
        change = change_services.change_review(
            actor=chris, change=change, notes="Went to plan; no incidents."
        )
        change_services.change_close(actor=chris, change=change)

    start, end = _plan(3)
    change = new(
        "Core banking batch scheduler replacement",
        owen,
        [svc["core-banking"], svc["general-ledger"]],
        planned_start=start,
        planned_end=end,
        risk_answers={"first_time": True, "downtime": True},
        **plans,
    )
    if change:
        change_services.change_submit(actor=owen, change=change)
        change = change_services.change_assess(actor=chris, change=change)
        if change.status == ChangeStatus.AWAITING_APPROVAL:  # not when the slot fell in the year-end freeze
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

    new(
        "Payments switch capacity upgrade",
        owen,
        [svc["payments-switch"]],
        description="Two more switch nodes.",
        **plans,
    )

    change = new(
        "Mobile app: dark mode",
        pat,
        [svc["mobile-banking-app"]],
        change_type="normal",
        planned_start=timezone.now() + timedelta(days=2),
        planned_end=timezone.now() + timedelta(days=2, hours=1),
        **plans,
    )
    if change:
        change_services.change_submit(actor=pat, change=change)
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
    counts["change_windows"] = _windows(actor)
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
        counts["changes"] = _changes(users, svc)
        counts.update(_gate(actor, svc))
    return counts
