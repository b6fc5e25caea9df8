"""Demo data of the registers and people areas (none yet)."""


def load(*, actor) -> dict[str, int]:
    """Create what is missing of this area's demo data; return {kind: number created}."""
    return {}
