"""Bulk classification: the numpy fast path agrees with the per-row engine; `assess --save` records."""

from __future__ import annotations

import copy
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bimodal.core import audit as core_audit
from bimodal.core.models import AuditEntry
from bimodal.core.tests.factories import TeamFactory
from bimodal.portfolio import assessment as engine
from bimodal.portfolio.models import Assessment, Service
from bimodal.portfolio.tests.factories import ServiceFactory, mode

SPECS = engine.default_specs()
KEYS = [c.key for c in SPECS]
VALUES = ["none", "low", "medium", "high", "very_high"]
NAMES = {"mode-1": "Mode 1", "mode-2": "Mode 2", "mode-3": "Mode 3"}

answer_sets = st.dictionaries(
    st.sampled_from([*KEYS, "not_a_criterion"]), st.sampled_from([*VALUES, "bogus"]), max_size=len(KEYS) + 1
)


def _criteria(draw_weights, draw_modes):
    """The default criteria with other weights and mode multipliers (ties and zeros included)."""
    return [
        engine.CriterionSpec(
            c.key,
            c.label,
            c.dimension,
            w,
            dict(zip(("mode-1", "mode-2", "mode-3"), mw, strict=True)),
            c.options,
        )
        for c, w, mw in zip(SPECS, draw_weights, draw_modes, strict=True)
    ]


weights = st.lists(
    st.sampled_from([0, 0.1, 0.5, 1, 1.3, 2, 3, 7.25, 10]), min_size=len(SPECS), max_size=len(SPECS)
)
multipliers = st.lists(
    st.tuples(*[st.sampled_from([-1, -0.5, 0, 0.3, 1])] * 3), min_size=len(SPECS), max_size=len(SPECS)
)


def _assert_same(scorer: engine.Scorer, rows: list[dict]) -> None:
    fast = scorer.score_many(rows)
    for row, got in zip(rows, fast, strict=True):
        want = scorer.score(row)
        assert got.recommended == want.recommended
        assert got.scores == want.scores and list(got.scores) == list(want.scores)
        assert got.confidence == want.confidence and got.coverage == want.coverage
        assert got.indices == want.indices
        assert got.drivers == want.drivers
        assert got.rationale(NAMES) == want.rationale(NAMES)


@settings(max_examples=60, deadline=None)
@given(st.lists(answer_sets, min_size=engine.BULK_MIN_ROWS, max_size=150))
def test_fast_path_agrees_with_the_per_row_engine(rows):
    _assert_same(engine.Scorer(SPECS, ["mode-1", "mode-2"]), rows)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(weights, multipliers, st.lists(answer_sets, min_size=engine.BULK_MIN_ROWS, max_size=100))
def test_fast_path_agrees_for_other_questionnaires_and_three_modes(ws, mws, rows):
    _assert_same(engine.Scorer(_criteria(ws, mws), ["mode-1", "mode-2", "mode-3"]), rows)


def test_answer_order_does_not_change_the_result():
    scorer = engine.Scorer(SPECS, ["mode-1", "mode-2"])
    answers = {k: VALUES[i % 5] for i, k in enumerate(KEYS)}
    backwards = dict(reversed(list(answers.items())))
    assert scorer.score(answers) == scorer.score(backwards)


def test_rounding_matches_python_next_to_ties():
    import numpy as np

    values = np.array([0.05, 0.15, 0.25, 2.675, 1.005, 60.65, -0.05, 100.0, 12.345])
    assert engine._round_like_python(values, 1).tolist() == [round(v, 1) for v in values.tolist()]
    assert engine._round_like_python(values, 2).tolist() == [round(v, 2) for v in values.tolist()]


# --- bimodal assess --save --------------------------------------------------------------------------

CSV = (
    "service,change_requests,business_volatility,criticality,hosting\n"
    "loans,very_high,high,,\n"
    "cards,,,0,mainframe\n"
    "unknown-service,high,,,\n"
)


@pytest.fixture
def team():
    return TeamFactory(slug="lending")


@pytest.fixture
def owned(team):
    return [
        ServiceFactory(slug="loans", owner_team=team, mode=mode("mode-1")),
        ServiceFactory(slug="cards", owner_team=team, mode=mode("mode-2")),
    ]


