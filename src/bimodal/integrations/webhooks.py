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
from bimodal.changes.models import Deployment
from bimodal.integrations.choices import Provider
from bimodal.integrations.models import Commit, PullRequest
from bimodal.integrations.timeparse import parse_timestamp


def _max_length(model, name: str) -> int:
    length = model._meta.get_field(name).max_length
    assert length is not None
    return length


# What the columns take: a longer value is refused naming its field, never cut (a cut sha is another sha).
SHA_LENGTH = _max_length(Commit, "sha")
URL_LENGTH = _max_length(PullRequest, "url")
EXTERNAL_ID_LENGTH = _max_length(Deployment, "external_id")
VERSION_LENGTH = _max_length(Deployment, "version")
PIPELINE_URL_LENGTH = _max_length(Deployment, "pipeline_url")
# A pull request's number goes into a positive integer column (the largest value every database takes).
MAX_NUMBER = 2**31 - 1

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


class PayloadError(ValueError):
    """A payload field whose value would not fit the database: `field` names it as the payload does."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def _text(value: object, field: str, limit: int, *, required: bool = False) -> str:
    """A text or number field, at most `limit` characters; blank when absent unless `required`."""
    if value is None or value == "":
        if required:
            raise PayloadError(field, "required")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise PayloadError(field, "not a text or a number")
    text = str(value)
    if len(text) > limit:
        raise PayloadError(field, f"{len(text)} characters, at most {limit}")
    return text


def _time(value: object, field: str, *, required: bool = False) -> datetime | None:
    """A timestamp field (see parse_timestamp); None when absent unless `required`."""
    try:
        moment = parse_timestamp(value)
    except (ValueError, TypeError) as exc:
        raise PayloadError(field, str(exc)) from exc
    if moment is None and required:
        raise PayloadError(field, "required")
    return moment


def _number(value: object, field: str) -> int:
    """A pull or merge request number: a whole number from 1 to MAX_NUMBER."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise PayloadError(field, "not a whole number")
    try:
        number = int(value)
    except ValueError as exc:
        raise PayloadError(field, "not a whole number") from exc
    if not 1 <= number <= MAX_NUMBER:
        raise PayloadError(field, f"{number} is not a number from 1 to {MAX_NUMBER}")
    return number


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


