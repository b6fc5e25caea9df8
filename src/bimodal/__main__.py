"""The `bimodal` command line: Django management with Bimodal's settings."""

import os
import sys


def main() -> None:
    """Run a management command (`bimodal demo`, `bimodal audit verify`, …)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bimodal.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
