"""Permissions of the delivery app, added to the core role matrix.

Governance leads run the portfolio (demand, scoring weights, budgets, capacity, any initiative); service
owners run the initiatives they own or whose services they own; product team members work their team's
agile backlog, sprints and board; everyone internal may raise demand, requesters see only their own;
auditors read everything (the core matrix gives them every view permission)."""

from bimodal.core.roles import Role

_READ = [
    "delivery.view_demand",
    "delivery.view_all_demand",
    "delivery.view_scoringmodel",
    "delivery.view_initiative",
    "delivery.view_phase",
    "delivery.view_stagegate",
    "delivery.view_gatecriterion",
    "delivery.view_milestone",
    "delivery.view_epic",
    "delivery.view_sprint",
    "delivery.view_story",
    "delivery.view_storytransition",
    "delivery.view_initiativerisk",
    "delivery.view_initiativedependency",
    "delivery.view_budget",
    "delivery.view_actual",
    "delivery.view_teamcapacity",
    "delivery.view_capacityallocation",
]
# Submitting a demand opens a decision request for the portfolio board in the governance app.
_RAISE_DEMAND = [
    "delivery.view_demand",
    "delivery.add_demand",
    "delivery.change_demand",
    "governance.add_decisionrequest",
]
_AGILE_WORK = [
    "delivery.add_epic",
    "delivery.change_epic",
    "delivery.add_story",
    "delivery.change_story",
    "delivery.add_sprint",
    "delivery.change_sprint",
    "delivery.add_initiativerisk",
    "delivery.change_initiativerisk",
]
_RUN_INITIATIVES = [
    *_AGILE_WORK,
    "delivery.add_initiative",
    "delivery.change_initiative",
    "delivery.change_phase",
    "delivery.change_stagegate",
    "delivery.add_gatecriterion",
    "delivery.change_gatecriterion",
    "delivery.add_milestone",
    "delivery.change_milestone",
    "delivery.add_initiativedependency",
    "delivery.change_initiativedependency",
    "delivery.delete_initiativedependency",
]

PERMISSIONS = {
    Role.GOVERNANCE_LEAD: ["delivery.*"],
    Role.SERVICE_OWNER: [*_READ, *_RAISE_DEMAND, *_RUN_INITIATIVES],
    Role.PRODUCT_TEAM_MEMBER: [*_READ, *_RAISE_DEMAND, *_AGILE_WORK],
    Role.CHANGE_MANAGER: [*_READ, *_RAISE_DEMAND],
    Role.CAB_MEMBER: [*_READ, *_RAISE_DEMAND],
    Role.SERVICE_DESK_AGENT: [*_RAISE_DEMAND],
    Role.REQUESTER: [*_RAISE_DEMAND, "delivery.view_scoringmodel"],
}
