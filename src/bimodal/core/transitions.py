"""The transition log's entry points for the apps below insights.

The service desk, changes and integrations log every status change, hand-off and deployment result in
insights' transition log, in the same transaction as the change itself. Insights sits above them (it
reads what they store), so they call these hooks and insights implements them (`InsightsConfig.ready()`):

- `record_ticket(ticket, from_state, to_state, *, at=None)` — a ticket's status change, or its opening
  (from_state "");
- `record_ticket_assigned(ticket, *, at=None)` — a hand-off to another group;
- `record_change(change, from_state, to_state, *, service_id=None, first=False, with_audit=False)`;
- `record_deployment(deployment, from_state, to_state, *, at=None)`.
"""

from bimodal.core.hooks import Hook

record_ticket = Hook("transitions.record_ticket")
record_ticket_assigned = Hook("transitions.record_ticket_assigned")
record_change = Hook("transitions.record_change")
record_deployment = Hook("transitions.record_deployment")
