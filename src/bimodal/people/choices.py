"""Choices of the people app."""

from django.db import models


class SkillArea(models.TextChoices):
    """What kind of skill."""

    ENGINEERING = "engineering", "Engineering"
    OPERATIONS = "operations", "Operations"
    PRACTICE = "practice", "Ways of working"
    DATA = "data", "Data & AI"
    SECURITY = "security", "Security & risk"
    DOMAIN = "domain", "Business domain"
    LEADERSHIP = "leadership", "Leadership"


class ProficiencyLevel(models.IntegerChoices):
    """How well a person masters a skill (1–4)."""

    AWARE = 1, "1 — Aware"
    WORKING = 2, "2 — Working"
    PRACTITIONER = 3, "3 — Practitioner"
    EXPERT = 4, "4 — Expert"


class Recommendation(models.TextChoices):
    """How to close a skills gap."""

    TRAIN = "train", "Train"
    RECRUIT = "recruit", "Recruit"
    CONTRACT = "contract", "Contract"
