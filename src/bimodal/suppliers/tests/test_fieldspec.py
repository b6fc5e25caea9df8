"""One field specification per model: the services' keyword arguments, the forms and the API's write
serializers name the fields of suppliers, contacts, certifications, contracts, evaluations and candidates
once (the tuples in `services`), so a field added to one of them and not the others fails here."""

from __future__ import annotations

from collections.abc import Iterable

from bimodal.core.tests.fieldspec import NOT_FIELDS, spec_mismatches
from bimodal.suppliers import forms, services
from bimodal.suppliers.api import serializers


def serializer_drift(
    spec: Iterable[str], serializer: type, *, omits: Iterable[str] = (), extra: Iterable[str] = ()
) -> list[str]:
    """The names where a plain write serializer's declared fields differ from the specification (with the
    fields the API does not take, `omits`, and the ones it takes besides, `extra`)."""
    declared = set(serializer._declared_fields) - NOT_FIELDS  # type: ignore[attr-defined]
    wanted = (set(spec) - set(omits)) | set(extra)
    return sorted(declared ^ wanted)


def test_supplier_fields_are_named_once():
    assert not spec_mismatches(
        services.SUPPLIER_FIELDS,
        services={services.supplier_create: ("slug",), services.supplier_update: ("supplier",)},
        form=forms.SupplierForm,
    )
    # the API sets neither categories, skills nor the relationship owner
    assert not serializer_drift(
        services.SUPPLIER_FIELDS,
        serializers.SupplierWriteSerializer,
        omits=("categories", "skills", "relationship_owner"),
    )


def test_contact_and_certification_fields_are_named_once():
    assert not spec_mismatches(
        services.CONTACT_FIELDS,
        services={services.contact_add: ("supplier",)},
        serializer=serializers.ContactWriteSerializer,
        form=forms.ContactForm,
    )
    assert not spec_mismatches(
        services.CERTIFICATION_FIELDS,
        services={services.certification_add: ("supplier",)},
        serializer=serializers.CertificationWriteSerializer,
        form=forms.CertificationForm,
    )


def test_contract_fields_are_named_once():
    assert not spec_mismatches(
        services.CONTRACT_FIELDS,
        services={services.contract_create: ("supplier",), services.contract_update: ("contract",)},
        form=forms.ContractForm,
    )
    # the API names the supplier in the body (the page takes it from the URL) and sets no owner or items
    assert not serializer_drift(
        services.CONTRACT_FIELDS,
        serializers.ContractWriteSerializer,
        omits=("owner", "catalogue_items"),
        extra=("supplier",),
    )


def test_evaluation_and_candidate_fields_are_named_once():
    assert not spec_mismatches(
        services.EVALUATION_FIELDS,
        services={services.evaluation_create: ("slug",), services.evaluation_update: ("evaluation",)},
        form=forms.EvaluationForm,
        form_omits=("weights",),  # one field per criterion, added when the form is built
    )
    assert not serializer_drift(services.EVALUATION_FIELDS, serializers.EvaluationWriteSerializer)
    assert not spec_mismatches(
        (*services.CANDIDATE_FIELDS, "supplier"),
        services={services.candidate_add: ("evaluation",)},
        form=forms.CandidateForm,
    )
    assert not serializer_drift(
        services.CANDIDATE_FIELDS, serializers.CandidateWriteSerializer, extra=("supplier",)
    )
    assert not spec_mismatches(
        services.CANDIDATE_FIELDS,
        services={services.candidate_update: ("candidate",)},
        form=forms.CandidateEditForm,
    )
    assert not serializer_drift(services.CANDIDATE_FIELDS, serializers.CandidateUpdateSerializer)


def test_a_serializer_that_drifts_is_reported():
    assert serializer_drift((*services.SUPPLIER_FIELDS, "mobile"), serializers.SupplierWriteSerializer) == [
        "categories",
        "mobile",
        "relationship_owner",
        "skills",
    ]
