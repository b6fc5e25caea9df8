"""Every verb the audit log knows: what a service did, as `<entity>_<verb>` (in the manner of Zulip's
`AuditLogEventType`). `core.audit.record()` refuses any other, so a typo or a new write without its verb
fails at once instead of leaving an entry nobody can search for. Verbs are grouped by the app whose
services record them; status changes are `<entity>_<new status>`."""

from __future__ import annotations

from enum import StrEnum


class AuditVerb(StrEnum):
    """What a service did, as recorded in `AuditEntry.verb`."""

    # core
    API_TOKEN_CREATE = "api_token_create"
    API_TOKEN_REVOKE = "api_token_revoke"
    ORGUNIT_CREATE = "orgunit_create"
    ORGUNIT_DELETE = "orgunit_delete"
    ORGUNIT_UPDATE = "orgunit_update"
    TEAM_CREATE = "team_create"
    TEAM_UPDATE = "team_update"

    # portfolio
    ASSESSMENT_RECORD = "assessment_record"
    BUSINESSCAPABILITY_CREATE = "businesscapability_create"
    CRITERION_REMOVE = "criterion_remove"
    CRITERION_UPDATE = "criterion_update"
    DEPENDENCY_ADD = "dependency_add"
    DEPENDENCY_REMOVE = "dependency_remove"
    MODE_CREATE = "mode_create"
    MODE_DELETE = "mode_delete"
    MODE_UPDATE = "mode_update"
    PATHWAY_CREATE = "pathway_create"
    PATHWAY_SET_STATUS = "pathway_set_status"
    PATHWAY_STEP_ADD = "pathway_step_add"
    PATHWAY_STEP_UPDATE = "pathway_step_update"
    PATHWAY_UPDATE = "pathway_update"
    PROPOSAL_ACCEPTED = "proposal_accepted"
    PROPOSAL_CREATE = "proposal_create"
    PROPOSAL_OPEN = "proposal_open"
    PROPOSAL_REJECTED = "proposal_rejected"
    PROPOSAL_WITHDRAWN = "proposal_withdrawn"
    QUESTIONNAIRE_CREATE = "questionnaire_create"
    QUESTIONNAIRE_PUBLISH = "questionnaire_publish"
    QUESTIONNAIRE_RETIRE = "questionnaire_retire"
    READINESS_ADD = "readiness_add"
    READINESS_UPDATE = "readiness_update"
    REGULATORYTAG_CREATE = "regulatorytag_create"
    SERVICE_CHANGE_MODE = "service_change_mode"
    SERVICE_CREATE = "service_create"
    SERVICE_UPDATE = "service_update"

    # governance
    AGENDA_ITEM_ADD = "agenda_item_add"
    AGENDA_ITEM_RECORD = "agenda_item_record"
    DECISION_APPROVED = "decision_approved"
    DECISION_PENDING = "decision_pending"
    DECISION_REJECTED = "decision_rejected"
    DECISION_REQUEST_OPEN = "decision_request_open"
    DECISION_RIGHT_CREATE = "decision_right_create"
    DECISION_RIGHT_REMOVE = "decision_right_remove"
    DECISION_RIGHT_UPDATE = "decision_right_update"
    DECISION_TYPE_CREATE = "decision_type_create"
    DECISION_TYPE_UPDATE = "decision_type_update"
    DECISION_WITHDRAWN = "decision_withdrawn"
    FORUM_CREATE = "forum_create"
    FORUM_UPDATE = "forum_update"
    MEETING_BUILD_AGENDA = "meeting_build_agenda"
    MEETING_CANCEL = "meeting_cancel"
    MEETING_CREATE = "meeting_create"
    MEETING_RECORD_ATTENDANCE = "meeting_record_attendance"
    MEETING_RECORD_MINUTES = "meeting_record_minutes"
    POLICY_CREATE = "policy_create"
    POLICY_SUPERSEDE = "policy_supersede"
    POLICY_UPDATE = "policy_update"

    # people
    PROFICIENCY_RECORD = "proficiency_record"
    PROFICIENCY_UPDATE = "proficiency_update"
    REQUIREMENT_SET = "requirement_set"
    REQUIREMENT_UPDATE = "requirement_update"
    SKILL_CREATE = "skill_create"
    SKILL_UPDATE = "skill_update"

    # changes
    CHANGE_APPROVE_RETROSPECTIVELY = "change_approve_retrospectively"
    CHANGE_APPROVED = "change_approved"
    CHANGE_ASSESSED = "change_assessed"
    CHANGE_AWAITING_APPROVAL = "change_awaiting_approval"
    CHANGE_BACKED_OUT = "change_backed_out"
    CHANGE_CANCELLED = "change_cancelled"
    CHANGE_CLOSED = "change_closed"
    CHANGE_COMPLETED = "change_completed"
    CHANGE_CREATE = "change_create"
    CHANGE_DECIDE = "change_decide"
    CHANGE_DRAFT = "change_draft"
    CHANGE_FAILED = "change_failed"
    CHANGE_IMPLEMENTING = "change_implementing"
    CHANGE_REJECTED = "change_rejected"
    CHANGE_RESCHEDULE = "change_reschedule"
    CHANGE_REVIEWED = "change_reviewed"
    CHANGE_SCHEDULED = "change_scheduled"
    CHANGE_SUBMITTED = "change_submitted"
    CHANGE_UPDATE = "change_update"
    CHANGE_VOTE = "change_vote"
    DEPLOYMENT_OPEN = "deployment_open"
    DEPLOYMENT_RESULT = "deployment_result"
    GATE_DECIDE = "gate_decide"
    GATE_RESOLVE = "gate_resolve"
    PIPELINE_TOKEN_CREATE = "pipeline_token_create"
    PIPELINE_TOKEN_REVOKE = "pipeline_token_revoke"
    PIPELINE_USER_CREATE = "pipeline_user_create"
    RELEASE_CANCELLED = "release_cancelled"
    RELEASE_CREATE = "release_create"
    RELEASE_FROZEN = "release_frozen"
    RELEASE_PLANNED = "release_planned"
    RELEASE_RELEASED = "release_released"
    RELEASE_UPDATE = "release_update"
    TEMPLATE_APPROVE = "template_approve"
    TEMPLATE_PROPOSE = "template_propose"
    TEMPLATE_RETIRE = "template_retire"
    TEMPLATE_REVISE = "template_revise"
    TEMPLATE_SUPERSEDE = "template_supersede"
    TEMPLATE_SUSPEND = "template_suspend"
    WINDOW_CREATE = "window_create"
    WINDOW_END = "window_end"
    WINDOW_UPDATE = "window_update"

    # servicedesk
    CATALOGUE_ITEM_CREATE = "catalogue_item_create"
    CATALOGUE_ITEM_UPDATE = "catalogue_item_update"
    CATEGORY_CREATE = "category_create"
    NOTIFICATION_MARK_ALL_READ = "notification_mark_all_read"
    NOTIFICATION_MARK_READ = "notification_mark_read"
    NOTIFICATION_PREFERENCES_SET = "notification_preferences_set"
    PRIORITY_MATRIX_SET = "priority_matrix_set"
    PROBLEM_KNOWN_ERROR = "problem_known_error"
    ROUTING_RULE_CREATE = "routing_rule_create"
    ROUTING_RULE_UPDATE = "routing_rule_update"
    SCHEDULE_CREATE = "schedule_create"
    SCHEDULE_UPDATE = "schedule_update"
    SLA_DEFINITION_CREATE = "sla_definition_create"
    SLA_DEFINITION_UPDATE = "sla_definition_update"
    SLA_ESCALATE = "sla_escalate"
    TASK_COMPLETE = "task_complete"
    TICKET_ASSIGN = "ticket_assign"
    TICKET_ATTACH = "ticket_attach"
    TICKET_CLASSIFY = "ticket_classify"
    TICKET_COMMENT = "ticket_comment"
    TICKET_CREATE = "ticket_create"
    TICKET_CREATE_FROM_ALERT = "ticket_create_from_alert"
    TICKET_LINK_CHANGE = "ticket_link_change"
    TICKET_LINK_PROBLEM = "ticket_link_problem"
    TICKET_RATE = "ticket_rate"
    TICKET_SET_SERVICE = "ticket_set_service"
    TICKET_TRANSITION = "ticket_transition"
    TICKET_UNLINK_CHANGE = "ticket_unlink_change"

    # suppliers
    CANDIDATE_ADD = "candidate_add"
    CANDIDATE_REMOVE = "candidate_remove"
    CANDIDATE_UPDATE = "candidate_update"
    CERTIFICATION_ADD = "certification_add"
    CERTIFICATION_REMOVE = "certification_remove"
    CONTACT_ADD = "contact_add"
    CONTACT_REMOVE = "contact_remove"
    CONTRACT_CREATE = "contract_create"
    CONTRACT_EXPIRE = "contract_expire"
    CONTRACT_REMOVE_TARGET = "contract_remove_target"
    CONTRACT_RENEW = "contract_renew"
    CONTRACT_RENEWAL_REMINDER = "contract_renewal_reminder"
    CONTRACT_SET_TARGET = "contract_set_target"
    CONTRACT_TRANSITION = "contract_transition"
    CONTRACT_UPDATE = "contract_update"
    EVALUATION_CANCEL = "evaluation_cancel"
    EVALUATION_CREATE = "evaluation_create"
    EVALUATION_DECIDE = "evaluation_decide"
    EVALUATION_UPDATE = "evaluation_update"
    REQUIREMENT_REMOVE = "requirement_remove"
    SUPPLIER_UPDATE = "supplier_update"

    # delivery
    ACTUAL_RECORD = "actual_record"
    ALLOCATION_SET = "allocation_set"
    ALLOCATION_UPDATE = "allocation_update"
    BUDGET_SET = "budget_set"
    BUDGET_UPDATE = "budget_update"
    CAPACITY_SET = "capacity_set"
    CAPACITY_UPDATE = "capacity_update"
    CRITERION_ADD = "criterion_add"
    CRITERION_CREATE = "criterion_create"
    CRITERION_MET = "criterion_met"
    CRITERION_UNMET = "criterion_unmet"
    DEMAND_APPROVED = "demand_approved"
    DEMAND_CREATE = "demand_create"
    DEMAND_DRAFT = "demand_draft"
    DEMAND_REJECTED = "demand_rejected"
    DEMAND_SCORE = "demand_score"
    DEMAND_SUBMIT = "demand_submit"
    DEMAND_SUBMITTED = "demand_submitted"
    DEMAND_UPDATE = "demand_update"
    DEMAND_WITHDRAW = "demand_withdraw"
    DEMAND_WITHDRAWN = "demand_withdrawn"
    DEPENDENCY_CREATE = "dependency_create"
    DEPENDENCY_DELETE = "dependency_delete"
    EPIC_CREATE = "epic_create"
    EPIC_UPDATE = "epic_update"
    GATE_CREATE = "gate_create"
    GATE_PASS = "gate_pass"
    GATE_REJECT = "gate_reject"
    GATE_SUBMIT = "gate_submit"
    INITIATIVE_ACTIVE = "initiative_active"
    INITIATIVE_CANCELLED = "initiative_cancelled"
    INITIATIVE_COMPLETED = "initiative_completed"
    INITIATIVE_CREATE = "initiative_create"
    INITIATIVE_FORECAST = "initiative_forecast"
    INITIATIVE_ON_HOLD = "initiative_on_hold"
    INITIATIVE_REBASELINE = "initiative_rebaseline"
    INITIATIVE_UPDATE = "initiative_update"
    MILESTONE_CREATE = "milestone_create"
    MILESTONE_UPDATE = "milestone_update"
    PHASE_COMPLETE = "phase_complete"
    PHASE_CREATE = "phase_create"
    PHASE_START = "phase_start"
    PHASE_UPDATE = "phase_update"
    REALLOCATE_FROM = "reallocate_from"
    REALLOCATE_TO = "reallocate_to"
    RISK_CREATE = "risk_create"
    RISK_UPDATE = "risk_update"
    SCORING_MODEL_UPDATE = "scoring_model_update"
    SPRINT_CLOSE = "sprint_close"
    SPRINT_CREATE = "sprint_create"
    SPRINT_START = "sprint_start"
    STORY_CARRY_OVER = "story_carry_over"
    STORY_CREATE = "story_create"
    STORY_MOVE = "story_move"
    STORY_RANK = "story_rank"
    STORY_UPDATE = "story_update"

    # registers
    AIUSECASE_CREATE = "aiusecase_create"
    AIUSECASE_DECIDE = "aiusecase_decide"
    AIUSECASE_REVIEW = "aiusecase_review"
    AIUSECASE_TRANSITION = "aiusecase_transition"
    AIUSECASE_UPDATE = "aiusecase_update"
    CLOUDACCOUNT_CREATE = "cloudaccount_create"
    CLOUDACCOUNT_REVIEW = "cloudaccount_review"
    CLOUDACCOUNT_TRANSITION = "cloudaccount_transition"
    CLOUDACCOUNT_UPDATE = "cloudaccount_update"
    CLOUDCOST_RECORD = "cloudcost_record"
    CLOUDCOST_UPDATE = "cloudcost_update"
    LOWCODEAPP_REVIEW = "lowcodeapp_review"
    LOWCODEAPP_TRANSITION = "lowcodeapp_transition"
    LOWCODE_CREATE = "lowcode_create"
    LOWCODE_PROMOTE = "lowcode_promote"
    LOWCODE_UPDATE = "lowcode_update"
    REVIEWTASK_COMPLETE = "reviewtask_complete"
    REVIEWTASK_CREATE = "reviewtask_create"

    # integrations
    DEPLOYMENT_REPORT = "deployment_report"
    REPOSITORY_CREATE = "repository_create"
    REPOSITORY_ROTATE_SECRET = "repository_rotate_secret"
    REPOSITORY_UPDATE = "repository_update"

    # insights
    CAPABILITY_AREA_CREATE = "capability_area_create"
    MATURITY_ASSESSMENT_RECORD = "maturity_assessment_record"
    MATURITY_ASSESSMENT_UPDATE = "maturity_assessment_update"
    MATURITY_SCORE_RECORD = "maturity_score_record"
    MATURITY_SCORE_UPDATE = "maturity_score_update"
    METRIC_SETTINGS_UPDATE = "metric_settings_update"

    # knowledge
    ARTICLE_CREATE = "article_create"
    ARTICLE_DEFLECTION = "article_deflection"
    ARTICLE_DRAFT = "article_draft"
    ARTICLE_FEEDBACK = "article_feedback"
    ARTICLE_IN_REVIEW = "article_in_review"
    ARTICLE_LINK_TICKET = "article_link_ticket"
    ARTICLE_PUBLISHED = "article_published"
    ARTICLE_RETIRED = "article_retired"
    ARTICLE_SUGGEST = "article_suggest"
    ARTICLE_UPDATE = "article_update"

    # demo
    SUPPLIER_CATEGORY_CREATE = "supplier_category_create"
    SUPPLIER_CREATE = "supplier_create"
    USER_CREATE = "user_create"


