"""An app names only its own tables: no string in an app's code names another app's table (or a view
named after one). An app reads another's rows through that app's models, selectors or published
database views, so that its tables and their names stay the owning app's business.

Checked with `ast` over every module of each Bimodal app, the tables taken from Django's app registry
(with the tables of many-to-many fields and the views the app's migrations create). Exempt: migrations
(an app's migrations create its tables and views, and may name the tables they depend on) and tests (a
test may look for a table in the SQL a page ran)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.apps import apps

_TOKEN = re.compile(r"[A-Za-z0-9_]+")
_CREATE_VIEW = re.compile(r"CREATE\s+VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?\"?(\w+)", re.IGNORECASE)
_EXEMPT_PACKAGES = {"migrations", "tests"}


def _bimodal_apps():
    return [config for config in apps.get_app_configs() if config.name.startswith("bimodal.")]


def table_owners() -> dict[str, str]:
    """Every table and view of a Bimodal app → the label of the app that owns it."""
    owners = {}
    for config in _bimodal_apps():
        for model in config.get_models(include_auto_created=True):
            owners[model._meta.db_table.lower()] = config.label
        for migration in (Path(config.path) / "migrations").glob("*.py"):
            for view in _CREATE_VIEW.findall(migration.read_text()):
                owners[view.lower()] = config.label
    return owners


def _named_table(token: str, owners: dict[str, str], label: str) -> str | None:
    """The other app's table that `token` is, or begins (as `<table>_…`), if any."""
    token = token.lower()
    for table, owner in owners.items():
        if owner != label and (token == table or token.startswith(f"{table}_")):
            return table
    return None


def foreign_tables(source: str, *, label: str, owners: dict[str, str]) -> list[tuple[int, str]]:
    """(line, table) for each string literal in `source` (a module of app `label`) that names a table
    of another app; f-strings count by their literal parts."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        segment = ast.get_source_segment(source, node) or ""
        for match in _TOKEN.finditer(node.value):
            table = _named_table(match.group(), owners, label)
            if table is None:
                continue
            # Implicitly joined literals are one node: find the line of the part that names the table.
            at = max(segment.lower().find(table), 0)
            found.append((node.lineno + segment.count("\n", 0, at), table))
    return sorted(set(found))


def _modules(config):
    root = Path(config.path)
    for path in sorted(root.rglob("*.py")):
        if not _EXEMPT_PACKAGES & set(path.relative_to(root).parts[:-1]):
            yield path


def test_no_app_names_another_apps_tables():
    owners = table_owners()
    problems = []
    for config in _bimodal_apps():
        for path in _modules(config):
            for line, table in foreign_tables(path.read_text(), label=config.label, owners=owners):
                problems.append(f"{path}:{line}: names {owners[table]}'s table {table}")
    assert not problems, "Read another app's rows through its models or selectors:\n" + "\n".join(problems)


def test_the_check_finds_a_named_table_and_only_that():
    """The check itself: a table of another app is found (also in an f-string, a joined literal or as
    the start of a longer name), on its own line; an app's own tables and look-alike words are not."""
    owners = {
        "portfolio_service": "portfolio",
        "insights_transition": "insights",
        "changes_deployment": "changes",
    }
    source = (
        "A = 'changes_in_freeze'\n"
        "B = f'FROM insights_transition t JOIN {x} s'\n"
        "C = (\n"
        "    'SELECT 1 '\n"
        "    f'FROM portfolio_service s {y}'\n"
        ")\n"
        "D = 'changes_deployment_read'\n"
        "def portfolio_service(): pass\n"
    )
    assert foreign_tables(source, label="insights", owners=owners) == [
        (5, "portfolio_service"),
        (7, "changes_deployment"),
    ]
    assert foreign_tables(source, label="portfolio", owners=owners) == [
        (2, "insights_transition"),
        (7, "changes_deployment"),
    ]


def test_the_registry_knows_the_tables_insights_reads():
    """The tables come from the registry, many-to-many tables included."""
    owners = table_owners()
    assert owners["portfolio_service"] == "portfolio"
    assert owners["servicedesk_ticket_changes"] == "servicedesk"
    assert owners["changes_changewindow_modes"] == "changes"
    assert owners["integrations_deploymentcommit"] == "integrations"
