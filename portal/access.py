"""Who may open which page, where each role lands, and which campaign every page shows."""
from functools import wraps

from flask import abort, url_for
from flask_login import current_user, login_required

from .guards import ended, refuse
from .models import WATCHERS, Campaign

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


def landing_url(user) -> str:
    return url_for("checklist.page") if user.role == "unit" else url_for("board.page")


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
