"""The shared duration filter."""

from datetime import timedelta

import pytest

from bimodal.core.templatetags.bimodal_format import duration


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "—"),
        (90, "2 min"),
        (timedelta(minutes=45), "45 min"),
        (timedelta(hours=3, minutes=30), "3.5 h"),
        (timedelta(days=40, hours=4, minutes=53), "40.2 d"),
        (7200.0, "2.0 h"),
    ],
)
def test_duration_reads_seconds_and_timedeltas(value, shown):
    assert duration(value) == shown
