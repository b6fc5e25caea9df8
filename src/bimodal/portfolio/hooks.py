"""What the portfolio needs from the apps above it, declared here and implemented there (docs/architecture.md).

A reclassification proposal is decided through governance, which sits above the portfolio (its routing
reads services and modes); governance implements these in `GovernanceConfig.ready()`:

- `decision_request_open(*, actor, system, decision_type, subject, title, org_unit, mode, description)`;
- `latest_decision_for(subject, decision_type)` — the request deciding `subject`, or None;
- `may_decide(user, request) -> (bool, reason)`;
- `decision_record(*, actor, request, outcome, note)`.

A supplier's agents see the services their supplier's current contracts cover, which the suppliers app
knows (`SuppliersConfig.ready()`):

- `supplier_services_q(supplier_id, prefix="") -> Q` over services (`prefix` is the path to the service).

Drift proposals carry the service's recent delivery as evidence, which insights computes
(`InsightsConfig.ready()`):

- `delivery_evidence(service_ids) -> {service id: {metric: {value, level, count}, "days": n}}`.

A mode's governance profile acts through governance's policies (`GovernanceConfig.ready()`):

- `mode_profile_changed(*, actor, mode, reason)` — called by `mode_update` in its transaction when a
  profile field changed: the mode's generated policies follow (versioned, audited);
- `mode_profile_preview(*, mode) -> [{key, name, action, fields}]` — what that would write, unsaved;
- `mode_governance(*, user, mode) -> [{key, name, effect, change_types, message, source, url,
  contradictions}]` — the rules that apply to a change of the mode and where each comes from;
- `mode_try(*, mode, change_type, source, risk_score, tests_passed, security_scan, in_window, in_freeze,
  off_train) -> decision` — the engine's decision for a sample change of the mode ("try it" on the mode page).

A mode's release cadence is its release train, which the changes app keeps (`ChangesConfig.ready()`):

- `mode_cadence_changed(*, actor, mode, reason)` — called by `mode_update` in its transaction when the
  release cadence changed: the train follows (the new cadence's releases generated, the old cadence's
  generated releases still to come cancelled).

A mode's tickets get the SLA definitions scoped to it, which the service desk keeps
(`ServicedeskConfig.ready()`):

- `mode_sla_definitions(*, user, mode) -> [SlaDefinition]` — the active definitions that apply to tickets
  of the mode's services (scoped to the mode, or to every mode), as `user` may see them.
"""

from bimodal.core.hooks import Hook

decision_request_open = Hook("portfolio.decision_request_open")
latest_decision_for = Hook("portfolio.latest_decision_for")
may_decide = Hook("portfolio.may_decide")
decision_record = Hook("portfolio.decision_record")
delivery_evidence = Hook("portfolio.delivery_evidence")
supplier_services_q = Hook("portfolio.supplier_services_q")
mode_profile_changed = Hook("portfolio.mode_profile_changed")
mode_profile_preview = Hook("portfolio.mode_profile_preview")
mode_governance = Hook("portfolio.mode_governance")
mode_try = Hook("portfolio.mode_try")
mode_cadence_changed = Hook("portfolio.mode_cadence_changed")
mode_sla_definitions = Hook("portfolio.mode_sla_definitions", default=())
