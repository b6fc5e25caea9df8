"""What a metric is computed over: a period, a breakdown (service / team / mode / none) and filters."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from django.utils import timezone

from bimodal.insights.metrics import sql

GROUPS = {"service": "s.id", "team": "s.owner_team_id", "mode": "s.mode_id", "": "0"}


@dataclass(frozen=True)
class Scope:
    """A period [start, end), how to break figures down, and which services count."""

    start: datetime
    end: datetime
    group: str = ""
    service_ids: tuple[int, ...] | None = None
    team_id: int | None = None
    mode_id: int | None = None
    extra: dict = field(default_factory=dict, compare=False)
    #: Only services of these modes (the CIO dashboard measures each mode by its KPI set); None = any.
    mode_ids: tuple[int, ...] | None = None
    #: Which definitions of DORA's four keys apply (choices.Definitions): "bimodal" or "devlake".
    definitions: str = "bimodal"

    @property
    def devlake(self) -> bool:
        """Whether the figures follow Apache DevLake's definitions."""
        return self.definitions == "devlake"

    @classmethod
    def last_days(cls, days: int = 90, *, now: datetime | None = None, **kwargs) -> Scope:
        now = now or timezone.now()
        return cls(start=now - timedelta(days=days), end=now, **kwargs)

    def group_sql(self) -> str:
        """The SQL expression of the breakdown key over the service alias `s`."""
        return GROUPS[self.group]

    def service_filter(self) -> tuple[str, list]:
        """An SQL condition (starting with AND) over the service alias `s`, and its parameters."""
        parts: list[str] = []
        params: list[object] = []
        if self.service_ids is not None:
            # One JSON parameter, not a placeholder per service: a user who sees 20,000 services (or the
            # drift check over every live one) would otherwise send 20,000-term statements.
            relation, values = sql.json_rows([("id", "bigint")], [(i,) for i in self.service_ids])
            parts.append(f"s.id IN (SELECT w.id FROM {relation} w)")
            params += values
        if self.team_id is not None:
            parts.append("s.owner_team_id = %s")
            params.append(self.team_id)
        if self.mode_id is not None:
            parts.append("s.mode_id = %s")
            params.append(self.mode_id)
        if self.mode_ids is not None:
            relation, values = sql.json_rows([("id", "bigint")], [(i,) for i in self.mode_ids])
            parts.append(f"s.mode_id IN (SELECT w.id FROM {relation} w)")
            params += values
        return "".join(f" AND {p}" for p in parts), params

    def period_params(self) -> list:
        return [sql.param(self.start), sql.param(self.end)]

    def with_group(self, group: str) -> Scope:
        return replace(self, group=group)

    def of_modes(self, mode_ids: tuple[int, ...]) -> Scope:
        """The same scope narrowed to services of these modes."""
        return replace(self, mode_ids=mode_ids)