def _run(tmp_path, text: str, *args) -> tuple[str, str]:
    path = tmp_path / "services.csv"
    path.write_text(text)
    out, err = StringIO(), StringIO()
    call_command("assess", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_assess_save_records_existing_services(tmp_path, make_user, team, owned):
    make_user("product_team_member", teams=[team], username="pat")
    out, err = _run(tmp_path, CSV, "--save", "--user", "pat")
    assert out.count("\n") == 4  # header and three results, the unknown service included
    assert "unknown-service" in err and "Recorded 2 assessment(s)" in err
    loans = Assessment.objects.get(service__slug="loans")
    assert loans.source == "bulk" and loans.assessed_by.username == "pat" and loans.is_latest
    assert loans.recommended_mode.key == "mode-2"
    cards = Assessment.objects.get(service__slug="cards")
    assert cards.answers["technology_age"] == "very_high"  # answers implied by the attributes are kept
    assert AuditEntry.objects.filter(verb="assessment_record").count() == 2


@pytest.mark.django_db
def test_assess_save_is_all_or_nothing(tmp_path, make_user, team, owned):
    ServiceFactory(slug="other-team")  # owned by another team: pat may not assess it
    make_user("product_team_member", teams=[team], username="pat")
    text = CSV + "other-team,low,,,\nloans,low,,,\n"
    with pytest.raises(CommandError, match="no assessment was saved"):
        _run(tmp_path, text, "--save", "--user", "pat")
    assert not Assessment.objects.exists()
    err = StringIO()
    path = tmp_path / "services.csv"
    with pytest.raises(CommandError):
        call_command("assess", str(path), "--save", "--user", "pat", stdout=StringIO(), stderr=err)
    assert "line 5, service other-team: You may not change" in err.getvalue()
    assert "line 6, service loans: loans is already assessed by line 2" in err.getvalue()


@pytest.mark.django_db
def test_assess_save_needs_a_user_and_bad_rows_save_nothing(tmp_path, make_user, owned):
    with pytest.raises(CommandError, match="--user"):
        _run(tmp_path, CSV, "--save")
    with pytest.raises(CommandError, match="No active user"):
        _run(tmp_path, CSV, "--save", "--user", "ghost")
    make_user("governance_lead", username="gloria")
    with pytest.raises(CommandError, match="nothing was classified"):
        _run(tmp_path, CSV + "cards,lots,,,\n", "--save", "--user", "gloria")
    assert not Assessment.objects.exists()
    _run(tmp_path, CSV, "--save", "--user", "gloria")  # governance leads assess any service
    assert Assessment.objects.count() == 2


def _bulk_csv(slugs: list[str]) -> str:
    return "service,change_requests\n" + "".join(f"{slug},high\n" for slug in slugs)


@pytest.mark.django_db
def test_assess_save_statements_do_not_grow_with_rows(tmp_path, make_user, team):
    """40 rows and 1,200 rows: the same statements (permissions, match, lock, unflag, insert, audit)."""
    make_user("product_team_member", teams=[team], username="pat")
    services = ServiceFactory.create_batch(2, owner_team=team, mode=mode("mode-1"))
    model = services[0]
    clones = []
    for i in range(1_200):
        clone = copy.copy(model)
        clone.pk, clone.slug, clone.name = None, f"bulk-{i}", f"Bulk {i}"
        clones.append(clone)
    Service.objects.bulk_create(clones)
    slugs = [f"bulk-{i}" for i in range(1_200)]
    counts = []
    for rows in (slugs[:40], slugs):
        with CaptureQueriesContext(connection) as queries:
            _run(tmp_path, _bulk_csv(rows), "--save", "--user", "pat")
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert Assessment.objects.filter(is_latest=True).count() == 1_200
    assert Assessment.objects.count() == 1_240  # the first 40 assessed twice, the older ones not latest
    assert AuditEntry.objects.filter(verb="assessment_record").count() == 1_240
    latest = Assessment.objects.get(service__slug="bulk-7", is_latest=True)
    assert latest.assessed_by.username == "pat" and latest.answers == {"change_requests": "high"}
    assert str(latest).startswith("Assessment of ")
    audit_entry = AuditEntry.objects.filter(verb="assessment_record", object_id=str(latest.pk)).get()
    assert audit_entry.after["service_id"] == latest.service_id and audit_entry.after["is_latest"] is True


@pytest.mark.django_db
def test_assess_save_refuses_services_the_user_may_not_change_by_line(tmp_path, make_user, team, owned):
    other = ServiceFactory(slug="elsewhere")
    make_user("product_team_member", teams=[team], username="pat")
    with pytest.raises(CommandError, match="no assessment was saved"):
        call_command(
            "assess", str(_write(tmp_path, _bulk_csv(["loans", "elsewhere", "cards"]))),
            "--save", "--user", "pat", stdout=StringIO(), stderr=(err := StringIO()),
        )  # fmt: skip
    assert f"line 3, service elsewhere: You may not change service “{other}”." in err.getvalue()
    assert not Assessment.objects.exists()
    assert core_audit.verify()[1] == []


def _write(tmp_path, text: str):
    path = tmp_path / "bulk.csv"
    path.write_text(text)
    return path
