"""Rule: bad input is a 4xx naming what is wrong, never a 5xx (the findings of issue 18)."""

import pytest

from bimodal.core.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CASES = [
    ("get", "/api/portfolio/services/?service=a%00b", None),
    ("get", "/api/changes/?service=a%00b", None),
    ("get", "/api/portfolio/services/?limit=99999999999999999999", None),
    ("get", "/api/changes/?limit=99999999999999999999", None),
    ("get", "/api/changes/?offset=99999999999999999999", None),
    ("get", "/api/gate/abc/", None),
    ("post", "/api/deployments/abc/result/", {}),
    ("trace", "/api/delivery/contention/", None),
    ("delete", "/api/delivery/contention/", None),
    ("post", "/api/people/requirements/", {}),
    ("patch", "/api/governance/decision-rights/1/", {}),
]


@pytest.mark.parametrize(("method", "url", "data"), CASES)
def test_case(client, method, url, data):
    admin = UserFactory(is_superuser=True)
    client.force_login(admin)
    kwargs = {"content_type": "application/json", "data": data} if data is not None else {}
    response = getattr(client, method)(url, **kwargs)
    print(method, url, response.status_code, response.content[:300])
    assert response.status_code < 500
