"""Entry point for gunicorn: `gunicorn -c gunicorn.conf.py wsgi:app`."""
from portal import create_app

app = create_app()
