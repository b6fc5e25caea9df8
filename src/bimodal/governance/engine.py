"""The policy engine: compile CEL once per policy version, pre-filter by scope, decide with reasons.

A decision's context is three maps: `change`, `service` and `evidence` (see SAMPLE_CONTEXT). Policies are
checked on save against sample contexts, so a syntax error, a type error, a non-boolean result or an
unguarded optional evidence field is refused before it can reach a pipeline."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

import cel
from django.db.models import Count, Max, QuerySet
from django.utils.dateparse import parse_datetime

from bimodal.governance.choices import DecisionOutcome, PolicyEffect
from bimodal.governance.models import Policy
from bimodal.portfolio.models import Mode

SAMPLE_CHANGE = {
    "type": "normal",
    "risk_score": 42,
    "risk_level": "medium",
    "environment": "production",
    "source": "manual",
    "has_backout_plan": True,
    "has_test_plan": True,
    "planned": True,
    "in_window": True,
    "in_freeze": False,
    "release_train": True,
    "on_release_date": True,
    "conflict_count": 0,
    "service_count": 1,
    "template": "",
    "template_approved": False,
}
SAMPLE_SERVICE = {
    "slug": "payments-switch",
    "mode": "",  # the first mode's key at run time (sample_context)
    "criticality": 0,
    "tags": ["PCI DSS", "EU DORA"],
    "data_classification": "restricted",
    "hosting": "on_premises",
    "lifecycle": "live",
    "change_failure_rate": 0.1,
    "blast_radius": 5,
}
SAMPLE_EVIDENCE = {
    "tests_passed": True,
    "coverage": 85.0,
    "security_scan": "pass",
    "test_report": "https://ci.example.com/run/1/tests",
    "backout_plan": "redeploy previous version",
}
SAMPLE_CONTEXT = {"change": SAMPLE_CHANGE, "service": SAMPLE_SERVICE, "evidence": SAMPLE_EVIDENCE}
DEFAULT_APPROVER_ROLE = "change_manager"


def sample_context() -> dict:
    """The example change of the policy pages, for a service of the first mode of this organisation."""
    first = Mode.objects.order_by("order", "name").values_list("key", flat=True).first() or ""
    return {**SAMPLE_CONTEXT, "service": {**SAMPLE_SERVICE, "mode": first}}


@lru_cache(maxsize=4096)
def compile_expression(expression: str):
    """The compiled CEL program for an expression (cached: a policy version never changes)."""
    return cel.compile(expression)


def expression_errors(expression: str) -> str:
    """ "" if the expression is a valid boolean CEL condition over the context, else a clear message."""
    if not (expression or "").strip():
        return "Enter a CEL expression (use `true` to always apply)."
    try:
        program = compile_expression(expression)
    except (ValueError, TypeError, RuntimeError) as exc:
        return f"CEL syntax error: {exc}"
    unknown = sorted(set(program.variables()) - set(SAMPLE_CONTEXT))
    if unknown:
        return f"Unknown variable(s) {', '.join(unknown)}: use change, service or evidence."
    for label, evidence in (("with full evidence", SAMPLE_EVIDENCE), ("with no evidence", {})):
        context = {**SAMPLE_CONTEXT, "evidence": evidence}
        try:
            result = program.execute(cel.Context(variables=context))
        except KeyError as exc:
            hint = (
                f" — guard optional fields with has(evidence.{exc.args[0]})"
                if label == "with no evidence"
                else ""
            )
            return f"CEL error {label}: no field {exc.args[0]!r}{hint}."
        except (TypeError, RuntimeError, ValueError) as exc:
            return f"CEL type error {label}: {exc}"
        if not isinstance(result, bool):
            return f"The expression must be true or false; it gives {type(result).__name__} {result!r}."
    return ""


@dataclass(frozen=True)
class CompiledPolicy:
    """A policy version ready to evaluate: scope as sets, the compiled program, the effect."""

    pk: int | None
    key: str
    version: int
    name: str
    priority: int
    modes: frozenset
    change_types: frozenset
    criticalities: frozenset
    expression: str
    effect: str
    message: str
    approver_role: str
    approver_forum_id: int | None
    approver_forum: str
    approvals_required: int
    evidence: tuple
    program: object = field(repr=False, compare=False)

    @classmethod
    def of(cls, policy) -> CompiledPolicy:
        """Compile a Policy row (or an unsaved draft)."""
        forum = policy.approver_forum if policy.approver_forum_id else None
        return cls(
            pk=policy.pk,
            key=policy.key,
            version=policy.version,
            name=policy.name,
            priority=policy.priority,
            modes=frozenset(policy.modes or ()),
            change_types=frozenset(policy.change_types or ()),
            criticalities=frozenset(int(c) for c in policy.criticalities or ()),
            expression=policy.expression,
            effect=policy.effect,
            message=policy.message,
            approver_role=policy.approver_role,
            approver_forum_id=policy.approver_forum_id,
            approver_forum=forum.name if forum else "",
            approvals_required=policy.approvals_required,
            evidence=tuple(policy.evidence or ()),
            program=compile_expression(policy.expression),
        )

    def in_scope(self, mode: str, change_type: str) -> bool:
        return (not self.modes or mode in self.modes) and (
            not self.change_types or change_type in self.change_types
        )


@dataclass
class FiredRule:
    """A policy whose condition was true (or failed), and why it matters."""

    key: str
    version: int
    name: str
    effect: str
    reason: str


@dataclass
class Decision:
    """The outcome of the policies for one change, with the rules that fired and what is still required."""

    outcome: str
    fired: list[FiredRule] = field(default_factory=list)
    approvals: list[dict] = field(default_factory=list)
    evidence_required: list[str] = field(default_factory=list)
    missing_evidence: list[str] = field(default_factory=list)
    window_required: bool = False
    record_only: bool = False
    evaluated: int = 0

    @property
    def reasons(self) -> list[str]:
        return [f"{rule.name}: {rule.reason}" for rule in self.fired]

    def to_dict(self) -> dict:
        data = asdict(self)
        data["reasons"] = self.reasons
        return data


class PolicySnapshot:
    """The current enabled policies, compiled, with a memo of which apply to each (mode, change type)."""

    def __init__(self, policies: list[CompiledPolicy]):
        self.policies = sorted(policies, key=lambda p: (p.priority, p.key))
        self._scoped: dict[tuple[str, str], list[CompiledPolicy]] = {}

    def applicable(self, mode: str, change_type: str, criticality: int | None) -> list[CompiledPolicy]:
        """The policies whose scope covers this mode, change type and criticality tier."""
        scoped = self._scoped.get((mode, change_type))
        if scoped is None:
            scoped = [p for p in self.policies if p.in_scope(mode, change_type)]
            self._scoped[(mode, change_type)] = scoped
        return [p for p in scoped if not p.criticalities or criticality in p.criticalities]


_lock = threading.Lock()
_cache: dict[str, object] = {"signature": None, "snapshot": None}


def policy_signature_query() -> QuerySet[Policy]:
    """The current policies' signature as a query (also usable as subqueries inside another query)."""

    return Policy.objects.filter(is_current=True)


