"""The one place that reads HX-* headers and chooses between a page and a fragment."""
from flask import make_response, render_template
from htmx_flask import Htmx, request

extension = Htmx()


def wants_fragment() -> bool:
    # A history restore needs the whole page even though htmx sent the request.
    return bool(request.htmx) and not request.htmx.history_restore_request


def render(page: str, fragment: str, status: int = 200, **context):
    """Renders the page, or only its fragment for htmx, from the same context."""
    response = make_response(render_template(fragment if wants_fragment() else page, **context), status)
    response.vary.add("HX-Request")
    return response


def init_app(app) -> None:
    extension.init_app(app)
