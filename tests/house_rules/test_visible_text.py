"""Rule: pages speak to people, not in internal keys. Every page of every area, read by an administrator
over the house-rule world (whose rows are named `alpha_…`/`beta_…` or `alpha-…`), shows no snake_case word (`needs_approval`, `change_create`) and no `key:value`
state key in its visible text: statuses, decisions, audit verbs, field names and the like are shown by
their display names (choices labels, `core.verbs.verb_label`, field verbose names).

Not visible text, so not checked: tags and attributes, scripts and styles, `<code>`, `<pre>`, `<kbd>`,
`<samp>` and `<textarea>` (where a key is shown on purpose, e.g. an audit verb beside its words, a CEL
expression or an API path), and the data the world's rows were given (a name is the user's words)."""

from __future__ import annotations

import pytest

from tests.house_rules.pages import checked_pages, place, url_values
from tests.house_rules.test_pages_no_role import world_names
from tests.house_rules.visible import internal_keys, visible_text

PAGES = checked_pages()


def test_the_check_finds_keys_and_only_in_visible_text():
    html = (
        "<p>Policy decision: needs_approval · <span title='change_create'>Change created</span></p>"
        "<code>change_create</code><script>var a_b = 1</script><p>status:in_review, see a@b_c.io, /api/x_y/</p>"
    )
    assert internal_keys(visible_text(html)) == {"needs_approval", "status:in_review", "in_review"}
    assert internal_keys("Owner alpha_team", {"alpha_team-1"}) == set()


@pytest.mark.parametrize("page", PAGES, ids=[p.id for p in PAGES])
def test_pages_show_no_internal_keys(page, world, db, client):
    client.force_login(world.admin)
    url = page.route.url(url_values(page, place(page, world)))
    response = client.get(url)
    if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
        return
    data = world.cache.setdefault("names", world_names(world))
    keys = internal_keys(visible_text(response.content.decode()), data)
    assert not keys, f"{url} ({page.id}) shows internal keys: {', '.join(sorted(keys))}"
