"""The office's progress board: units × content areas, refreshed by polling with ETags."""
import hashlib

from flask import Blueprint, abort, jsonify, make_response, render_template, request
from flask_login import current_user

from . import clock, live
from .auth import WATCHERS, roles_required
from .checklist import checklist_context, current_campaign
from .htmx import render, wants_fragment
from .models import UNIT_KINDS, Event, Unit
from .progress import progress
from .reports import filings

bp = Blueprint("board", __name__)


def board_context(campaign, kind: str | None):
    areas = campaign.areas_with_tasks()
    units = [u for u in campaign.units() if not kind or u.kind == kind]
    rows = progress(areas, units)
    expected = round(100 * clock.expected_share(campaign.starts_on, campaign.ends_on))
    return dict(campaign=campaign, areas=areas, rows=rows, kind=kind, expected=expected,
                last_activity=Event.last_activity(campaign), filings=filings(campaign), **totals(rows, expected))


def totals(rows, expected) -> dict:
    """The summary line: the commune's percent done and how many units lag."""
    done = sum(r.overall.done for r in rows)
    total = sum(r.overall.total for r in rows)
    return dict(overall=round(100 * done / total) if total else 0, lagging=sum(r.lagging(expected) for r in rows))


def _kind_arg():
    kind = request.args.get("kind") or None
    return kind if kind in UNIT_KINDS else None


@bp.get("/board")
@roles_required(*WATCHERS)
def page():
    campaign = current_campaign()
    kind = _kind_arg()
    cursor = Event.last_id()  # read before the board, so a live stream from here misses nothing
    # The board changes only when the log grows or the day turns; checking that costs one indexed query.
    tag = hashlib.sha256(
        f"{cursor}|{clock.today()}|{campaign.id}|{kind}|{wants_fragment()}|{current_user.id}".encode()
    ).hexdigest()[:20]
    if request.if_none_match.contains_weak(tag):
        response = make_response("", 304)
        response.vary.add("HX-Request")
    else:
        response = render("board/page.html", "board/_board.html", cursor=cursor, **board_context(campaign, kind))
    response.set_etag(tag, weak=True)  # weak: the same board whichever compression carries it
    response.cache_control.no_cache = True
    response.cache_control.private = True
    return response


@bp.get("/board/events")
@roles_required(*WATCHERS)
def events():
    """Live board: each event re-renders the row of the unit it touched, and the totals.

    The boards of one campaign and filter share one view per worker: it reads the whole board once, then
    re-scores only the units each batch touched, and draws the batch once for all of them. Reading the whole
    board again for every batch cost each open stream ~50 ms per batch for 300 units."""
    campaign, kind = current_campaign(), _kind_arg()

    def build():
        ctx = board_context(campaign, kind)
        rows = ctx["rows"]
        index = {row.unit.id: i for i, row in enumerate(rows)}

        def render(batch, fresh):
            touched = [e for e in fresh if e.unit_id in index]
            if touched:
                units = {e.unit_id: rows[index[e.unit_id]].unit for e in touched}
                for row in progress(ctx["areas"], list(units.values())):
                    rows[index[row.unit.id]] = row
                ctx["last_activity"].update({e.unit_id: e.at for e in touched if e.campaign_id == campaign.id})
                if any(e.kind.startswith(("report.", "nomination.")) for e in touched):
                    ctx["filings"] = filings(campaign)
                ctx.update(totals(rows, ctx["expected"]))
            shown = [e for e in batch if e.unit_id in index]
            html = {e.unit_id: render_template("board/_live.html", row=rows[index[e.unit_id]], **ctx) for e in shown}
            return [live.message(e.id, "change", html[e.unit_id]) for e in shown]

        return render

    return live.stream(live.cursor(), build, key=("board", campaign.id, campaign.revision, kind))


@bp.get("/board/units/<int:unit_id>")
@roles_required(*WATCHERS)
def unit(unit_id):
    campaign = current_campaign()
    unit = Unit.get_or_none(Unit.id == unit_id)
    if unit is None or not unit.path.startswith(campaign.unit.path):
        abort(404)
    return render_template("checklist/page.html", **checklist_context(unit, campaign, readonly=True))


@bp.get("/api/progress")
@roles_required(*WATCHERS)
def api_progress():
    campaign = current_campaign()
    areas = campaign.areas_with_tasks()
    units = []
    for row in progress(areas, campaign.units()):
        units.append({
            "id": row.unit.id, "code": row.unit.code, "name": row.unit.name, "kind": row.unit.kind,
            "done": row.overall.done, "total": row.overall.total, "percent": row.overall.percent,
            "areas": [{"id": a.id, "title": a.title, "done": row.areas[a.id].done, "total": row.areas[a.id].total,
                       "percent": row.areas[a.id].percent} for a in areas],
        })
    return jsonify(campaign={
        "id": campaign.id, "title": campaign.title, "theme": campaign.theme,
        "starts_on": campaign.starts_on.isoformat(), "ends_on": campaign.ends_on.isoformat(),
        "report_due_on": campaign.report_due_on.isoformat(),
    }, units=units)


def init_app(app):
    app.register_blueprint(bp)