def _signature_part(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):  # a raw timestamp from SQLite
        value = parse_datetime(value) or value
    if isinstance(value, datetime):
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.isoformat()
    return str(value)


def normalise_signature(values) -> tuple:
    """A signature as comparable text, whichever query (ORM aggregate or raw subquery) produced it."""
    return tuple(_signature_part(v) for v in values)


def current_policies(signature: tuple | None = None) -> PolicySnapshot:
    """The current policy snapshot; one aggregate query checks whether any policy changed since.

    Every edit adds a row, so (highest id, number of current rows, newest creation time) changes whenever
    the set does — in every process, without a shared cache. A caller that fetched the signature in
    one of its own queries (the deployment gate) passes it and saves the query."""

    if signature is None:
        signature = (
            policy_signature_query().aggregate(m=Max("pk"), c=Count("pk"), t=Max("created_at")).values()
        )
    signature = normalise_signature(signature)
    if _cache["signature"] != signature:
        rows = Policy.objects.filter(is_current=True, enabled=True).select_related("approver_forum")
        snapshot = PolicySnapshot([CompiledPolicy.of(p) for p in rows])
        with _lock:
            _cache.update(signature=signature, snapshot=snapshot)
    return _cache["snapshot"]  # type: ignore[return-value]


def _truthy(value) -> bool:
    return value not in (None, False, "", 0, "fail", "failed")


