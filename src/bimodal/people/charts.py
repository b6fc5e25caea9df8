"""Charts of the people pages: plotly figures finished with the shared look of `core.charts`."""

from __future__ import annotations

import plotly.graph_objects as go

from bimodal.core import charts as c

LEVELS = ["Not rated", "1 Aware", "2 Working", "3 Practitioner", "4 Expert"]


def skills_heatmap(data: dict) -> str:
    """The people × skills matrix as a heat map (0 = not rated, 1–4 = proficiency)."""
    people = [str(p) for p in data["people"]]
    skills = [s.name for s in data["skills"]]
    fig = go.Figure(
        go.Heatmap(
            z=data["z"],
            x=skills,
            y=people,
            zmin=0,
            zmax=4,
            xgap=2,
            ygap=2,
            colorscale=[[0, "#f1f3f7"], [0.25, "#cfe3f3"], [0.5, c.SKY], [0.75, c.BLUE], [1, c.MODE1_COLOUR]],
            colorbar={"tickvals": [0, 1, 2, 3, 4], "ticktext": LEVELS, "thickness": 14},
            hovertemplate="%{y} — %{x}: level %{z}<extra></extra>",
        )
    )
    c.style(
        fig, title="Proficiency by person and skill", height=max(340, 180 + 28 * len(people)), legend=False
    )
    fig.update_layout(xaxis={"tickangle": -30, "side": "bottom"}, yaxis={"autorange": "reversed"})
    return c.to_html(
        fig,
        summary=f"Proficiency of {len(people)} people in {len(skills)} skills, from not rated to 4 (expert).",
        table=(
            ["Person", *skills],
            [[person, *[LEVELS[v] for v in row]] for person, row in zip(people, data["z"], strict=True)],
        ),
    )
