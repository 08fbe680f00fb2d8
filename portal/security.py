"""Defences that apply to every response and request: security headers and the request rate limiter."""
from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

# Storage from RATELIMIT_STORAGE_URI: in memory by default, Redis in production (PORTAL_RATELIMIT_STORAGE_URL).
# Each view names its own limit (the login form, the public opinion form); nothing is limited by default.
limiter = Limiter(key_func=get_remote_address, default_limits=[])

# No inline script or style and no eval: htmx is configured not to need them (base.html, app.css).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
# Pages that list people with their phone numbers, and every file the office exports: no copy is kept by
# the browser (a shared office computer) or by a proxy on the way.
PRIVATE_BLUEPRINTS = {"units", "reminders", "exports"}
PRIVATE_PAGES = {"checklist.page", "audit.export_csv", "audit.export_xlsx"}


def _headers(response):
    """On every response, files sent with send_file (evidence, attachments, exports) and error pages included."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)  # a stricter one set by the view (evidence files) is kept
    if request.blueprint in PRIVATE_BLUEPRINTS or request.endpoint in PRIVATE_PAGES:
        response.cache_control.private = True
        response.cache_control.no_store = True
    return response


def init_app(app):
    limiter.init_app(app)
    app.after_request(_headers)
