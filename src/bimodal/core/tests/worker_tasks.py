"""A task for the worker tests: writes a marker in a transaction; its first run waits inside it (to be killed)."""

from __future__ import annotations

import time
from pathlib import Path

from django.db import transaction
from django_tasks import task

from bimodal.core.models import OrgUnit


@task()
def mark_once(name: str, flag: str) -> None:
    """Create the org unit `name`; on the first run, announce itself in `flag` and hang before commit."""
    with transaction.atomic():
        OrgUnit.objects.create(name=name, slug=name)
        first = not Path(flag).exists()
        Path(flag).write_text("started")
        if first:
            time.sleep(120)  # killed here: the org unit is never committed
