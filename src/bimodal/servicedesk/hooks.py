"""What the service desk needs from the suppliers app above it, declared here and implemented there
(`SuppliersConfig.ready()`; docs/architecture.md).

A ticket handed to a supplier's queue runs that supplier's contracted clocks, and a supplier queue takes
only tickets a current contract covers:

- `supplier_has_contracts(supplier_id) -> bool` — whether the supplier has any contract at all;
- `covering_contract(*, supplier_id, ticket, on) -> Contract | None` — the contract covering the
  ticket's service on that moment.
"""

from bimodal.core.hooks import Hook

supplier_has_contracts = Hook("servicedesk.supplier_has_contracts")
covering_contract = Hook("servicedesk.covering_contract")
