"""The release fields are named once: services, form and write serializer agree."""

from bimodal.changes import services
from bimodal.changes.api.serializers import ReleaseWriteSerializer
from bimodal.changes.forms import ReleaseForm
from bimodal.core.tests.fieldspec import spec_mismatches


def test_release_fields_are_named_once():
    assert not spec_mismatches(
        services.RELEASE_FIELDS,
        services={services.release_create: (), services.release_update: ("release",)},
        serializer=ReleaseWriteSerializer,
        form=ReleaseForm,
    )
