"""Service-desk permissions of each role (merged into the role groups by core.roles.full_matrix())."""

from bimodal.core.roles import Role

_READ = [
    "servicedesk.view_ticket",
    "servicedesk.view_ticketcomment",
    "servicedesk.view_ticketattachment",
    "servicedesk.view_ticketevent",
    "servicedesk.view_fulfilmenttask",
    "servicedesk.view_satisfactionrating",
    "servicedesk.view_slainstance",
    "servicedesk.view_catalogueitem",
    "servicedesk.view_category",
    "core.view_notification",
]
_AGENT = [
    *_READ,
    "servicedesk.add_ticket",
    "servicedesk.change_ticket",
    "servicedesk.add_ticketcomment",
    "servicedesk.add_ticketattachment",
    "servicedesk.change_fulfilmenttask",
    "servicedesk.work_tickets",
    "servicedesk.view_internal_comments",
    "servicedesk.view_sladefinition",
    "servicedesk.view_supportschedule",
    "servicedesk.view_priorityrule",
    "servicedesk.view_routingrule",
]

PERMISSIONS = {
    Role.SERVICE_DESK_AGENT: [*_AGENT],
    Role.SUPPLIER_AGENT: [*_AGENT],
    Role.REQUESTER: [
        *_READ,
        "servicedesk.add_ticket",
        "servicedesk.add_ticketcomment",
        "servicedesk.add_ticketattachment",
    ],
    Role.SERVICE_OWNER: [
        *_READ,
        "servicedesk.add_ticket",
        "servicedesk.add_ticketcomment",
        "servicedesk.approve_requests",
    ],
    Role.PRODUCT_TEAM_MEMBER: [*_READ, "servicedesk.add_ticket", "servicedesk.add_ticketcomment"],
    Role.CHANGE_MANAGER: [
        *_READ,
        "servicedesk.add_ticket",
        "servicedesk.add_ticketcomment",
        "servicedesk.view_all_tickets",
    ],
    Role.GOVERNANCE_LEAD: [
        *_READ,
        "servicedesk.add_ticket",
        "servicedesk.add_ticketcomment",
        "servicedesk.*_catalogueitem",
        "servicedesk.*_sladefinition",
        "servicedesk.*_supportschedule",
        "servicedesk.*_priorityrule",
        "servicedesk.*_routingrule",
        "servicedesk.*_category",
        "servicedesk.approve_requests",
        # The desk lead puts misrouted work right: any ticket's group, assignee and service.
        "servicedesk.route_tickets",
        # They govern SLAs, suppliers and contracts: the SIAM overview and SLA reports need every ticket.
        "servicedesk.view_all_tickets",
        "servicedesk.view_internal_comments",
    ],
    Role.CAB_MEMBER: [*_READ, "servicedesk.add_ticket", "servicedesk.add_ticketcomment"],
    Role.AUDITOR: [
        "servicedesk.view_all_tickets",
        "servicedesk.view_internal_comments",
        "core.view_notification",
    ],
}