def _push_commit(data: dict, field: str) -> CommitData:
    if not isinstance(data, dict):
        raise PayloadError(field, "not an object")
    return CommitData(
        sha=_text(data.get("id"), f"{field}.id", SHA_LENGTH, required=True),
        authored_at=_time(data.get("timestamp"), f"{field}.timestamp", required=True),  # type: ignore[arg-type]
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
    commits = [_push_commit(c, f"commits[{i}]") for i, c in enumerate(payload.get("commits") or [])]
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
    if pr.get("number") is not None:
        number = _number(pr.get("number"), "pull_request.number")
    else:
        number = _number(payload.get("number"), "number")
    return Interpretation(
        pull_request=PullRequestData(
            number=number,
            title=(pr.get("title") or "")[:300],
            created_at=_time(pr.get("created_at"), "pull_request.created_at", required=True),  # type: ignore[arg-type]
            merged_at=_time(pr.get("merged_at") or pr.get("closed_at"), "pull_request.merged_at"),
            merge_commit_sha=_text(pr.get("merge_commit_sha"), "pull_request.merge_commit_sha", SHA_LENGTH),
            url=_text(pr.get("html_url"), "pull_request.html_url", URL_LENGTH),
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
    at = _time(status_data.get("created_at") or status_data.get("updated_at"), "deployment_status.created_at")
    ref = deployment.get("ref") or ""
    sha = _text(deployment.get("sha"), "deployment.sha", SHA_LENGTH)
    external_id = _text(deployment.get("id"), "deployment.id", EXTERNAL_ID_LENGTH, required=True)
    url_field = "deployment_status.log_url" if status_data.get("log_url") else "deployment_status.target_url"
    extra = deployment.get("payload") if isinstance(deployment.get("payload"), dict) else {}
    return Interpretation(
        deployment=DeploymentData(
            external_id=external_id,
            environment=status_data.get("environment") or deployment.get("environment") or "",
            status=status,
            commit=sha,
            version=str(extra.get("version") or (ref if ref != sha else ""))[:100],
            started_at=_time(deployment.get("created_at"), "deployment.created_at"),
            finished_at=at if status != DeploymentStatus.IN_PROGRESS else None,
            pipeline_url=_text(
                status_data.get("log_url") or status_data.get("target_url"), url_field, URL_LENGTH
            ),
        ),
        summary=f"deployment {external_id} {state}",
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
    run_id = _text(run.get("id"), "workflow_run.id", EXTERNAL_ID_LENGTH - 30, required=True)
    return Interpretation(
        deployment=DeploymentData(
            external_id=_text(f"run:{run_id}:{attempt}", "workflow_run.run_attempt", EXTERNAL_ID_LENGTH),
            environment="production",
            environment_tier="production",
            status=status,
            commit=_text(run.get("head_sha"), "workflow_run.head_sha", SHA_LENGTH),
            version=str(run.get("run_number") or "")[:100],
            started_at=_time(
                run.get("run_started_at") or run.get("created_at"), "workflow_run.run_started_at"
            ),
            finished_at=_time(run.get("updated_at"), "workflow_run.updated_at") if terminal else None,
            pipeline_url=_text(run.get("html_url"), "workflow_run.html_url", URL_LENGTH),
        ),
        summary=f"workflow run {run_id} {run.get('conclusion') or payload.get('action')}",
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
    number = _number(attrs.get("iid"), "object_attributes.iid")
    return Interpretation(
        pull_request=PullRequestData(
            number=number,
            title=(attrs.get("title") or "")[:300],
            created_at=_time(attrs.get("created_at"), "object_attributes.created_at", required=True),  # type: ignore[arg-type]
            merged_at=_time(attrs.get("merged_at") or attrs.get("updated_at"), "object_attributes.merged_at"),
            merge_commit_sha=_text(
                attrs.get("merge_commit_sha"), "object_attributes.merge_commit_sha", SHA_LENGTH
            ),
            url=_text(attrs.get("url"), "object_attributes.url", URL_LENGTH),
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
    at = _time(payload.get("status_changed_at"), "status_changed_at")
    terminal = status != DeploymentStatus.IN_PROGRESS
    # The hook carries the short sha and the commit URL, whose last segment is the full sha.
    commit_url = payload.get("commit_url") if isinstance(payload.get("commit_url"), str) else ""
    from_url = _sha_from_url(commit_url)
    return Interpretation(
        deployment=DeploymentData(
            external_id=_text(
                payload.get("deployment_id"), "deployment_id", EXTERNAL_ID_LENGTH, required=True
            ),
            environment=payload.get("environment") or "",
            environment_tier=payload.get("environment_tier") or "",
            status=status,
            commit=_text(from_url, "commit_url", SHA_LENGTH)
            if from_url
            else _text(payload.get("short_sha"), "short_sha", SHA_LENGTH),
            started_at=None if terminal else at,
            finished_at=at if terminal else None,
            pipeline_url=_text(payload.get("deployable_url"), "deployable_url", URL_LENGTH),
        ),
        summary=f"deployment {payload.get('deployment_id')} {state}",
    )


def _gitlab_pipeline(payload: dict, repository) -> Interpretation:
    attrs = payload.get("object_attributes") or {}
    ref = attrs.get("ref") or ""
    on_default = not attrs.get("tag") and ref == repository.default_branch
    listed = [(payload["commit"], "commit")] if payload.get("commit") else []
    listed += [(c, f"commits[{i}]") for i, c in enumerate(payload.get("commits") or [])]
    commits = [_push_commit(c, name) for c, name in listed] if on_default else []
    result = Interpretation(commits=commits)
    if on_default and _matches_workflow(repository, attrs.get("name") or ""):
        state = attrs.get("status") or ""
        status = GITLAB_STATUSES.get(state)
        if status is not None:
            terminal = status != DeploymentStatus.IN_PROGRESS
            pipeline = _text(attrs.get("id"), "object_attributes.id", EXTERNAL_ID_LENGTH - 9, required=True)
            result.deployment = DeploymentData(
                external_id=f"pipeline:{pipeline}",
                environment="production",
                environment_tier="production",
                status=status,
                commit=_text(attrs.get("sha"), "object_attributes.sha", SHA_LENGTH),
                version=str(attrs.get("iid") or "")[:100],
                started_at=_time(attrs.get("created_at"), "object_attributes.created_at"),
                finished_at=_time(attrs.get("finished_at"), "object_attributes.finished_at")
                if terminal
                else None,
                pipeline_url=_text(attrs.get("url"), "object_attributes.url", URL_LENGTH),
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
