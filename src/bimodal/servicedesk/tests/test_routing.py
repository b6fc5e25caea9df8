"""Routing and the desk's sight of its tickets: every ticket has a group from the moment it exists (rules,
catalogue item, service team), agents see the unassigned tickets of their services, a desk keeps seeing
what it handed to a supplier, redirects land on a page the user can see, assignees follow the group."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError

from bimodal.core.models import AuditEntry
from bimodal.portfolio.tests.factories import ServiceFactory, mode
from bimodal.servicedesk import services
from bimodal.servicedesk.models import Category, RoutingRule, Ticket
from bimodal.servicedesk.tests.factories import CatalogueItemFactory, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(make_user):
    data = world(make_user)
    data["admin"] = make_user("administrator", username="boss")
    data["gov"] = make_user("governance_lead", username="gloria")
    data["triage"] = RoutingRule.objects.create(name="Triage", order=1000, group=data["desk"])
    data["make_user"] = make_user
    return data


def _incident(w, actor=None, **fields):
    values = {"ticket_type": "incident", "title": "Printer on fire", "service": w["service"]}
    return services.ticket_create(actor=actor or w["requester"], **{**values, **fields})


# --- routing at creation --------------------------------------------------------------------------------


def test_a_requesters_incident_lands_in_the_triage_group_and_the_desk_sees_it(w, client_for):
    ticket = _incident(w)
    assert (ticket.assignment_group, ticket.routing_rule, ticket.routed_by_hand) == (
        w["desk"],
        w["triage"],
        False,
    )
    assert ticket.events.filter(kind="routed", text="Routed to Desk by rule “Triage”").exists()
    assert ticket.handoffs.get().to_team == w["desk"]
    agent = client_for(w["agent"])
    assert agent.get(ticket.get_absolute_url()).status_code == 200
    triage = agent.get("/servicedesk/", {"view": "triage", "open": "false"})
    assert [t.number for t, _ in triage.context["rows"]] == [ticket.number]
    # Not a member of the triage group, not of the service's team: not theirs.
    assert client_for(w["other_agent"]).get(ticket.get_absolute_url()).status_code == 404


def test_without_rules_a_ticket_goes_to_its_services_support_team(w):
    RoutingRule.objects.all().delete()
    ticket = _incident(w)
    assert ticket.assignment_group == w["service"].owner_team and ticket.routing_rule is None


def test_the_most_specific_rule_wins_then_the_lower_order(w):
    payroll = Category.objects.create(name="Payroll", slug="payroll")
    by_service = RoutingRule.objects.create(name="Service", order=50, service=w["service"], group=w["other"])
    RoutingRule.objects.create(name="Inactive", order=1, service=w["service"], group=w["queue"], active=False)
    both = RoutingRule.objects.create(
        name="Service and payroll", order=90, service=w["service"], category=payroll, group=w["queue"]
    )
    elsewhere = ServiceFactory(mode=mode("mode-1"), lifecycle="live")
    assert _incident(w).routing_rule == by_service
    assert _incident(w, category=payroll).routing_rule == both
    assert _incident(w, service=elsewhere).routing_rule == w["triage"]
    # A rule without a group sends the ticket to the service's support team.
    RoutingRule.objects.filter(pk=by_service.pk).update(group=None, order=1)
    ticket = _incident(w)
    assert (ticket.routing_rule, ticket.assignment_group) == (by_service, w["service"].owner_team)


def test_a_catalogue_request_goes_to_its_items_group_unless_a_rule_names_the_item(w):
    item = CatalogueItemFactory(service=w["service"], fulfilment_group=w["other"], form_schema=[])
    RoutingRule.objects.create(name="Service", order=1, service=w["service"], group=w["desk"])
    ticket = services.request_submit(actor=w["requester"], item=item, data={})
    assert (ticket.assignment_group, ticket.routing_rule) == (w["other"], None)
    rule = RoutingRule.objects.create(name="Item", order=500, catalogue_item=item, group=w["queue"])
    ticket = services.request_submit(actor=w["requester"], item=item, data={})
    assert (ticket.assignment_group, ticket.routing_rule) == (w["queue"], rule)


def test_a_group_chosen_by_an_agent_is_kept_and_marked_as_by_hand(w):
    ticket = _incident(w, actor=w["agent"], assignment_group=w["other"])
    assert (ticket.assignment_group, ticket.routing_rule, ticket.routed_by_hand) == (w["other"], None, True)


def test_an_assignee_outside_the_group_is_refused_at_creation(w):
    with pytest.raises(ValidationError) as exc:
        _incident(w, actor=w["agent"], assignee=w["other_agent"])
    assert "assignee" in exc.value.message_dict
    assert not Ticket.objects.exists()


def test_api_creation_is_routed(w, client_for):
    r = client_for(w["requester"]).post(
        "/api/servicedesk/tickets/",
        {"ticket_type": "incident", "title": "API", "service": w["service"].slug},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert r.json()["assignment_group"]["slug"] == "desk"
    assert r.json()["routing_rule"] == w["triage"].pk and r.json()["routed_by_hand"] is False


def test_the_portal_incident_form_is_routed(w, client_for):
    r = client_for(w["requester"]).post(
        "/servicedesk/new/",
        {
            "ticket_type": "incident",
            "title": "From the form",
            "service": w["service"].pk,
            "impact": 3,
            "urgency": 3,
        },
    )
    assert r.status_code == 302, r.content
    assert Ticket.objects.get(title="From the form").assignment_group == w["desk"]


# --- re-routing when the service changes ----------------------------------------------------------------


def test_a_change_of_service_re_routes_unless_a_person_chose_the_group(w, client_for):
    atm = ServiceFactory(mode=mode("mode-1"), lifecycle="live")
    rule = RoutingRule.objects.create(name="ATMs", order=1, service=atm, group=w["other"])
    ticket = _incident(w)
    ticket = services.ticket_set_service(actor=w["agent"], ticket=ticket, service=atm, reason="wrong service")
    assert (ticket.service, ticket.assignment_group, ticket.routing_rule) == (atm, w["other"], rule)
    assert ticket.handoffs.order_by("at", "id").last().from_team == w["desk"]
    assert AuditEntry.objects.filter(verb="ticket_set_service").count() == 1
    # Once a person routed it, a change of service leaves the group alone.
    manual = _incident(w)
    manual = services.ticket_assign(actor=w["agent"], ticket=manual, group=w["desk"], assignee=w["agent"])
    assert manual.routed_by_hand is False  # the same group: still the rule's routing
    manual = services.ticket_assign(actor=w["agent"], ticket=manual, group=w["other"])
    assert manual.routed_by_hand is True and manual.routing_rule is None
    moved = services.ticket_set_service(actor=w["other_agent"], ticket=manual, service=w["service"])
    assert moved.assignment_group == w["other"]
    # The page: an agent moves a routed ticket, lands on the queue when it leaves their sight.
    routed = _incident(w)
    r = client_for(w["agent"]).post(f"/servicedesk/tickets/{routed.number}/service/", {"service": atm.pk})
    assert r.status_code == 302 and r.url == "/servicedesk/"
    assert Ticket.objects.get(pk=routed.pk).assignment_group == w["other"]
    # The API, with a bad service: a 400 naming the field.
    r = client_for(w["other_agent"]).post(
        f"/api/servicedesk/tickets/{routed.number}/set-service/",
        {"service": "nope"},
        content_type="application/json",
    )
    assert r.status_code == 400 and "service" in r.json()


def test_requesters_cannot_move_tickets_between_services(w):
    ticket = _incident(w)
    with pytest.raises(PermissionDenied):
        services.ticket_set_service(actor=w["requester"], ticket=ticket, service=ServiceFactory())


# --- what agents see --------------------------------------------------------------------------------------


def test_agents_see_the_unassigned_tickets_of_the_services_their_team_supports(w, make_user):
    supporter = make_user("service_desk_agent", teams=[w["service"].owner_team], username="supporter")
    ticket = _incident(w)
    assert Ticket.objects.restrict(supporter, "view").filter(pk=ticket.pk).exists()
    assert Ticket.objects.restrict(supporter, "change").filter(pk=ticket.pk).exists()
    services.ticket_assign(actor=w["agent"], ticket=ticket, group=w["desk"], assignee=w["agent"])
    assert not Ticket.objects.restrict(supporter, "view").filter(pk=ticket.pk).exists()


def test_handing_a_ticket_to_a_supplier_keeps_it_in_the_desks_sight_read_only(w, client_for):
    ticket = _incident(w)
    agent = client_for(w["agent"])
    r = agent.post(f"/servicedesk/tickets/{ticket.number}/assign/", {"group": w["queue"].pk})
    assert r.status_code == 302 and r.url == ticket.get_absolute_url()
    page = agent.get(r.url)
    assert page.status_code == 200 and 'data-testid="handed-over"' in page.content.decode()
    assert page.context["assign_form"] is None  # read only: the supplier works it now
    suppliers = agent.get("/servicedesk/", {"view": "suppliers"})
    assert [t.number for t, _ in suppliers.context["rows"]] == [ticket.number]
    assert agent.get("/servicedesk/", {"view": "triage"}).context["rows"] == []
    assert agent.get(f"/suppliers/siam/tickets/{ticket.number}/").status_code == 200
    # Seeing is not working: the desk may not take it back (the supplier passes it back).
    assert (
        agent.post(f"/servicedesk/tickets/{ticket.number}/assign/", {"group": w["desk"].pk}).status_code
        == 403
    )
    # Another desk, which never held it, does not see it.
    assert client_for(w["other_agent"]).get(ticket.get_absolute_url()).status_code == 404
    # The supplier's agent works it.
    assert client_for(w["supplier_agent"]).get(ticket.get_absolute_url()).context["assign_form"] is not None


def test_a_ticket_passed_out_of_sight_redirects_to_the_queue_with_a_message(w, client_for):
    ticket = _incident(w)
    agent = client_for(w["agent"])
    r = agent.post(f"/servicedesk/tickets/{ticket.number}/assign/", {"group": w["other"].pk})
    assert r.status_code == 302 and r.url == "/servicedesk/"
    texts = [str(m) for m in get_messages(r.wsgi_request)]
    assert f"{ticket.number} is now with Other: it has left the tickets you can see." in texts


# --- who routes -------------------------------------------------------------------------------------------


def test_a_desk_lead_routes_any_ticket_they_see_without_working_it(w, client_for):
    """The governance lead (route_tickets) puts a misrouted ticket right in the UI and the API; seeing every
    ticket is not enough for the change manager or the auditor (403 in both, no form on the page)."""
    ticket = _incident(w)
    gloria = client_for(w["gov"])
    page = gloria.get(ticket.get_absolute_url())
    assert page.context["assign_form"] is not None and page.context["service_form"] is not None
    assert page.context["agent"] is False  # routing is not working: no status moves, no internal work
    r = gloria.post(f"/servicedesk/tickets/{ticket.number}/assign/", {"group": w["other"].pk})
    assert r.status_code == 302 and r.url == ticket.get_absolute_url()  # a lead still sees it
    ticket.refresh_from_db()
    assert (ticket.assignment_group, ticket.routed_by_hand) == (w["other"], True)
    assert AuditEntry.objects.filter(verb="ticket_assign", actor=w["gov"], object_id=str(ticket.pk)).exists()
    other = ServiceFactory(mode=mode("mode-2"), lifecycle="live")
    r = gloria.post(
        f"/api/servicedesk/tickets/{ticket.number}/set-service/",
        {"service": other.slug},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["service"] == other.slug

    chris = w["make_user"]("change_manager", username="chris")
    for user in (chris, w["auditor"]):
        client = client_for(user)
        assert client.get(ticket.get_absolute_url()).context["assign_form"] is None
        assert (
            client.post(f"/servicedesk/tickets/{ticket.number}/assign/", {"group": w["desk"].pk}).status_code
            == 403
        )
        r = client.post(
            f"/api/servicedesk/tickets/{ticket.number}/assign/",
            {"group": "desk"},
            content_type="application/json",
        )
        assert r.status_code == 403, (user.username, r.status_code)
    ticket.refresh_from_db()
    assert ticket.assignment_group == w["other"]


# --- assignees follow the group ---------------------------------------------------------------------------


def test_assignee_choices_follow_the_chosen_group(w, client_for):
    ticket = _incident(w)
    agent = client_for(w["agent"])
    page = agent.get(ticket.get_absolute_url())
    choices = list(page.context["assign_form"].fields["assignee"].queryset)
    assert choices == [w["agent"]]
    assert f'hx-get="/servicedesk/tickets/{ticket.number}/assignees/"' in page.content.decode()
    options = agent.get(
        f"/servicedesk/tickets/{ticket.number}/assignees/", {"group": w["other"].pk}, HTTP_HX_REQUEST="true"
    )
    html = options.content.decode()
    assert options.status_code == 200
    assert f'value="{w["other_agent"].pk}"' in html and f'value="{w["agent"].pk}"' not in html
    assert (
        client_for(w["requester"]).get(f"/servicedesk/tickets/{ticket.number}/assignees/").status_code == 403
    )


def test_an_assignee_outside_the_group_is_a_400_naming_the_field(w, client_for):
    ticket = _incident(w)
    agent = client_for(w["agent"])
    r = agent.post(
        f"/servicedesk/tickets/{ticket.number}/assign/",
        {"group": w["desk"].pk, "assignee": w["other_agent"].pk},
    )
    assert r.status_code == 400
    assert any(str(m).startswith("assignee: Choose a member of Desk") for m in get_messages(r.wsgi_request))
    r = agent.post(
        f"/api/servicedesk/tickets/{ticket.number}/assign/",
        {"group": "desk", "assignee": "otheragent"},
        content_type="application/json",
    )
    assert r.status_code == 400 and "assignee" in r.json()
    assert Ticket.objects.get(pk=ticket.pk).assignee is None


# --- administration of the rules --------------------------------------------------------------------------

RULE = {"name": "Payroll", "order": 10, "ticket_type": "", "active": "on"}


def test_governance_leads_edit_rules_on_the_admin_pages(w, client_for):
    client = client_for(w["gov"])
    assert client.get("/servicedesk/admin/").status_code == 200
    assert client.get("/servicedesk/admin/routing/new/").status_code == 200
    r = client.post(
        "/servicedesk/admin/routing/new/", {**RULE, "service": w["service"].pk, "group": w["other"].pk}
    )
    rule = RoutingRule.objects.get(name="Payroll")
    assert r.status_code == 302 and r.url == f"/servicedesk/admin/routing/{rule.pk}/"
    assert (rule.service, rule.group) == (w["service"], w["other"])
    r = client.post(f"/servicedesk/admin/routing/{rule.pk}/", {**RULE, "order": 5, "group": w["desk"].pk})
    rule.refresh_from_db()
    assert r.status_code == 302 and (rule.order, rule.service, rule.group) == (5, None, w["desk"])
    assert AuditEntry.objects.filter(verb__in=["routing_rule_create", "routing_rule_update"]).count() == 2


def test_a_default_rule_without_a_group_is_a_400_naming_the_group(w, client_for):
    r = client_for(w["gov"]).post("/servicedesk/admin/routing/new/", RULE)
    assert r.status_code == 400 and "group" in r.context["form"].errors
    r = client_for(w["gov"]).post(
        "/api/servicedesk/routing-rules/", {"name": "x"}, content_type="application/json"
    )
    assert r.status_code == 400 and "group" in r.json()
    assert not RoutingRule.objects.filter(name__in=["Payroll", "x"]).exists()


def test_agents_and_requesters_may_not_edit_rules(w, client_for):
    for user, page_status in (("agent", 403), ("requester", 403)):
        client = client_for(w[user])
        assert client.get("/servicedesk/admin/routing/new/").status_code == page_status
        assert client.get(f"/servicedesk/admin/routing/{w['triage'].pk}/").status_code in (403, 404)
        r = client.post(
            "/api/servicedesk/routing-rules/", {"name": "x", "group": "desk"}, content_type="application/json"
        )
        assert r.status_code == 403
        r = client.patch(
            f"/api/servicedesk/routing-rules/{w['triage'].pk}/", {"order": 1}, content_type="application/json"
        )
        assert r.status_code in (403, 404)
    assert client_for(w["agent"]).get("/api/servicedesk/routing-rules/").json()["count"] == 1
    with pytest.raises(PermissionDenied):
        services.routing_rule_create(actor=w["agent"], name="x", group=w["desk"])
    assert RoutingRule.objects.get(pk=w["triage"].pk).order == 1000


def test_the_api_creates_and_changes_rules_for_governance(w, client_for):
    client = client_for(w["gov"])
    r = client.post(
        "/api/servicedesk/routing-rules/",
        {"name": "Service", "order": 5, "service": w["service"].slug, "group": "other"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    r = client.patch(
        f"/api/servicedesk/routing-rules/{pk}/", {"active": False}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["active"] is False
