"""Who may open what, where each role lands, and which commune and campaign every page shows."""
from functools import wraps

from flask import abort, has_request_context, request, url_for
from flask_login import current_user, login_required

from .guards import ended, frozen, refuse
from .models import READERS, WATCHERS, Campaign, Publication, Unit

__all__ = ["READERS", "WATCHERS", "commune_campaign", "commune_unit", "current_campaign", "current_commune",
           "landing_url", "own_task", "roles_required"]


def roles_required(*roles):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


LANDINGS = {"unit": "checklist.page", "office": "board.page", "council": "review.index",
            "leader": "public.decision", "supervisor": "review.index", "province": "province.page"}


def landing_url(user) -> str:
    """Each role's work: the unit its tasks, the council the proposals to vote on, the leader the decision
    to approve (or the proposals while there is none), MTTQ what it may comment on, the office the board,
    the province its communes and campaigns."""
    if user.role == "leader":
        campaign = Campaign.current(_commune_of(user))
        if not Publication.select().where(Publication.campaign == campaign).exists():
            return url_for("review.index")  # nothing to approve yet: the decision page would only send it back
    return url_for(LANDINGS[user.role])


def current_commune() -> Unit:
    """The commune the current page is about: the user's own, or for a province user the commune of its
    province named by `?xa=<code>` (404 for any other)."""
    # Kept in the request's environ, not in g: g lives as long as the app context, which a test (or a CLI command
    # making requests) may hold across requests of different users.
    if "portal.commune" not in request.environ:
        request.environ["portal.commune"] = _commune_of(current_user)
    return request.environ["portal.commune"]


def _commune_of(user) -> Unit:
    if user.role == "province":
        code = request.args.get("xa", "")
        commune = Unit.get_or_none(Unit.code == code, Unit.kind == "commune") if code else None
        if commune is None or not user.unit.contains(commune):
            abort(404)
        return commune
    if user.unit is None:
        # A single-commune install whose first account was made before its commune (README: production).
        root = Unit.root()
        if root is None or root.kind != "commune":
            abort(404)
        return root
    commune = user.unit.commune()
    if commune is None:
        abort(404)
    return commune


def commune_unit(unit_id: int) -> Unit:
    """The unit `unit_id` when it belongs to the current commune; 404 for another commune's, as for none."""
    unit = Unit.get_or_none(Unit.id == unit_id)
    if unit is None or not current_commune().contains(unit):
        abort(404)
    return unit


def commune_campaign(campaign_id: int) -> Campaign:
    """The campaign `campaign_id` when it is the current commune's; 404 for another commune's, as for none."""
    campaign = Campaign.get_or_none(Campaign.id == campaign_id, Campaign.unit == current_commune())
    if campaign is None:
        abort(404)
    return campaign


def current_campaign() -> Campaign:
    """The current commune's active campaign; while none is, the one that ended last, which every page then shows
    read-only."""
    commune = current_commune()
    campaign = Campaign.current(commune) or Campaign.last_ended(commune)
    if campaign is None:
        abort(404)
    return campaign


def own_task(unit_id: int, task_id: int):
    """(unit, task, campaign) when the task is the current user's unit's to act on; 403 or 404 otherwise, and 409
    once the campaign has ended (ticks and evidence alike)."""
    if unit_id != current_user.unit_id:
        abort(403)
    campaign = current_campaign()
    task = campaign.task(task_id)
    if task is None:
        abort(404)
    if not task.applies_to(current_user.unit):
        abort(403)
    refuse(ended(campaign))
    return current_user.unit, task, campaign


def unit_in(campaign: Campaign, unit_id: int) -> Unit:
    """A unit of the campaign's tree (not the commune itself) that the office and watchers look at; 404 otherwise."""
    unit = Unit.get_or_none(Unit.id == unit_id)
    if unit is None or unit.id == campaign.unit_id or not unit.path.startswith(campaign.unit.path):
        abort(404)
    return unit


def changing_unit(unit_id: int) -> tuple:
    """(campaign, unit): the current campaign, while it takes changes (409 once frozen), and its unit `unit_id`."""
    campaign = current_campaign()
    refuse(frozen(campaign))
    return campaign, unit_in(campaign, unit_id)


def init_app(app):
    @app.url_defaults
    def _stay_in_commune(endpoint, values):
        """A province user reads a commune by `?xa=`: every link of that page stays in that commune."""
        xa = request.args.get("xa") if has_request_context() else None
        if (xa and endpoint != "static" and "xa" not in values and current_user.is_authenticated
                and current_user.role == "province"):
            values["xa"] = xa
