"""The one place that reads HX-* headers and chooses between a page and a fragment."""
import flask
from flask import make_response, render_template
from htmx_flask import Htmx, request
from htmx_flask import make_response as hx_response

extension = Htmx()


def wants_fragment() -> bool:
    # A history restore needs the whole page even though htmx sent the request.
    return bool(request.htmx) and not request.htmx.history_restore_request


def varies(response):
    """Marks a response that differs with and without htmx, so no cache serves one for the other."""
    response.vary.add("HX-Request")
    return response


def render(page: str, fragment: str, status: int = 200, **context):
    """Renders the page, or only its fragment for htmx, from the same context."""
    return varies(make_response(render_template(fragment if wants_fragment() else page, **context), status))


def redirect(target: str, htmx_status: int = 200):
    """Sends the browser to `target`. htmx would follow a plain redirect and swap the whole next page into the
    element that asked, so it is told to navigate instead (HX-Redirect), with `htmx_status`."""
    if request.htmx:
        return hx_response("", htmx_status, redirect=target)
    return flask.redirect(target, 303)


def in_flash(html: str, status: int):
    """An answer for htmx shown in the page's message area rather than in place of the element that asked."""
    return hx_response(html, status, retarget="#flash", reswap="innerHTML")


def init_app(app) -> None:
    extension.init_app(app)
