"""The Detect-to-Correct and Request-to-Fulfil heat maps against an independent computation on the same
event log, over the end of summer time (Europe/London, Sunday 25 October 2026 01:00 UTC).

The log is made here as plain events; the figures are then worked out from those raw events in plain
Python — durations by subtracting the previous event of the same record, business time with the
calendar's `business_seconds_between`, the period by the local (London) calendar date of each event,
medians with `statistics.median` and 90th percentiles with numpy's default linear interpolation (the
definition of PostgreSQL's `percentile_cont`) — and compared with the SQL figures."""

from __future__ import annotations

import random
import statistics
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import time_machine
from django.test import override_settings

from bimodal.core.calendars import business_seconds_between
from bimodal.insights import clock, selectors
from bimodal.insights.choices import ValueStream
from bimodal.insights.metrics import valuestream
from bimodal.insights.services import transition_record_bulk
from bimodal.portfolio.tests.factories import ServiceFactory

LONDON = ZoneInfo("Europe/London")
FIRST, LAST = date(2026, 10, 19), date(2026, 11, 1)  # Mon 19 Oct – Sun 1 Nov 2026, local dates
PATHS = {
    # stream, kind: the states a record goes through
    ("ticket", "incident"): ["new", "in_progress", "awaiting_supplier", "in_progress", "resolved"],
    ("ticket", "problem"): ["new", "in_progress", "resolved"],
    ("change", "normal"): ["draft", "submitted", "approved", "implementing", "completed"],
    ("deployment", "production"): ["in_progress", "succeeded"],
    ("deployment", "staging"): ["in_progress", "succeeded"],  # not in Detect to Correct
    ("request", "request"): ["new", "in_progress", "fulfilled"],
}
PARTIES = ["Desk", "Network", "Atlas"]
STREAMS = {
    ValueStream.DETECT_TO_CORRECT: lambda e: (
        e["stream"] in ("ticket", "change") or (e["stream"] == "deployment" and e["kind"] == "production")
    ),
    ValueStream.REQUEST_TO_FULFIL: lambda e: e["stream"] == "request",
}


def _wall(day: date, hour: float, fold: int = 0) -> datetime:
    return (datetime.combine(day, time()) + timedelta(hours=hour)).replace(tzinfo=LONDON, fold=fold)


def _events() -> list[dict]:
    """Records opened from 12 Oct to 7 Nov with gaps of 10 minutes to 40 hours (seeded), so that some
    start before the period, some end after it and many cross midnights and the changeover; plus
    incidents placed on the edges: opened 18 Oct 23:30 BST and moved 19 Oct 00:30 BST (18 Oct 23:30
    UTC: inside the period locally), moved in the hour lived twice (01:30 BST and 01:30 GMT on 25 Oct),
    moved 1 Nov 23:30 GMT (inside) and 2 Nov 00:30 GMT (outside)."""
    rng = random.Random(25)
    events, pk = [], 0
    origin = datetime(2026, 10, 12, 6, tzinfo=UTC)
    for (stream, kind), states in PATHS.items():
        for _ in range(14 if stream != "deployment" else 8):
            pk += 1
            at = origin + timedelta(minutes=rng.randrange(0, 26 * 24 * 60))
            before = ""
            for state in states:
                party = rng.choice(PARTIES) if stream in ("ticket", "request") else ""
                events.append(_event(stream, kind, pk, before, state, at, party))
                before, at = state, at + timedelta(minutes=rng.randrange(10, 40 * 60))
    edges = [
        [_wall(date(2026, 10, 18), 23.5), _wall(FIRST, 0.5), _wall(FIRST, 9)],
        [_wall(date(2026, 10, 24), 22), _wall(date(2026, 10, 25), 1.5, 0), _wall(date(2026, 10, 25), 1.5, 1)],
        [_wall(LAST, 20), _wall(LAST, 23.5), _wall(date(2026, 11, 2), 0.5)],
    ]
    for moments in edges:
        pk += 1
        states = ["new", "in_progress", "resolved"]
        for n, at in enumerate(moments):
            events.append(
                _event("ticket", "incident", pk, states[n - 1] if n else "", states[n], at, PARTIES[n % 2])
            )
    return events


def _event(stream, kind, pk, before, state, at, party) -> dict:
    return {
        "stream": stream,
        "kind": kind,
        "object_id": pk,
        "reference": f"R{pk}",
        "from_state": before,
        "to_state": state,
        "at": at.astimezone(UTC),
        "party": party,
    }


def _figures(values: list[float]) -> dict:
    return {
        "count": len(values),
        "total": sum(values),
        "p50": statistics.median(values),
        "p90": float(np.percentile(values, 90)),
    }


