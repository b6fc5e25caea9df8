import pytest

from bimodal.knowledge.tests.factories import kb_world


@pytest.fixture
def w(make_user):
    return kb_world(make_user)
