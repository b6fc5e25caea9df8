"""The registers' overview (reviews due, shadow AI, cloud sprawl) and the review dashboard."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from bimodal.registers import selectors
from bimodal.registers.views.base import AREA


@login_required
def dashboard(request):
    """Governance overview of the registers: reviews due and overdue, shadow AI, cloud sprawl."""
    user = request.user
    context = {
        **AREA,
        "reviews": selectors.review_dashboard(user=user),
        "shadow": list(selectors.shadow_ai(user=user)[:10]),
        "sprawl": selectors.sprawl_summary(user=user),
        "counts": {
            "low_code": selectors.lowcode_list(user=user).count(),
            "ai": selectors.ai_list(user=user).count(),
            "cloud": selectors.cloud_list(user=user).count(),
        },
    }
    return render(request, "registers/dashboard.html", context)


@login_required
def reviews(request):
    """The governance dashboard of due and overdue reviews."""
    return render(
        request, "registers/reviews.html", {**AREA, "reviews": selectors.review_dashboard(user=request.user)}
    )
