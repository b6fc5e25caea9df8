"""The demo's stable mode has a generated release train, all still to come, with changes joined to it."""

from django.utils import timezone

from bimodal.changes.models import Change, Release
from bimodal.demo.modes import STABLE, mode_at


def test_the_stable_mode_has_a_release_train_with_changes_on_it(demo, db):
    mode1 = mode_at(STABLE)
    releases = list(Release.objects.filter(mode=mode1).order_by("planned_date"))
    assert len(releases) == 4 and {r.status for r in releases} == {"planned"}
    assert all(r.planned_date > timezone.localdate() and r.planned_date.weekday() == 5 for r in releases)
    assert all(r.cutoff_date < r.planned_date and r.cadence == "quarterly" for r in releases)
    first = releases[0]
    titled = Change.objects.get(title=f"Core banking release {first.name}")
    assert titled.release == first and titled.status == "awaiting_approval"
    assert not [a for a in titled.decision["approvals"] if a["policy"].endswith("release-train")]
    assert Change.objects.filter(release=first).count() > 1  # the coming Mode 1 changes joined it too
    assert not Release.objects.exclude(mode=mode1).exists()
