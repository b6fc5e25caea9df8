"""Reads of the people app: proficiency lists, skill profiles, gap analysis and the heat-map matrix."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q

from bimodal.core.models import Team, User
from bimodal.people.gaps import SkillGap, skill_gap
from bimodal.people.models import Proficiency, Skill, SkillRequirement
from bimodal.portfolio import selectors as portfolio_selectors


def skill_list(*, user):
    """The skills catalogue."""
    return Skill.objects.restrict(user, "view")


def proficiency_list(*, user):
    """Proficiency ratings `user` may see."""
    return Proficiency.objects.restrict(user, "view").select_related("person", "skill", "assessed_by")


def requirement_list(*, user):
    """Skill profile entries of modes and services."""
    return SkillRequirement.objects.restrict(user, "view").select_related("skill", "mode", "service__mode")


def team_people(team: Team) -> list[User]:
    """The team's members and its lead, by name."""
    return list(
        User.objects.filter(Q(teams=team) | Q(led_teams=team), is_active=True)
        .distinct()
        .order_by("last_name", "username")
    )


def gap_analysis(*, user, team: Team, mode) -> list[dict]:
    """Per skill the team needs in `mode` (the mode's profile plus the profiles of the team's services in
    that mode): required level, headcount, who has it and the train / recruit / contract recommendation.

    Three queries whatever the size: requirements, the team's people, their ratings of those skills."""
    services = portfolio_selectors.service_list(user=user).filter(owner_team=team, mode=mode).values("pk")
    requirements = requirement_list(user=user).filter(Q(mode=mode) | Q(service__in=services))
    needs: dict[int, dict] = {}
    for req in requirements:
        entry = needs.setdefault(
            req.skill_id, {"skill": req.skill, "level": 0, "needed": 0, "core": False, "sources": []}
        )
        entry["level"] = max(entry["level"], req.min_level)
        entry["needed"] = max(entry["needed"], req.headcount)
        entry["core"] = entry["core"] or req.mode_id is not None
        entry["sources"].append(str(req.mode.short_name if req.mode_id else req.service.name))
    people = team_people(team)
    levels: dict[int, list[int]] = defaultdict(list)
    for skill_id, level in Proficiency.objects.filter(person__in=people, skill_id__in=needs).values_list(
        "skill_id", "proficiency_level"
    ):
        levels[skill_id].append(level)
    rows = []
    for skill_id, entry in sorted(needs.items(), key=lambda kv: kv[1]["skill"].name):
        gap: SkillGap = skill_gap(
            required_level=entry["level"], needed=entry["needed"], levels=levels[skill_id], core=entry["core"]
        )
        rows.append({"skill": entry["skill"], "sources": entry["sources"], "core": entry["core"], "gap": gap})
    return rows


def gap_totals(rows: list[dict]) -> dict[str, int]:
    """Sums of a gap analysis: gap, train, recruit, contract."""
    return {key: sum(getattr(r["gap"], key) for r in rows) for key in ("gap", "train", "recruit", "contract")}


def team_modes(*, user) -> list[tuple[Team, object]]:
    """(team, mode) pairs for which a gap analysis makes sense: the team owns services in that mode."""
    pairs = (
        portfolio_selectors.service_list(user=user)
        .prefetch_related(None)
        .values_list("owner_team", "mode")
        .distinct()
    )
    pairs = list(pairs)
    teams = {t.pk: t for t in Team.objects.restrict(user, "view").filter(pk__in={p[0] for p in pairs})}
    modes = {m.pk: m for m in portfolio_selectors.mode_list(user=user)}
    return sorted(
        [(teams[t], modes[m]) for t, m in pairs if t in teams and m in modes],
        key=lambda tm: (tm[1].order, tm[0].name),
    )


def matrix(*, user, people: list[User], skills=None) -> dict:
    """The heat-map data: people × skills with levels (0 = not rated); one query for the ratings."""
    ratings = proficiency_list(user=user).filter(person__in=people)
    if skills is not None:
        skills = list(skills)
        ratings = ratings.filter(skill__in=skills)
    ratings = list(ratings.values_list("person_id", "skill_id", "proficiency_level"))
    if skills is None:
        skill_ids = {s for _, s, _ in ratings}
        skills = list(skill_list(user=user).filter(pk__in=skill_ids))
    lookup = {(p, s): level for p, s, level in ratings}
    return {
        "people": people,
        "skills": skills,
        "z": [[lookup.get((person.pk, skill.pk), 0) for skill in skills] for person in people],
    }
