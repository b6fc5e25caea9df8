"""The pure gap calculation: from required level, headcount and the team's levels to train / recruit / contract."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SkillGap:
    """The gap of one skill in one team, and how to close it."""

    required_level: int
    needed: int
    have: int
    near: int
    gap: int
    train: int
    recruit: int
    contract: int

    @property
    def recommendation(self) -> str:
        """The recommendation in words, e.g. "train 1, recruit 1"."""
        parts = [
            f"{verb} {n}"
            for verb, n in (("train", self.train), ("recruit", self.recruit), ("contract", self.contract))
            if n
        ]
        return ", ".join(parts) or "no gap"


def skill_gap(*, required_level: int, needed: int, levels: list[int], core: bool) -> SkillGap:
    """How many of `needed` people at `required_level` or above the team lacks, and how to close that gap.

    People one level below the requirement can be trained up (train = min(gap, those people)). The rest is
    recruited when the skill is part of the mode's profile (an enduring need of every team in that mode) and
    contracted when only a service's profile asks for it (a specific, often temporary need)."""
    if not 1 <= required_level <= 4 or needed < 0:
        raise ValueError("required level is 1–4 and headcount is not negative")
    have = sum(1 for level in levels if level >= required_level)
    near = sum(1 for level in levels if level == required_level - 1)
    gap = max(0, needed - have)
    train = min(gap, near)
    rest = gap - train
    return SkillGap(
        required_level=required_level,
        needed=needed,
        have=have,
        near=near,
        gap=gap,
        train=train,
        recruit=rest if core else 0,
        contract=0 if core else rest,
    )
