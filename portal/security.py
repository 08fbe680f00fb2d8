"""Defences that apply to every response and request: security headers and the request rate limiter."""
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


def _headers(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)  # a stricter one set by the view (evidence files) is kept
    return response


def init_app(app):
    limiter.init_app(app)
    app.after_request(_headers)
