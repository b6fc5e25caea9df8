"""Property tests: SQL percentiles agree with numpy on both code paths; CFR never falls when a failed
deployment is added."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bimodal.insights.metrics import dora, sql
from bimodal.insights.metrics.scope import Scope
from bimodal.insights.tests.factories import DeploymentFactory, TicketFactory, at
from bimodal.portfolio.tests.factories import ServiceFactory

SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


class _Rollback(Exception):
    pass


def _values_sql(values: list[float]) -> tuple[str, list]:
    rows = " UNION ALL ".join(["SELECT %s AS g, %s AS v"] * len(values))
    params = [p for i, v in enumerate(values) for p in (i % 2, v)]
    return rows, params


@SETTINGS
@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=30))
@pytest.mark.django_db
def test_percentiles_match_numpy_on_both_paths(values):
    source, params = _values_sql([float(v) for v in values])
    for force_window in (False, True):
        rows = {
            r["g"]: r
            for r in sql.percentiles(source, params, groups=["g"], values=["v"], force_window=force_window)
        }
        for g in (0, 1):
            mine = [float(v) for i, v in enumerate(values) if i % 2 == g]
            if not mine:
                assert g not in rows
                continue
            assert rows[g]["n"] == len(mine)
            assert float(rows[g]["p50_v"]) == pytest.approx(float(np.percentile(mine, 50)))
            assert float(rows[g]["p90_v"]) == pytest.approx(float(np.percentile(mine, 90)))


@pytest.mark.django_db
def test_even_count_median_is_the_mean_of_the_middle_two():
    source, params = _values_sql([1.0, 100.0, 2.0, 200.0, 3.0, 300.0, 4.0, 400.0])
    for force_window in (False, True):
        row = sql.percentiles(source, params, groups=[], values=["v"], force_window=force_window)[0]
        assert row["n"] == 8 and float(row["p50_v"]) == pytest.approx(52)  # (4 + 100) / 2


@SETTINGS
@given(
    deployments=st.lists(
        st.tuples(
            st.integers(0, 20 * 24), st.sampled_from(["succeeded", "succeeded", "failed", "rolled_back"])
        ),
        min_size=1,
        max_size=8,
    ),
    incidents=st.lists(st.integers(0, 20 * 24), max_size=6),
    extra=st.integers(0, 20 * 24),
    extra_status=st.sampled_from(["failed", "rolled_back"]),
)
@pytest.mark.django_db
def test_adding_a_failed_deployment_never_lowers_cfr(deployments, incidents, extra, extra_status):
    scope = Scope(start=at(5), end=at(26))
    try:
        with transaction.atomic():
            service = ServiceFactory()
            for hours, status in deployments:
                DeploymentFactory(service=service, status=status, finished_at=at(5) + timedelta(hours=hours))
            for hours in incidents:
                TicketFactory(service=service, opened_at=at(5) + timedelta(hours=hours, minutes=30))
            before = dora.change_failure_rate(scope)[0].value
            DeploymentFactory(
                service=service, status=extra_status, finished_at=at(5) + timedelta(hours=extra)
            )
            after = dora.change_failure_rate(scope)[0].value
            assert after >= before
            assert 0 <= after <= 1
            raise _Rollback
    except _Rollback:
        pass