def evaluate(context: dict, policies: list[CompiledPolicy] | PolicySnapshot) -> Decision:
    """Decide for one change: deny > needs approval > allow; nothing allowing means a change manager decides."""
    service, change = context["service"], context["change"]
    if isinstance(policies, PolicySnapshot):
        policies = policies.applicable(service["mode"], change["type"], service.get("criticality"))
    else:
        policies = [
            p
            for p in policies
            if p.in_scope(service["mode"], change["type"])
            and (not p.criticalities or service.get("criticality") in p.criticalities)
        ]
    evidence = context.get("evidence") or {}
    variables = cel.Context(variables=context)
    decision = Decision(outcome=DecisionOutcome.ALLOW, evaluated=len(policies))
    denied = allowed = errored = False
    for policy in policies:
        try:
            hit = policy.program.execute(variables) is True
        except Exception as exc:  # a failing rule must fail closed, whatever CEL raised
            errored = True
            decision.fired.append(
                FiredRule(policy.key, policy.version, policy.name, "error", f"could not be evaluated ({exc})")
            )
            continue
        if not hit:
            continue
        reason = policy.message or policy.expression
        effect = policy.effect
        if effect == PolicyEffect.DENY:
            denied = True
        elif effect == PolicyEffect.ALLOW:
            allowed = True
        elif effect == PolicyEffect.REQUIRE_APPROVAL:
            decision.approvals.append(
                {
                    "policy": policy.key,
                    "role": policy.approver_role,
                    "forum_id": policy.approver_forum_id,
                    "forum": policy.approver_forum,
                    "count": policy.approvals_required,
                }
            )
        elif effect == PolicyEffect.REQUIRE_EVIDENCE:
            missing = [name for name in policy.evidence if not _truthy(evidence.get(name))]
            decision.evidence_required.extend(
                n for n in policy.evidence if n not in decision.evidence_required
            )
            if missing:
                denied = True
                decision.missing_evidence.extend(n for n in missing if n not in decision.missing_evidence)
                reason = f"{reason} — missing: {', '.join(missing)}"
        elif effect == PolicyEffect.REQUIRE_WINDOW:
            decision.window_required = True
        elif effect == PolicyEffect.RECORD_ONLY:
            decision.record_only = True
        decision.fired.append(FiredRule(policy.key, policy.version, policy.name, effect, reason))
    if denied:
        decision.outcome = DecisionOutcome.DENY
    elif decision.approvals:
        decision.outcome = DecisionOutcome.NEEDS_APPROVAL
    elif allowed and not errored:
        decision.outcome = DecisionOutcome.ALLOW
    else:
        decision.outcome = DecisionOutcome.NEEDS_APPROVAL
        why = "a policy could not be evaluated" if errored else "no policy allows this change"
        decision.approvals.append(
            {"policy": "", "role": DEFAULT_APPROVER_ROLE, "forum_id": None, "forum": "", "count": 1}
        )
        decision.fired.append(
            FiredRule("default", 0, "Default", "require_approval", f"{why}: a change manager decides")
        )
    return decision
