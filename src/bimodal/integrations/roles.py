"""Permissions of the integrations app, added to the core role matrix."""

from bimodal.core.roles import Role  # noqa: F401

PERMISSIONS: dict = {}
