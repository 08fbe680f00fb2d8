"""Cổng thi đua: a commune's emulation campaigns, checklist by checklist."""
from pathlib import Path

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from . import compress, config, db, htmx, security
from .forms import MAX_INT

csrf = CSRFProtect()
ROOT = Path(__file__).resolve().parent.parent


class IdConverter(IntegerConverter):
    """Every `<int:…>` in a URL is a row id: one beyond the database's INTEGER names nothing (404),
    where the query would fail (500)."""

    def __init__(self, url_map, **kwargs):
        super().__init__(url_map, **{"max": MAX_INT, **kwargs})


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True, template_folder=str(ROOT / "templates"), static_folder=None)
    app.url_map.converters["int"] = IdConverter
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(config.from_environment(Path(app.instance_path)))
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = config.secret_key(Path(app.instance_path))

    if app.config["PROXY_FIX"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    db.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    compress.init_app(app)
    security.init_app(app)

    from . import (access, accounts, assets, auth, board, campaigns, checklist, audit, cli, confirm, evidence,
                   exports, lookup, meetings, nominations, offline, pages, points, province, public, registration,
                   reminders, reports, review, sms, structure, units)

    for part in (access, assets, auth, pages, checklist, board, evidence, reminders, audit, cli, campaigns, structure,
                 units, accounts, reports, nominations, review, public, exports, sms, meetings, lookup, registration,
                 points, confirm, offline, province):
        part.init_app(app)
    return app
