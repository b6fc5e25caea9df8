"""The GitHub and GitLab webhook dialects: authenticity checks and what each event means, as plain data.

Nothing here writes: `interpret()` turns a payload into commits, a merged pull request and/or a deployment
report, or a reason to skip it; `services.webhook_receive()` writes them. Field names follow the providers'
documented payloads (GitHub: `push`, `pull_request`, `deployment_status`, `workflow_run`; GitLab: Push Hook,
Merge Request Hook, Deployment Hook, Pipeline Hook)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime

from bimodal.changes.choices import DeploymentStatus
from bimodal.integrations.choices import Provider
from bimodal.integrations.timeparse import parse_timestamp

GITHUB_SIGNATURE_PREFIX = "sha256="
ZERO_SHA = "0" * 40

# GitHub deployment_status.state -> our status (None: not a state change we record)
GITHUB_DEPLOYMENT_STATES = {
    "success": DeploymentStatus.SUCCEEDED,
    "failure": DeploymentStatus.FAILED,
    "error": DeploymentStatus.FAILED,
    "in_progress": DeploymentStatus.IN_PROGRESS,
    "queued": DeploymentStatus.IN_PROGRESS,
    "pending": DeploymentStatus.IN_PROGRESS,
}
# GitHub workflow_run.conclusion -> our status (cancelled / skipped / neutral runs deployed nothing)
GITHUB_RUN_CONCLUSIONS = {
    "success": DeploymentStatus.SUCCEEDED,
    "failure": DeploymentStatus.FAILED,
    "timed_out": DeploymentStatus.FAILED,
    "startup_failure": DeploymentStatus.FAILED,
}
# GitLab deployment / pipeline status -> our status (canceled / skipped: nothing was deployed)
GITLAB_STATUSES = {
    "success": DeploymentStatus.SUCCEEDED,
    "failed": DeploymentStatus.FAILED,
    "running": DeploymentStatus.IN_PROGRESS,
}


@dataclass
class CommitData:
    """A commit as a payload or an import describes it."""

    sha: str
    authored_at: datetime
    message: str = ""
    author: str = ""
    committed_at: datetime | None = None


@dataclass
class PullRequestData:
    """A merged pull request (GitHub) or merge request (GitLab)."""

    number: int
    title: str
    created_at: datetime
    merged_at: datetime | None
    merge_commit_sha: str = ""
    url: str = ""
    first_commit_at: datetime | None = None


@dataclass
class DeploymentData:
    """A deployment as a provider reports it; the environment is still the provider's name."""

    external_id: str
    environment: str
    status: str
    commit: str = ""
    version: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None
    pipeline_url: str = ""
    environment_tier: str = ""
    commits: list[CommitData] | None = None


@dataclass
class Interpretation:
    """What one delivery means; `skip` says why it means nothing to us."""

    commits: list[CommitData] = field(default_factory=list)
    pushed_at: datetime | None = None
    pull_request: PullRequestData | None = None
    deployment: DeploymentData | None = None
    skip: str = ""
    summary: str = ""


# --- authenticity -----------------------------------------------------------------------------------


def github_signature(secret: str, body: bytes) -> str:
    """The X-Hub-Signature-256 value GitHub sends for `body` signed with `secret`."""
    return GITHUB_SIGNATURE_PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_github(secret: str, body: bytes, header: str) -> bool:
    """Whether X-Hub-Signature-256 is the HMAC-SHA256 of the raw body (constant-time comparison); a header
    that is not ASCII is simply wrong (hmac.compare_digest takes only ASCII text)."""
    header = (header or "").strip()
    if not secret or not header.isascii() or not header.startswith(GITHUB_SIGNATURE_PREFIX):
        return False
    return hmac.compare_digest(github_signature(secret, body).encode(), header.encode())


def verify_gitlab(secret: str, token: str) -> bool:
    """Whether X-Gitlab-Token is the project's secret token (constant-time comparison of the UTF-8 bytes)."""
    if not secret or not token:
        return False
    return hmac.compare_digest(secret.encode(), token.encode("utf-8", "surrogateescape"))


