"""Demo data of the assessment area (none yet)."""


def load(*, actor) -> dict[str, int]:
    """Create what is missing of this area's demo data; return {kind: number created}."""
    return {}
