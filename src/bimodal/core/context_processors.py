"""Template context shared by every page."""

from bimodal.core.navigation import areas_for


def navigation(request) -> dict:
    """The navigation areas, marking the active one."""
    return {"nav_areas": areas_for(request)}
