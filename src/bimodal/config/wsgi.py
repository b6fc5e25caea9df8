"""WSGI entry point (gunicorn bimodal.config.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bimodal.config.settings")
application = get_wsgi_application()


def warm_up() -> None:
    """Import every view now rather than on a worker's first request, then move everything loaded so far
    out of the garbage collector's reach (gc.freeze): a full collection then no longer walks Django's
    hundreds of thousands of long-lived objects, which took a request's tail latency from ~25 to
    ~120 ms under load (benchmarks/README.md, the gate load test)."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - resolving the patterns imports the view modules
    gc.collect()
    gc.freeze()


warm_up()
