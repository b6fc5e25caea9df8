"""changes 0007: a deployment's reporter id is unique within its repository or service, not globally."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from bimodal.integrations.tests.factories import RepositoryFactory

BEFORE = [("changes", "0006_approval_rounds_and_gate_request_hash")]
AFTER = [("changes", "0007_deployment_identity_per_repository_or_service")]


@pytest.mark.django_db(transaction=True)
def test_existing_deployments_keep_their_ids_and_the_same_id_fits_another_scope():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("changes", "Deployment")
    first, second = RepositoryFactory(provider="gitlab"), RepositoryFactory(provider="gitlab")
    common = {"environment": "production", "status": "succeeded"}
    old.objects.create(
        service_id=first.service_id, repository_id=first.pk, source="gitlab", external_id="15", **common
    )
    old.objects.create(service_id=first.service_id, source="api", external_id="build-1", **common)
    with pytest.raises(IntegrityError), transaction.atomic():  # the old key: one "15" in all GitLab
        old.objects.create(
            service_id=second.service_id, repository_id=second.pk, source="gitlab", external_id="15", **common
        )
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("changes", "Deployment")
    assert new.objects.count() == 2
    new.objects.create(
        service_id=second.service_id, repository_id=second.pk, source="gitlab", external_id="15", **common
    )
    new.objects.create(service_id=second.service_id, source="api", external_id="build-1", **common)
    with pytest.raises(IntegrityError), transaction.atomic():  # still one "15" per project
        new.objects.create(
            service_id=second.service_id, repository_id=second.pk, source="gitlab", external_id="15", **common
        )
    with pytest.raises(IntegrityError), transaction.atomic():  # and one "build-1" per service
        new.objects.create(service_id=second.service_id, source="api", external_id="build-1", **common)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
