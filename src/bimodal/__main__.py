"""The `bimodal` command line: Django management with Bimodal's settings."""

import os
import sys


def main() -> None:
    """Run a management command (`bimodal demo`, `bimodal audit verify`, …)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bimodal.config.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    # Commands are typed with hyphens (`bimodal import-services`); their modules use underscores.
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    # django-tasks' own `db_worker` neither schedules the periodic tasks nor recovers killed tasks:
    # `bimodal worker` is the one worker command, under either name.
    if len(argv) > 1 and argv[1] == "db_worker":
        sys.stderr.write("bimodal: `db_worker` runs `bimodal worker` (queued and periodic tasks).\n")
        argv[1] = "worker"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