def _independent(events: list[dict], keep) -> dict:
    """Stages, steps and party hand-offs of one stream from the raw events."""
    calendar = clock.schedule()
    by_record = defaultdict(list)
    for e in events:
        if keep(e):
            by_record[e["stream"], e["object_id"]].append(e)

    def label(e, state):
        return f"{e['kind'] if e['stream'] == 'ticket' else e['stream']}:{state}"

    def inside(at: datetime) -> bool:
        return FIRST <= at.astimezone(LONDON).date() <= LAST

    stage_time = defaultdict(lambda: [0.0, 0.0])  # (stage, record) → [wall, business]
    steps, handoffs = defaultdict(list), defaultdict(list)
    for record, moves in by_record.items():
        moves.sort(key=lambda e: e["at"])
        for i, e in enumerate(moves):
            if i == 0 or not inside(e["at"]):
                continue
            prev = moves[i - 1]
            wall = (e["at"] - prev["at"]).total_seconds()
            business = business_seconds_between(calendar, prev["at"], e["at"])
            totals = stage_time[label(e, e["from_state"]), record]
            totals[0] += wall
            totals[1] += business
            steps[label(e, e["from_state"]), label(e, e["to_state"])].append((wall, business))
            if prev["party"] and e["party"] and prev["party"] != e["party"] and i + 1 < len(moves):
                after = moves[i + 1]
                if inside(after["at"]):  # the receiving party's time, when it ends in the period
                    held = (after["at"] - e["at"]).total_seconds()
                    handoffs[prev["party"], e["party"]].append(
                        (held, business_seconds_between(calendar, e["at"], after["at"]))
                    )
    stages = defaultdict(list)
    for (stage, _), times in stage_time.items():
        stages[stage].append(tuple(times))

    def both(groups):
        return {
            key: {"wall": _figures([w for w, _ in pairs]), "business": _figures([b for _, b in pairs])}
            for key, pairs in groups.items()
        }

    return {"stages": both(stages), "steps": both(steps), "handoffs": both(handoffs)}


def _from_sql(heat: dict) -> dict:
    def figures(row, v):
        return {
            "count": row["count"],
            "total": row[f"total_{v}"],
            "p50": row[f"p50_{v}"],
            "p90": row[f"p90_{v}"],
        }

    def both(rows, key):
        return {key(r): {"wall": figures(r, "wall"), "business": figures(r, "business")} for r in rows}

    return {
        "stages": both(heat["stages"], lambda r: r["stage"]),
        "steps": both(heat["steps"], lambda r: (r["source"], r["target"])),
        "handoffs": both(heat["handoffs"], lambda r: (r["source"], r["target"])),
    }


def _approx(figures: dict) -> dict:
    return {
        part: {
            key: {v: {k: pytest.approx(x, abs=1e-3) for k, x in f.items()} for v, f in values.items()}
            for key, values in rows.items()
        }
        for part, rows in figures.items()
    }


@time_machine.travel(datetime(2026, 12, 1, 12, tzinfo=UTC), tick=False)
@override_settings(TIME_ZONE="Europe/London")
@pytest.mark.parametrize("stream", [ValueStream.DETECT_TO_CORRECT, ValueStream.REQUEST_TO_FULFIL])
def test_heat_map_matches_an_independent_computation_across_the_changeover(db, make_user, stream):
    svc = ServiceFactory()
    events = _events()
    transition_record_bulk(sorted(({**e, "service_id": svc.pk} for e in events), key=lambda r: r["at"]))
    scope = selectors.scope_from(
        {"start": FIRST.isoformat(), "end": LAST.isoformat()}, user=make_user(is_superuser=True)
    )
    # The period is cut at London midnights: 19 Oct 00:00 BST to 2 Nov 00:00 GMT.
    assert (scope.start, scope.end) == (
        datetime(2026, 10, 18, 23, tzinfo=UTC),
        datetime(2026, 11, 2, tzinfo=UTC),
    )
    expected = _independent(events, STREAMS[stream])
    assert expected["stages"] and expected["steps"]  # the log gives something to compare
    got = _from_sql(valuestream.heatmap(stream, scope))
    assert got == _approx(expected)
    # The portable window-function percentiles give the same on PostgreSQL too.
    assert _from_sql(valuestream.heatmap(stream, scope, force_window=True, direct=True)) == _approx(expected)
    if stream == ValueStream.DETECT_TO_CORRECT:
        # The edge incidents: 19 Oct 00:30 BST and 1 Nov 23:30 GMT are in, 2 Nov 00:30 GMT is not.
        new = got["steps"]["incident:new", "incident:in_progress"]["wall"]["count"]
        in_period = sum(
            1
            for e in events
            if (e["kind"], e["from_state"], e["to_state"]) == ("incident", "new", "in_progress")
            and FIRST <= e["at"].astimezone(LONDON).date() <= LAST
        )
        assert new == in_period
