"""Who may raise a change on which of the demo's services, for every demo user (docs/roles.md), through
the real service function; each test's writes are rolled back."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bimodal.changes import services
from bimodal.core.models import Team, User
from bimodal.portfolio import services as portfolio_services
from bimodal.portfolio.models import Service

# username -> (may raise on core-banking, may raise on mobile-banking-app)
EXPECTED = {
    "admin": (True, True),
    "gloria": (False, False),
    "chris": (True, True),
    "carla": (False, False),
    "owen": (True, False),
    "pat": (False, True),
    "sam": (False, False),
    "sunil": (False, False),
    "rita": (False, False),
    "audrey": (False, False),
}


@pytest.mark.parametrize("username", sorted(EXPECTED))
def test_each_demo_user_raises_only_where_their_role_allows(demo, db, username):
    user = User.objects.get(username=username)
    for slug, allowed in zip(("core-banking", "mobile-banking-app"), EXPECTED[username], strict=True):
        service = Service.objects.get(slug=slug)
        if allowed:
            assert services.change_create(actor=user, title="try", services=[service]).requester == user
        else:
            with pytest.raises((PermissionDenied, ValidationError)):
                services.change_create(actor=user, title="try", services=[service])


def test_owen_cannot_move_core_banking_away_but_gloria_can(demo, db):
    core = Service.objects.get(slug="core-banking")
    squad = Team.objects.get(slug="mobile-banking-squad")
    with pytest.raises(ValidationError) as exc:
        portfolio_services.service_update(
            actor=User.objects.get(username="owen"), service=core, owner_team=squad
        )
    assert "owner_team" in exc.value.message_dict
    moved = portfolio_services.service_update(
        actor=User.objects.get(username="gloria"), service=core, owner_team=squad, reason="merger"
    )
    assert moved.owner_team == squad
