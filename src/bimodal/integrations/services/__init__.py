"""Writes of the integrations app, one module per area: repositories mapped to services, commits, merged
pull requests and deployments reported by CI/CD (webhooks, the bulk API and `bimodal import-deployments`),
and webhook deliveries.

Webhook processing runs as the system (actor None in the audit log): one delivery is one transaction.
Deployments and repositories are audited; commits, pull requests and deployment-commit links are raw facts
copied from the provider and are not (they are many and carry no decision).

Other apps import from this package (`from bimodal.integrations import services`), not from its modules."""

from __future__ import annotations

from bimodal.integrations.services.deliveries import (
    PROVIDER_SOURCE,
    Receipt,
    unique_violation,
    webhook_receive,
)
from bimodal.integrations.services.deployments import (
    GATE_MATCH_WINDOW,
    TERMINAL,
    commits_record,
    deployment_report,
    pull_request_record,
)
from bimodal.integrations.services.repositories import (
    REPOSITORY_FIELDS,
    environment_for,
    new_webhook_secret,
    repository_create,
    repository_rotate_secret,
    repository_update,
)

__all__ = [
    "GATE_MATCH_WINDOW",
    "PROVIDER_SOURCE",
    "REPOSITORY_FIELDS",
    "TERMINAL",
    "Receipt",
    "commits_record",
    "deployment_report",
    "environment_for",
    "new_webhook_secret",
    "pull_request_record",
    "repository_create",
    "repository_rotate_secret",
    "repository_update",
    "unique_violation",
    "webhook_receive",
]
