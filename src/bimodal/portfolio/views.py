"""Pages of the portfolio app."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from bimodal.core.permissions import get_restricted_object
from bimodal.portfolio import selectors
from bimodal.portfolio.models import Mode, Service


@login_required
def service_list(request):
    """The service catalogue."""
    services = selectors.service_list(user=request.user)
    return render(request, "portfolio/service_list.html", {"active_area": "portfolio", "services": services})


@login_required
def service_detail(request, slug: str):
    """One service."""
    service = get_restricted_object(Service.objects.with_related(), request.user, slug=slug)
    return render(request, "portfolio/service_detail.html", {"active_area": "portfolio", "service": service})


@login_required
def mode_list(request):
    """The modes."""
    return render(
        request,
        "portfolio/mode_list.html",
        {"active_area": "modes", "modes": selectors.mode_list(user=request.user)},
    )


@login_required
def mode_detail(request, key: str):
    """One mode and its governance profile."""
    mode = get_restricted_object(Mode.objects.all(), request.user, key=key)
    return render(request, "portfolio/mode_detail.html", {"active_area": "modes", "mode": mode})
