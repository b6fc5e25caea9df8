"""The production WSGI entry point warms a worker up before its first request."""

import gc

from django.urls import get_resolver


def test_warm_up_imports_the_views_and_freezes_start_up_objects():
    from bimodal.config import wsgi

    gc.unfreeze()
    try:
        wsgi.warm_up()
        assert gc.get_freeze_count() > 10_000
        assert get_resolver().url_patterns
    finally:
        gc.unfreeze()