# --- which repository -------------------------------------------------------------------------------


def _key(value: object) -> str:
    """A repository key as text: a string or a number, else blank (a list or an object names nothing)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return ""
    return str(value)


def repository_keys(provider: str, payload: dict) -> tuple[str, str]:
    """(external id, full name) of the repository or project a payload is about; blanks when absent or
    not a string or number."""
    if provider == Provider.GITHUB:
        repo = payload.get("repository")
        repo = repo if isinstance(repo, dict) else {}
        return _key(repo.get("id")), _key(repo.get("full_name"))
    project = payload.get("project")
    project = project if isinstance(project, dict) else {}
    return _key(project.get("id") or payload.get("project_id")), _key(project.get("path_with_namespace"))


def is_organisation_ping(provider: str, event: str, payload: dict) -> bool:
    """Whether a delivery is the ping of a GitHub organisation hook, which names no repository."""
    hook = payload.get("hook")
    return (
        provider == Provider.GITHUB
        and event == "ping"
        and not any(repository_keys(provider, payload))
        and isinstance(hook, dict)
        and hook.get("type") == "Organization"
    )


# --- helpers ----------------------------------------------------------------------------------------


def _first_line(message: str | None) -> str:
    return (message or "").strip().splitlines()[0][:300] if (message or "").strip() else ""


def _person(data: dict | None) -> str:
    data = data or {}
    name, email = data.get("name") or "", data.get("email") or ""
    return (f"{name} <{email}>" if email else name)[:200]


def _branch(ref: str) -> str:
    return ref.removeprefix("refs/heads/") if ref.startswith("refs/heads/") else ""


def _push_commit(data: dict) -> CommitData:
    return CommitData(
        sha=str(data["id"]),
        authored_at=parse_timestamp(data["timestamp"]),
        message=_first_line(data.get("message") or data.get("title")),
        author=_person(data.get("author")),
    )


def _push(payload: dict, repository, *, pushed_at) -> Interpretation:
    """GitHub `push` / GitLab Push Hook: commits newly on the default branch."""
    branch = _branch(payload.get("ref") or "")
    if not branch:
        return Interpretation(skip="not a branch push (tag)")
    if payload.get("deleted") or payload.get("after") == ZERO_SHA:
        return Interpretation(skip="branch deleted")
    if branch != repository.default_branch:
        return Interpretation(skip=f"push to {branch}, not the default branch {repository.default_branch}")
    commits = [_push_commit(c) for c in payload.get("commits") or []]
    if not commits:
        return Interpretation(skip="push without commits")
    return Interpretation(commits=commits, pushed_at=pushed_at, summary=f"{len(commits)} commit(s)")


def _matches_workflow(repository, *names: str) -> bool:
    wanted = (repository.deploy_workflow or "").strip()
    if not wanted:
        return False
    return wanted == "*" or any(name and name.strip() == wanted for name in names)


# --- GitHub -----------------------------------------------------------------------------------------


def _github_pull_request(payload: dict) -> Interpretation:
    pr = payload.get("pull_request") or {}
    if payload.get("action") != "closed":
        return Interpretation(skip=f"pull request {payload.get('action')}")
    if not (pr.get("merged") or pr.get("merged_at")):
        return Interpretation(skip="pull request closed without merging")
    number = int(pr.get("number") or payload["number"])
    return Interpretation(
        pull_request=PullRequestData(
            number=number,
            title=(pr.get("title") or "")[:300],
            created_at=parse_timestamp(pr["created_at"]),
            merged_at=parse_timestamp(pr.get("merged_at") or pr.get("closed_at")),
            merge_commit_sha=pr.get("merge_commit_sha") or "",
            url=pr.get("html_url") or "",
        ),
        summary=f"pull request #{number} merged",
    )


def _github_deployment_status(payload: dict) -> Interpretation:
    status_data = payload.get("deployment_status") or {}
    deployment = payload.get("deployment") or {}
    state = status_data.get("state") or ""
    status = GITHUB_DEPLOYMENT_STATES.get(state)
    if status is None:
        return Interpretation(skip=f"deployment state {state or 'missing'}")
    at = parse_timestamp(status_data.get("created_at") or status_data.get("updated_at"))
    ref = deployment.get("ref") or ""
    sha = deployment.get("sha") or ""
    extra = deployment.get("payload") if isinstance(deployment.get("payload"), dict) else {}
    return Interpretation(
        deployment=DeploymentData(
            external_id=str(deployment["id"]),
            environment=status_data.get("environment") or deployment.get("environment") or "",
            status=status,
            commit=sha,
            version=str(extra.get("version") or (ref if ref != sha else ""))[:100],
            started_at=parse_timestamp(deployment.get("created_at")),
            finished_at=at if status != DeploymentStatus.IN_PROGRESS else None,
            pipeline_url=status_data.get("log_url") or status_data.get("target_url") or "",
        ),
        summary=f"deployment {deployment['id']} {state}",
    )


def _github_workflow_run(payload: dict, repository) -> Interpretation:
    run = payload.get("workflow_run") or {}
    workflow = payload.get("workflow") or {}
    if not _matches_workflow(
        repository, run.get("name") or "", workflow.get("name") or "", run.get("path") or ""
    ):
        return Interpretation(
            skip=f"workflow {run.get('name') or workflow.get('name')!r} is not the deploy workflow"
        )
    if run.get("head_branch") != repository.default_branch:
        return Interpretation(skip=f"run on {run.get('head_branch')}, not the default branch")
    if payload.get("action") == "completed":
        status = GITHUB_RUN_CONCLUSIONS.get(run.get("conclusion") or "")
        if status is None:
            return Interpretation(skip=f"run concluded {run.get('conclusion')}")
    else:
        status = DeploymentStatus.IN_PROGRESS
    attempt = run.get("run_attempt") or 1
    terminal = status != DeploymentStatus.IN_PROGRESS
    return Interpretation(
        deployment=DeploymentData(
            external_id=f"run:{run['id']}:{attempt}",
            environment="production",
            environment_tier="production",
            status=status,
            commit=run.get("head_sha") or "",
            version=str(run.get("run_number") or ""),
            started_at=parse_timestamp(run.get("run_started_at") or run.get("created_at")),
            finished_at=parse_timestamp(run.get("updated_at")) if terminal else None,
            pipeline_url=run.get("html_url") or "",
        ),
        summary=f"workflow run {run['id']} {run.get('conclusion') or payload.get('action')}",
    )


def _interpret_github(event: str, payload: dict, repository, *, received_at) -> Interpretation:
    if event == "push":
        # GitHub gives the push time as epoch seconds on the repository; fall back to the receipt time.
        pushed = (payload.get("repository") or {}).get("pushed_at")
        pushed_at = parse_timestamp(pushed) if isinstance(pushed, int) else received_at
        return _push(payload, repository, pushed_at=pushed_at)
    if event == "pull_request":
        return _github_pull_request(payload)
    if event == "deployment_status":
        return _github_deployment_status(payload)
    if event == "workflow_run":
        return _github_workflow_run(payload, repository)
    if event == "ping":
        hook = payload.get("hook") if isinstance(payload.get("hook"), dict) else {}
        organisation = payload.get("organization") if isinstance(payload.get("organization"), dict) else {}
        if hook.get("type") == "Organization":
            return Interpretation(skip=f"ping of the organisation hook of {organisation.get('login') or '?'}")
        return Interpretation(skip="ping")
    return Interpretation(skip=f"event {event!r} is not used")


# --- GitLab -----------------------------------------------------------------------------------------


def _gitlab_merge_request(payload: dict) -> Interpretation:
    attrs = payload.get("object_attributes") or {}
    if attrs.get("action") != "merge" and attrs.get("state") != "merged":
        return Interpretation(skip=f"merge request {attrs.get('action') or attrs.get('state')}")
    if attrs.get("action") and attrs.get("action") != "merge":
        return Interpretation(skip=f"merge request {attrs.get('action')} (already merged)")
    number = int(attrs["iid"])
    return Interpretation(
        pull_request=PullRequestData(
            number=number,
            title=(attrs.get("title") or "")[:300],
            created_at=parse_timestamp(attrs["created_at"]),
            merged_at=parse_timestamp(attrs.get("merged_at") or attrs.get("updated_at")),
            merge_commit_sha=attrs.get("merge_commit_sha") or "",
            url=attrs.get("url") or "",
        ),
        summary=f"merge request !{number} merged",
    )


def _sha_from_url(url: str) -> str:
    tail = (url or "").rstrip("/").rsplit("/", 1)[-1]
    return tail if len(tail) >= 7 and all(c in "0123456789abcdef" for c in tail.lower()) else ""


def _gitlab_deployment(payload: dict) -> Interpretation:
    state = payload.get("status") or ""
    status = GITLAB_STATUSES.get(state)
    if status is None:
        return Interpretation(skip=f"deployment {state or 'without status'}")
    at = parse_timestamp(payload.get("status_changed_at"))
    terminal = status != DeploymentStatus.IN_PROGRESS
    return Interpretation(
        deployment=DeploymentData(
            external_id=str(payload["deployment_id"]),
            environment=payload.get("environment") or "",
            environment_tier=payload.get("environment_tier") or "",
            status=status,
            # The hook carries the short sha and the commit URL, whose last segment is the full sha.
            commit=_sha_from_url(payload.get("commit_url") or "") or payload.get("short_sha") or "",
            started_at=None if terminal else at,
            finished_at=at if terminal else None,
            pipeline_url=payload.get("deployable_url") or "",
        ),
        summary=f"deployment {payload['deployment_id']} {state}",
    )


def _gitlab_pipeline(payload: dict, repository) -> Interpretation:
    attrs = payload.get("object_attributes") or {}
    ref = attrs.get("ref") or ""
    on_default = not attrs.get("tag") and ref == repository.default_branch
    listed = [payload["commit"]] if payload.get("commit") else []
    listed += payload.get("commits") or []
    commits = [_push_commit(c) for c in listed] if on_default else []
    result = Interpretation(commits=commits)
    if on_default and _matches_workflow(repository, attrs.get("name") or ""):
        state = attrs.get("status") or ""
        status = GITLAB_STATUSES.get(state)
        if status is not None:
            terminal = status != DeploymentStatus.IN_PROGRESS
            result.deployment = DeploymentData(
                external_id=f"pipeline:{attrs['id']}",
                environment="production",
                environment_tier="production",
                status=status,
                commit=attrs.get("sha") or "",
                version=str(attrs.get("iid") or ""),
                started_at=parse_timestamp(attrs.get("created_at")),
                finished_at=parse_timestamp(attrs.get("finished_at")) if terminal else None,
                pipeline_url=attrs.get("url") or "",
                commits=commits or None,
            )
    if not result.commits and result.deployment is None:
        result.skip = f"pipeline {attrs.get('status')} on {ref or '?'}: nothing to record"
    result.summary = f"pipeline {attrs.get('id')} {attrs.get('status')}"
    return result


def _interpret_gitlab(event: str, payload: dict, repository, *, received_at) -> Interpretation:
    if event == "Push Hook":
        return _push(payload, repository, pushed_at=received_at)
    if event == "Merge Request Hook":
        return _gitlab_merge_request(payload)
    if event == "Deployment Hook":
        return _gitlab_deployment(payload)
    if event == "Pipeline Hook":
        return _gitlab_pipeline(payload, repository)
    return Interpretation(skip=f"event {event!r} is not used")


def interpret(provider: str, event: str, payload: dict, repository, *, received_at) -> Interpretation:
    """What a delivery means for `repository`. Raises KeyError / ValueError / TypeError on a malformed
    payload (a required field missing or not a timestamp)."""
    if provider == Provider.GITHUB:
        return _interpret_github(event, payload, repository, received_at=received_at)
    return _interpret_gitlab(event, payload, repository, received_at=received_at)