# How pages name a verb: `change_create` reads "Change created", `change_in_review` "Change: in review".
# Run-together entity names are spelled out; an action word is put in the past tense; a status is shown
# after a colon. A verb whose generated label reads badly gets its own entry in VERB_LABELS.
_ENTITY_WORDS = {
    "aiusecase": "AI use case",
    "api": "API",
    "businesscapability": "business capability",
    "cloudaccount": "cloud account",
    "cloudcost": "cloud cost",
    "lowcode": "low-code app",
    "lowcodeapp": "low-code app",
    "orgunit": "org unit",
    "regulatorytag": "regulatory tag",
    "reviewtask": "review task",
    "sla": "SLA",
    "cab": "CAB",
}
_PAST = {
    "add": "added", "approve": "approved", "assign": "assigned", "attach": "attached", "cancel": "cancelled",
    "change": "changed", "classify": "classified", "close": "closed", "comment": "commented on",
    "complete": "completed", "create": "created", "decide": "decided", "delete": "deleted", "end": "ended",
    "escalate": "escalated", "expire": "expired", "forecast": "forecast", "move": "moved", "pass": "passed",
    "promote": "promoted", "propose": "proposed", "publish": "published", "rank": "ranked", "rate": "rated",
    "read": "read", "rebaseline": "rebaselined", "record": "recorded", "reject": "rejected",
    "remove": "removed", "renew": "renewed", "report": "reported", "reschedule": "rescheduled",
    "resolve": "resolved", "retire": "retired", "review": "reviewed", "revise": "revised",
    "revoke": "revoked", "score": "scored", "set": "set", "start": "started", "submit": "submitted",
    "suggest": "suggested", "supersede": "superseded", "suspend": "suspended", "transition": "moved on",
    "update": "updated", "vote": "voted on", "withdraw": "withdrawn", "rotate": "rotated", "link": "linked",
    "open": "opened",
}  # fmt: skip
VERB_LABELS: dict[str, str] = {
    AuditVerb.ARTICLE_DEFLECTION: "Article deflected a ticket",
    AuditVerb.ARTICLE_FEEDBACK: "Article feedback given",
    AuditVerb.ARTICLE_IN_REVIEW: "Article: in review",
    AuditVerb.ARTICLE_LINK_TICKET: "Article linked to a ticket",
    AuditVerb.CONTRACT_REMOVE_TARGET: "Contract target removed",
    AuditVerb.CONTRACT_RENEWAL_REMINDER: "Contract renewal reminder sent",
    AuditVerb.CONTRACT_SET_TARGET: "Contract target set",
    AuditVerb.DEPLOYMENT_RESULT: "Deployment result recorded",
    AuditVerb.INITIATIVE_FORECAST: "Initiative forecast updated",
    AuditVerb.MATURITY_SCORE_RECORD: "Maturity score recorded",
    AuditVerb.MATURITY_SCORE_UPDATE: "Maturity score updated",
    AuditVerb.MEETING_BUILD_AGENDA: "Meeting agenda built",
    AuditVerb.MEETING_RECORD_ATTENDANCE: "Meeting attendance recorded",
    AuditVerb.MEETING_RECORD_MINUTES: "Meeting minutes recorded",
    AuditVerb.NOTIFICATION_MARK_ALL_READ: "All notifications marked read",
    AuditVerb.NOTIFICATION_MARK_READ: "Notification marked read",
    AuditVerb.PATHWAY_SET_STATUS: "Pathway status set",
    AuditVerb.READINESS_ADD: "Readiness criterion added",
    AuditVerb.READINESS_UPDATE: "Readiness criterion updated",
    AuditVerb.REALLOCATE_FROM: "Budget reallocated from",
    AuditVerb.REALLOCATE_TO: "Budget reallocated to",
    AuditVerb.REPOSITORY_ROTATE_SECRET: "Repository secret rotated",
    AuditVerb.SERVICE_CHANGE_MODE: "Service mode changed",
    AuditVerb.STORY_CARRY_OVER: "Story carried over",
    AuditVerb.TICKET_ATTACH: "Attachment added to ticket",
    AuditVerb.TICKET_LINK_CHANGE: "Ticket linked to a change",
    AuditVerb.TICKET_LINK_PROBLEM: "Ticket linked to a problem",
    AuditVerb.TICKET_SET_SERVICE: "Ticket service set",
    AuditVerb.TICKET_UNLINK_CHANGE: "Ticket unlinked from a change",
}


def verb_label(verb: str) -> str:
    """The words pages show for an audit verb (`change_create` → "Change created"); "" for no verb."""
    if not verb:
        return ""
    if verb in VERB_LABELS:
        return VERB_LABELS[verb]
    words = [_ENTITY_WORDS.get(w, w) for w in verb.split("_")]
    for i, word in enumerate(words[1:], start=1):
        if word in _PAST:
            rest = " ".join(words[i + 1 :])
            text = " ".join([*words[:i], _PAST[word]] + ([rest] if rest else []))
            break
    else:
        text = f"{words[0]}: {' '.join(words[1:])}" if len(words) > 1 else words[0]
    return text[:1].upper() + text[1:]
