"""Reads of the people app: proficiency lists, skill profiles, gap analysis and the heat-map matrix."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TypedDict

from django.db.models import Q

from bimodal.core.models import Actor, Team, User
from bimodal.core.querysets import RestrictedQuerySet
from bimodal.people.gaps import SkillGap, skill_gap
from bimodal.people.models import Proficiency, Skill, SkillRequirement
from bimodal.portfolio import selectors as portfolio_selectors
from bimodal.portfolio.models import Mode


class GapRow(TypedDict):
    """One skill of a gap analysis."""

    skill: Skill
    sources: list[str]  # the mode and services whose profiles need it
    core: bool  # the mode's own profile needs it
    gap: SkillGap


class HeatMap(TypedDict):
    """People × skills with levels (0 = not rated)."""

    people: list[User]
    skills: list[Skill]
    z: list[list[int]]


class _Need(TypedDict):
    skill: Skill
    level: int
    needed: int
    core: bool
    sources: list[str]


def skill_list(*, user: Actor) -> RestrictedQuerySet[Skill]:
    """The skills catalogue."""
    return Skill.objects.restrict(user, "view")


def proficiency_list(*, user: Actor) -> RestrictedQuerySet[Proficiency]:
    """Proficiency ratings `user` may see."""
    return Proficiency.objects.restrict(user, "view").select_related("person", "skill", "assessed_by")


def requirement_list(*, user: Actor) -> RestrictedQuerySet[SkillRequirement]:
    """Skill profile entries of modes and services."""
    return SkillRequirement.objects.restrict(user, "view").select_related("skill", "mode", "service__mode")


def team_people(team: Team) -> list[User]:
    """The team's members and its lead, by name."""
    return list(
        User.objects.filter(Q(teams=team) | Q(led_teams=team), is_active=True)
        .distinct()
        .order_by("last_name", "username")
    )


def gap_analysis(*, user: Actor, team: Team, mode: Mode) -> list[GapRow]:
    """Per skill the team needs in `mode` (the mode's profile plus the profiles of the team's services in
    that mode): required level, headcount, who has it and the train / recruit / contract recommendation.

    Three queries whatever the size: requirements, the team's people, their ratings of those skills."""
    services = portfolio_selectors.service_list(user=user).filter(owner_team=team, mode=mode).values("pk")
    requirements = requirement_list(user=user).filter(Q(mode=mode) | Q(service__in=services))
    needs: dict[int, _Need] = {}
    for req in requirements:
        entry = needs.setdefault(
            req.skill_id, {"skill": req.skill, "level": 0, "needed": 0, "core": False, "sources": []}
        )
        entry["level"] = max(entry["level"], req.min_level)
        entry["needed"] = max(entry["needed"], req.headcount)
        entry["core"] = entry["core"] or req.mode_id is not None
        if req.mode is not None:
            source = req.mode.short_name
        else:
            assert req.service is not None  # a requirement is of a mode or of a service
            source = req.service.name
        entry["sources"].append(str(source))
    people = team_people(team)
    levels: dict[int, list[int]] = defaultdict(list)
    for skill_id, level in Proficiency.objects.filter(person__in=people, skill_id__in=needs).values_list(
        "skill_id", "proficiency_level"
    ):
        levels[skill_id].append(level)
    rows: list[GapRow] = []
    for skill_id, entry in sorted(needs.items(), key=lambda kv: kv[1]["skill"].name):
        gap: SkillGap = skill_gap(
            required_level=entry["level"], needed=entry["needed"], levels=levels[skill_id], core=entry["core"]
        )
        rows.append({"skill": entry["skill"], "sources": entry["sources"], "core": entry["core"], "gap": gap})
    return rows


def gap_totals(rows: list[GapRow]) -> dict[str, int]:
    """Sums of a gap analysis: gap, train, recruit, contract."""
    return {key: sum(getattr(r["gap"], key) for r in rows) for key in ("gap", "train", "recruit", "contract")}


def team_modes(*, user: Actor) -> list[tuple[Team, Mode]]:
    """(team, mode) pairs for which a gap analysis makes sense: the team owns services in that mode."""
    pairs = list(
        portfolio_selectors.service_list(user=user)
        .prefetch_related(None)
        .values_list("owner_team", "mode")
        .distinct()
    )
    teams = {t.pk: t for t in Team.objects.restrict(user, "view").filter(pk__in={p[0] for p in pairs})}
    modes = {m.pk: m for m in portfolio_selectors.mode_list(user=user)}
    return sorted(
        [(teams[t], modes[m]) for t, m in pairs if t in teams and m in modes],
        key=lambda tm: (tm[1].order, tm[0].name),
    )


def matrix(*, user: Actor, people: list[User], skills: Iterable[Skill] | None = None) -> HeatMap:
    """The heat-map data: people × skills with levels (0 = not rated); one query for the ratings."""
    ratings = proficiency_list(user=user).filter(person__in=people)
    chosen = None
    if skills is not None:
        chosen = list(skills)
        ratings = ratings.filter(skill__in=chosen)
    levels = list(ratings.values_list("person_id", "skill_id", "proficiency_level"))
    if chosen is None:
        skill_ids = {s for _, s, _ in levels}
        chosen = list(skill_list(user=user).filter(pk__in=skill_ids))
    skills = chosen
    lookup = {(p, s): level for p, s, level in levels}
    return {
        "people": people,
        "skills": skills,
        "z": [[lookup.get((person.pk, skill.pk), 0) for skill in skills] for person in people],
    }
