"""WSGI entry point (gunicorn bimodal.config.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bimodal.config.settings")
application = get_wsgi_application()
