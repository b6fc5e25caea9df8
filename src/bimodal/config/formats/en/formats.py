"""The page formats for plain English (the same as British English, the project's language)."""

from bimodal.config.formats.en_GB.formats import *  # noqa: F403
