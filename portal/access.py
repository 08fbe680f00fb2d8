"""Who may open which page, where each role lands, and which campaign every page shows."""
from functools import wraps

from flask import abort, url_for
from flask_login import current_user, login_required

from .guards import ended, frozen, refuse
from .models import WATCHERS, Campaign, Publication, Unit

__all__ = ["WATCHERS", "current_campaign", "landing_url", "own_task", "roles_required"]


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
            "leader": "public.decision", "supervisor": "review.index",
            "province": "province.page"}


def landing_url(user) -> str:
    """Each role's work: the unit its tasks, the council the proposals to vote on, the leader the decision
    to approve (or the proposals while there is none), MTTQ what it may comment on, the office the board."""
    if user.role == "leader" and not Publication.select().where(Publication.campaign == Campaign.current()).exists():
        return url_for("review.index")  # nothing to approve yet: the decision page would only send it back
    return url_for(LANDINGS[user.role])


def current_campaign() -> Campaign:
    """The active campaign; while none is, the one that ended last, which every page then shows read-only."""
    campaign = Campaign.current() or (Campaign.select().where(Campaign.status.in_(("closed", "archived")))
                                      .order_by(Campaign.ends_on.desc(), Campaign.id.desc()).first())
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
