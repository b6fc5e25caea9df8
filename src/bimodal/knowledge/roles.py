"""Knowledge permissions of each role (merged into the role groups by core.roles.full_matrix()).

Who reads which article is the object rule of `models.article_visibility`: staff (view_all_articles) read
every article, requesters the published public ones of services they see, supplier agents their supplier's
contracted services' articles plus the published public ones."""

from bimodal.core.roles import Role

_READ = ["knowledge.view_article", "knowledge.view_articleversion", "knowledge.add_articlefeedback"]
_STAFF_READ = [
    *_READ,
    "knowledge.view_all_articles",
    "knowledge.view_articlefeedback",
    "knowledge.view_ticketarticle",
    "knowledge.view_deflection",
]
_AUTHOR = ["knowledge.add_article", "knowledge.change_article"]
_REVIEW = ["knowledge.review_article", "knowledge.view_knowledge_metrics"]

PERMISSIONS = {
    Role.GOVERNANCE_LEAD: [*_STAFF_READ, *_AUTHOR, *_REVIEW],
    Role.SERVICE_OWNER: [*_STAFF_READ, *_AUTHOR, *_REVIEW],
    Role.SERVICE_DESK_AGENT: [
        *_STAFF_READ,
        *_AUTHOR,
        "knowledge.add_ticketarticle",
        "knowledge.view_knowledge_metrics",
    ],
    # Supplier agents author for the services their supplier is contracted for now (object rule).
    Role.SUPPLIER_AGENT: [
        *_READ,
        *_AUTHOR,
        "knowledge.view_articlefeedback",
        "knowledge.view_ticketarticle",
        "knowledge.add_ticketarticle",
    ],
    Role.PRODUCT_TEAM_MEMBER: [*_STAFF_READ],
    Role.CHANGE_MANAGER: [*_STAFF_READ],
    Role.CAB_MEMBER: [*_STAFF_READ],
    Role.REQUESTER: [*_READ],
    # The auditor's "*.view_*" covers view_all_articles and view_knowledge_metrics.
}
