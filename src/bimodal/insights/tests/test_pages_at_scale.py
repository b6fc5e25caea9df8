"""The dashboards with many services: per-service tables capped to the worst rows (the rest a paged list
away), a service picker that does not list every service, and query counts that do not grow."""

from __future__ import annotations

import re

import pytest

from bimodal.insights import views
from bimodal.insights.tests.factories import DeploymentFactory, TicketFactory, at
from bimodal.portfolio.tests.factories import ServiceFactory

PARAMS = "?start=2026-01-01&end=2026-01-31"
DASHBOARDS = ["/insights/", "/insights/operations/", "/insights/delivery/"]


def _estate(n: int, start: int = 0) -> list:
    made = []
    for i in range(start, start + n):
        service = ServiceFactory(name=f"Estate service {i:03d}", slug=f"estate-{i:03d}")
        for day in range(5, 6 + i % 3):
            DeploymentFactory(
                service=service, finished_at=at(day, 10), status="failed" if i % 2 else "succeeded"
            )
        TicketFactory(service=service, opened_at=at(6, 12), resolved_at=at(6, 12 + i % 5), status="resolved")
        made.append(service)
    return made


def _rows(html: str, testid: str) -> int:
    table = html.split(f'data-testid="{testid}"', 1)[1].split("</table>", 1)[0]
    return len(re.findall(r"<tr[ >]", table.split("<tbody>", 1)[1]))


@pytest.mark.parametrize("url", DASHBOARDS)
def test_query_count_does_not_grow_with_services(url, make_user, client_for, django_assert_max_num_queries):
    client = client_for(make_user("change_manager"))
    _estate(10)
    with django_assert_max_num_queries(80) as few:
        assert client.get(url + PARAMS + "&by=service").status_code == 200
    _estate(30, start=10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url + PARAMS + "&by=service").status_code == 200


def test_per_service_tables_show_the_worst_rows_and_page_through_the_rest(make_user, client_for, monkeypatch):
    monkeypatch.setattr(views, "TOP", 3)
    monkeypatch.setattr(views, "ALL_PER_PAGE", 4)
    _estate(6)
    client = client_for(make_user("change_manager"))
    page = client.get("/insights/delivery/" + PARAMS + "&by=service").content.decode()
    assert _rows(page, "dora-table") == 3 and "The 3 worst of 6" in page
    # Worst first: the services whose deployments failed (odd numbers) come before the others.
    shown = re.findall(
        r"Estate service (\d+)", page.split('data-testid="dora-table"', 1)[1].split("</table>")[0]
    )
    assert all(int(n) % 2 for n in shown)
    assert "dora_page=1" in page
    first = client.get("/insights/delivery/" + PARAMS + "&by=service&dora_page=1").content.decode()
    assert _rows(first, "dora-table") == 4 and "Rows 1–4 of 6" in first and "dora_page=2" in first
    second = client.get("/insights/delivery/" + PARAMS + "&by=service&dora_page=2").content.decode()
    assert _rows(second, "dora-table") == 2 and "Rows 5–6 of 6" in second
    # A page number out of range or not a number shows a page, never an error.
    assert client.get("/insights/delivery/" + PARAMS + "&by=service&dora_page=x").status_code == 200
    ops = client.get("/insights/operations/" + PARAMS + "&by=service").content.decode()
    assert _rows(ops, "availability") == 3 and 'data-testid="availability-more"' in ops
    assert _rows(ops, "mttr") == 3 and "mttr_page=1" in ops
    # A breakdown with few groups (by mode) shows them all, without the note.
    by_mode = client.get("/insights/operations/" + PARAMS + "&by=mode").content.decode()
    assert "-more" not in by_mode.split('data-testid="change-kpis"', 1)[1].split("</table>")[0]


def test_the_service_picker_does_not_list_every_service(make_user, client_for):
    services = _estate(30)
    client = client_for(make_user("change_manager"))
    for url in [*DASHBOARDS, "/insights/value-streams/detect-to-correct/"]:
        html = client.get(url + PARAMS + "&by=mode").content.decode()
        form = html.split('data-testid="scope-form"', 1)[1].split("</form>", 1)[0]
        assert 'list="id_service-options"' in form and 'hx-get="/portfolio/service-options/' in form, url
        assert not any(s.name in form for s in services), url
    chosen = client.get("/insights/operations/" + PARAMS + "&service=estate-004").content.decode()
    form = chosen.split('data-testid="scope-form"', 1)[1].split("</form>", 1)[0]
    picker = (
        '<datalist id="id_service-options"><option value="estate-004">Estate service 004</option></datalist>'
    )
    assert picker in form and form.count("Estate service") == 1


@pytest.mark.django_db
def test_labels_of_many_groups_read_a_range_of_the_same_names(monkeypatch):
    from bimodal.insights import selectors

    made = _estate(5)
    keys = [made[0].pk, made[2].pk, made[4].pk, None]
    few = selectors.labels("service", keys)
    monkeypatch.setattr(selectors, "_MANY_KEYS", 2)
    assert selectors.labels("service", keys) == few == {s.pk: s.name for s in made[::2]}


def test_per_service_dora_rows_built_are_the_rows_shown(make_user, client_for, monkeypatch):
    """The delivery page orders, counts and pages the per-service DORA table in SQL: it computes the
    figures of the rows it shows, not of every service (60 services, 3 shown, pages of 4)."""
    from bimodal.insights import selectors

    monkeypatch.setattr(views, "TOP", 3)
    monkeypatch.setattr(views, "ALL_PER_PAGE", 4)
    built: list[int] = []
    real = selectors.dora_table

    def counting(scope):
        rows = real(scope)
        if scope.group == "service":
            built.append(len(rows))
        return rows

    monkeypatch.setattr(selectors, "dora_table", counting)
    _estate(60)
    client = client_for(make_user("change_manager"))
    page = client.get("/insights/delivery/" + PARAMS + "&by=service").content.decode()
    assert built == [3] and "The 3 worst of 60" in page
    built.clear()
    last = client.get("/insights/delivery/" + PARAMS + "&by=service&dora_page=15").content.decode()
    assert built == [4] and "Rows 57–60 of 60" in last
    # The CSV still has every row.
    built.clear()
    csv = client.get("/insights/delivery/" + PARAMS + "&by=service&export=dora").content.decode()
    assert built == [60] and csv.count("Estate service") == 60 * 4
    # The SQL order is the order the whole table sorted in Python would have, figures identical.
    monkeypatch.undo()
    scope = selectors.Scope(start=at(1, 0), end=at(31, 0), group="service")
    everything = sorted(selectors.dora_table(scope), key=views.WORST["dora"])
    assert selectors.dora_ranked(scope)[0:60] == everything
