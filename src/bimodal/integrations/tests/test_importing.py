"""Deployment history in bulk: the API endpoint and `bimodal import-deployments` share one validation."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError

from bimodal.changes.choices import DeploymentSource
from bimodal.changes.models import Deployment
from bimodal.core import services as core_services
from bimodal.integrations import importing
from bimodal.integrations.models import Commit, DeploymentCommit
from bimodal.integrations.tests.factories import RepositoryFactory

pytestmark = pytest.mark.django_db
URL = "/api/integrations/deployments/bulk/"


@pytest.fixture
def repo():
    return RepositoryFactory(full_name="northbridge/mobile-app")


def _row(repo, n=1, **fields):
    return {
        "service": repo.service.slug,
        "environment": "production",
        "status": "succeeded",
        "started_at": f"2026-01-0{n}T10:00:00Z",
        "finished_at": f"2026-01-0{n}T10:07:00Z",
        "version": f"1.{n}.0",
        "commit": f"{n}" * 40,
        "commits": [{"sha": f"{n}" * 40, "authored_at": f"2026-01-0{n}T08:00:00Z"}],
        "external_id": f"run-{n}",
        **fields,
    }


def _api(client, make_user, *roles):
    user = make_user(*roles)
    _, key = core_services.api_token_create(user=user, actor=None)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {key}"
    return client


def test_bulk_load_creates_deployments_and_commits(client, make_user, repo):
    api = _api(client, make_user, "governance_lead")
    response = api.post(URL, [_row(repo, 1), _row(repo, 2)], content_type="application/json")
    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 2
    deployment = Deployment.objects.get(external_id="run-2")
    assert deployment.source == DeploymentSource.API and deployment.repository == repo
    assert deployment.created_at.isoformat().startswith("2026-01-02T10:00")
    assert list(deployment.deployment_commits.values_list("commit__sha", flat=True)) == ["2" * 40]
    again = api.post(URL, [_row(repo, 1), _row(repo, 2)], content_type="application/json")
    assert again.json()["created"] == 0
    assert (
        Deployment.objects.count() == 2
        and Commit.objects.count() == 2
        and DeploymentCommit.objects.count() == 2
    )


def test_bulk_load_is_all_or_nothing_with_item_errors(client, make_user, repo):
    api = _api(client, make_user, "governance_lead")
    rows = [_row(repo, 1), _row(repo, 2, status="exploded"), _row(repo, 3, service="nope", finished_at="")]
    response = api.post(URL, rows, content_type="application/json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {(e["index"], e["field"]) for e in errors} >= {(1, "status"), (2, "service")}
    assert not Deployment.objects.exists() and not Commit.objects.exists()


def test_bulk_rejects_finish_before_start_and_repeated_ids(client, make_user, repo):
    api = _api(client, make_user, "governance_lead")
    rows = [
        _row(repo, 1, finished_at="2026-01-01T09:00:00Z"),
        _row(repo, 2, external_id="run-x"),
        _row(repo, 3, external_id="run-x"),
    ]
    errors = api.post(URL, rows, content_type="application/json").json()["errors"]
    assert {(e["index"], e["field"]) for e in errors} == {(0, "finished_at"), (2, "external_id")}


def test_bulk_needs_the_permission(client, make_user, repo):
    for role in ("service_owner", "auditor", "product_team_member"):
        api = _api(client, make_user, role)
        assert api.post(URL, [_row(repo)], content_type="application/json").status_code == 403
    client.defaults.pop("HTTP_AUTHORIZATION")
    assert client.post(URL, [_row(repo)], content_type="application/json").status_code in (401, 403)
    assert not Deployment.objects.exists()


def test_bulk_by_repository_name_maps_environment(client, make_user, repo):
    repo.production_environments = ["live"]
    repo.save()
    api = _api(client, make_user, "administrator")
    row = _row(repo, 1, environment="live")
    del row["service"]
    row["repository"] = "github:northbridge/mobile-app"
    assert api.post(URL, [row], content_type="application/json").status_code == 200
    assert Deployment.objects.get().environment == "production"


def test_command_imports_csv_with_progress_and_is_idempotent(tmp_path, repo):
    path = tmp_path / "history.csv"
    path.write_text(
        "service,environment,status,started_at,finished_at,version,commit,commits,external_id\n"
        f"{repo.service.slug},production,succeeded,2026-01-01T10:00:00Z,2026-01-01T10:05:00Z,1.0,{'a' * 40},"
        f"{'a' * 40}@2026-01-01T08:00:00Z;{'b' * 40}@2026-01-01T07:00:00Z,imp-1\n"
        f"{repo.service.slug},staging,failed,2026-01-02T10:00:00Z,2026-01-02T10:05:00Z,1.1,,,imp-2\n"
    )
    out, err = StringIO(), StringIO()
    call_command("import_deployments", str(path), stdout=out, stderr=err)
    assert "2 created" in out.getvalue()
    assert Deployment.objects.get(external_id="imp-1").deployment_commits.count() == 2
    assert Deployment.objects.get(external_id="imp-2").source == DeploymentSource.IMPORT
    call_command("import_deployments", str(path), stdout=out, stderr=err)
    assert Deployment.objects.count() == 2


def test_command_reports_line_numbers_and_writes_nothing(tmp_path, repo):
    path = tmp_path / "history.csv"
    path.write_text(
        "service,environment,status,finished_at\n"
        f"{repo.service.slug},production,succeeded,2026-01-01T10:05:00Z\n"
        f"{repo.service.slug},production,succeeded,yesterday\n"
    )
    err = StringIO()
    with pytest.raises(CommandError, match="1 error"):
        call_command("import_deployments", str(path), stdout=StringIO(), stderr=err)
    assert "line 3, finished_at" in err.getvalue()
    assert not Deployment.objects.exists()


def test_command_json_dry_run_writes_nothing(tmp_path, repo):
    path = tmp_path / "history.json"
    path.write_text(json.dumps({"deployments": [_row(repo, 1)]}))
    out = StringIO()
    call_command("import_deployments", str(path), "--dry-run", stdout=out, stderr=StringIO())
    assert "1 row(s) are valid" in out.getvalue()
    assert not Deployment.objects.exists()


def test_command_user_without_permission_is_refused(tmp_path, repo, make_user):
    make_user("auditor", username="audrey")
    path = tmp_path / "history.json"
    path.write_text(json.dumps([_row(repo, 1)]))
    with pytest.raises(CommandError):
        call_command(
            "import_deployments", str(path), "--user", "audrey", stdout=StringIO(), stderr=StringIO()
        )


def test_the_same_external_id_of_two_services_is_two_deployments(client, make_user, repo):
    # A deployment is the reporter's id within one service: "build-1" of service B is not service A's.
    other = RepositoryFactory(full_name="northbridge/core-banking")
    api = _api(client, make_user, "administrator")
    first = api.post(URL, [_row(repo, 1, external_id="build-1")], content_type="application/json")
    assert first.json()["created"] == 1
    second = api.post(
        URL,
        [_row(other, 2, external_id="build-1", status="failed")],
        content_type="application/json",
    )
    assert second.status_code == 200, second.json()
    assert (second.json()["created"], second.json()["updated"]) == (1, 0)
    mine = Deployment.objects.get(service=repo.service)
    theirs = Deployment.objects.get(service=other.service)
    assert (mine.external_id, mine.status) == ("build-1", "succeeded")
    assert (theirs.external_id, theirs.status) == ("build-1", "failed")
    again = api.post(
        URL, [_row(other, 2, external_id="build-1", status="failed")], content_type="application/json"
    )
    assert (again.json()["created"], again.json()["updated"]) == (0, 1)
    assert Deployment.objects.count() == 2


def test_one_load_may_hold_the_same_external_id_for_two_services(client, make_user, repo):
    other = RepositoryFactory(full_name="northbridge/core-banking")
    api = _api(client, make_user, "administrator")
    rows = [_row(repo, 1, external_id="build-1"), _row(other, 2, external_id="build-1")]
    response = api.post(URL, rows, content_type="application/json")
    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 2
    twice = [_row(repo, 1, external_id="build-1"), _row(repo, 2, external_id="build-1")]
    errors = api.post(URL, twice, content_type="application/json").json()["errors"]
    assert [(e["index"], e["field"]) for e in errors] == [(1, "external_id")]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"commit": "a" * 80}, "commit"),
        ({"commits": [{"sha": "a" * 80, "authored_at": "2026-01-01T08:00:00Z"}]}, "commits"),
        ({"commits": [{"sha": "a" * 40, "authored_at": None}]}, "commits"),
        ({"pipeline_url": "https://ci.example.org/" + "p" * 600}, "pipeline_url"),
        ({"external_id": "x" * 120}, "external_id"),
        ({"started_at": 10**20}, "started_at"),
    ],
)
def test_values_the_database_would_refuse_are_named_before_writing(client, make_user, repo, change, field):
    api = _api(client, make_user, "administrator")
    response = api.post(URL, [_row(repo, 1), _row(repo, 2, **change)], content_type="application/json")
    assert response.status_code == 400
    assert [(e["index"], e["field"]) for e in response.json()["errors"]] == [(1, field)]
    assert not Deployment.objects.exists() and not Commit.objects.exists()


def test_a_refusal_by_the_database_while_writing_is_a_400_and_writes_nothing(
    client, make_user, repo, monkeypatch
):
    real = importing.services.deployment_report
    calls = []

    def second_refused(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise IntegrityError("CHECK constraint failed: somewhere")
        return real(**kwargs)

    monkeypatch.setattr(importing.services, "deployment_report", second_refused)
    api = _api(client, make_user, "administrator")
    response = api.post(URL, [_row(repo, 1), _row(repo, 2)], content_type="application/json")
    assert response.status_code == 400
    assert "refused" in response.json()["errors"][0]["message"]
    assert not Deployment.objects.exists() and not Commit.objects.exists()
