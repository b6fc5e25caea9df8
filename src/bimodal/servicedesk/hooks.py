"""What the service desk needs from the suppliers app above it, declared here and implemented there
(`SuppliersConfig.ready()`; docs/architecture.md).

A ticket handed to a supplier's queue runs that supplier's contracted clocks, and a supplier queue takes
only tickets a current contract covers:

- `supplier_has_contracts(supplier_id) -> bool` — whether the supplier has any contract at all;
- `covering_contract(*, supplier_id, ticket, on) -> Contract | None` — the contract covering the
  ticket's service on that moment.

Apps above it add panels to the ticket page (`ticket_panels`: key -> `panel(request, ticket) -> str`, the
panel's HTML, "" for none), e.g. the knowledge articles a ticket was resolved with.
"""

from bimodal.core.hooks import Hook, Registry

supplier_has_contracts = Hook("servicedesk.supplier_has_contracts")
covering_contract = Hook("servicedesk.covering_contract")
ticket_panels = Registry("servicedesk.ticket_panels")
