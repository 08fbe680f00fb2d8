"""The office's progress board: units × content areas, refreshed by polling with ETags."""
import hashlib

from flask import Blueprint, abort, jsonify, make_response, render_template, request, url_for
from flask_login import current_user

from . import clock, live, scoring
from .access import READERS, current_campaign, roles_required
from .filing import filings
from .htmx import render, varies, wants_fragment
from .models import UNIT_KINDS, Campaign, Comment, Event, Nomination, Registration, Report, Unit, UnitTotal
from .progress import LAG_LABELS, SERIOUS_POINTS, SORTS, daily_done, kept_progress, pace_chart, scorecard, sort_rows

bp = Blueprint("board", __name__)


def board_context(campaign, kind: str | None, sort: str = "gap", descending: bool = True):
    """The board, its rows in the order asked for (furthest behind today's pace first by default)."""
    areas = campaign.areas_with_tasks()
    units = [u for u in campaign.units() if not kind or u.kind == kind]
    share = clock.expected_share(campaign.starts_on, campaign.ends_on)
    ctx = dict(campaign=campaign, areas=areas, kind=kind, share=share, expected=round(100 * share),
               serious_points=SERIOUS_POINTS, sort=sort, descending=descending,
               last_activity=Event.last_activity(campaign), filings=filings(campaign))
    rows = sort_rows(kept_progress(campaign, areas, units), sort, descending, share, ctx["filings"],
                     ctx["last_activity"])
    return dict(ctx, rows=rows, chart=chart_of(campaign, rows), **totals(rows, share),
                scores=scoring.scores(campaign, units, areas), registrations=Registration.states_of(campaign))


def office_todo(campaign) -> list[tuple[str, int, str]]:
    """The office's "việc cần làm" above its board: (what, how many, where to do it), three counts."""
    return [
        ("reports", Report.select().where(Report.campaign == campaign, Report.state == "submitted").count(),
         url_for("reports.index")),
        ("comments", Comment.select().join(Nomination).where(Nomination.campaign == campaign,
                                                             Comment.answer == "").count(),
         url_for("review.index", _anchor="nominations")),
        ("proposals", Nomination.select().where(Nomination.campaign == campaign,
                                                Nomination.state == "proposed").count(),
         url_for("review.index", _anchor="send")),
    ]


def chart_of(campaign, rows):
    return pace_chart(campaign, daily_done(campaign, rows), sum(r.overall.total for r in rows))


def totals(rows, share) -> dict:
    """The summary line: the commune's percent done and how many units lag, at each level."""
    done = sum(r.overall.done for r in rows)
    total = sum(r.overall.total for r in rows)
    lags = [r.lag(share) for r in rows]
    return dict(overall=round(100 * done / total) if total else 0, lagging=sum(map(bool, lags)),
                serious=lags.count("serious"))


def board_version(campaign) -> tuple:
    """What a campaign's board shows changes only with an event of that campaign (a tick, a report, a change to
    its areas and tasks), a change to the units, or the day (the expected pace): a few steps down the log's
    indexes. Another campaign's tick or a wrong password leaves the fallback poll's ETag as it was."""
    return (Event.last_id(Event.campaign == campaign), Event.last_id(Event.kind == "unit.create"),
            Event.last_id(Event.kind == "unit.update"), campaign.id, campaign.revision, clock.today())


def _kind_arg():
    kind = request.args.get("kind") or None
    return kind if kind in UNIT_KINDS else None


def _sort_args(campaign) -> tuple[str, bool]:
    """The column the board is sorted by and whether downward; anything unknown falls back to the default."""
    sort = request.args.get("sort", "gap")
    if sort not in SORTS and sort not in {f"area-{a.id}" for a in campaign.areas_with_tasks()}:
        sort = "gap"
    return sort, request.args.get("dir", "desc" if sort == "gap" else "asc") == "desc"


@bp.get("/board")
@roles_required(*READERS)
def page():
    campaign = current_campaign()
    kind = _kind_arg()
    sort, descending = _sort_args(campaign)
    tag = hashlib.sha256(
        f"{board_version(campaign)}|{kind}|{sort}|{descending}|{wants_fragment()}|{current_user.id}".encode()
    ).hexdigest()[:20]
    if request.if_none_match.contains_weak(tag):
        response = varies(make_response("", 304))
    else:
        cursor = Event.settled_id()  # read before the board, so a live stream from here misses nothing
        todo = office_todo(campaign) if current_user.role == "office" and not wants_fragment() else []
        response = render("board/page.html", "board/_board.html", cursor=cursor, todo=todo,
                          **board_context(campaign, kind, sort, descending))
    response.set_etag(tag, weak=True)  # weak: the same board whichever compression carries it
    response.cache_control.no_cache = True
    response.cache_control.private = True
    return response


@bp.get("/board/events")
@roles_required(*READERS)
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
                # Ticks alone leave the structure as it was: the totals as kept. Anything else (a unit's kind
                # changed), or a unit with no totals yet, and they are counted again first if need be.
                kept = live.hub().totals(fresh[-1].id, set(units))
                if any(e.kind != "check.set" for e in touched) or any(
                        (unit_id, area.id) not in kept for unit_id in units for area in ctx["areas"]):
                    kept = UnitTotal.of([campaign])
                for row in kept_progress(campaign, ctx["areas"], list(units.values()), kept):
                    rows[index[row.unit.id]] = row
                ctx["last_activity"].update({e.unit_id: e.at for e in touched if e.campaign_id == campaign.id})
                if any(e.kind.startswith(("report.", "nomination.")) for e in touched):
                    ctx["filings"] = filings(campaign)
                if any(e.kind.startswith("registration.") for e in touched):
                    ctx["registrations"] = Registration.states_of(campaign)
                if ctx["scores"]:  # a tick moves ranks: every unit of the board is scored again
                    ctx["scores"] = scoring.scores(campaign, [r.unit for r in rows], ctx["areas"])
                ctx.update(totals(rows, ctx["share"]))
            shown = [e for e in batch if e.unit_id in index]
            html = {e.unit_id: render_template("board/_live.html", row=rows[index[e.unit_id]], **ctx) for e in shown}
            return [live.message(e.id, "change", html[e.unit_id]) for e in shown]

        return render

    return live.stream(live.cursor(), build, key=("board", campaign.id, campaign.revision, kind))


@bp.get("/board/units/<int:unit_id>")
@roles_required(*READERS)
def unit(unit_id):
    campaign = current_campaign()
    unit = Unit.get_or_none(Unit.id == unit_id)
    if unit is None or not unit.path.startswith(campaign.unit.path):
        abort(404)
    ctx = scorecard(unit, campaign, readonly=True)
    return render_template("checklist/page.html", chart=chart_of(campaign, [ctx["score"]]), **ctx)


@bp.get("/api/progress")
@roles_required(*READERS)
def api_progress():
    if current_user.role == "province" and "xa" not in request.args:
        return jsonify(communes=communes_progress(current_user.unit))
    campaign = current_campaign()
    areas = campaign.areas_with_tasks()
    units = []
    scores = scoring.scores(campaign, campaign.units(), areas)
    for row in kept_progress(campaign, areas, campaign.units()):
        units.append({**scoring.as_json(scores.get(row.unit.id)),
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


def communes_progress(province) -> list[dict]:
    """Each commune of the province with its current campaign's ticks done out of those due, from the totals its
    board reads (a commune with no campaign running or ended counts 0 of 0)."""
    found = []
    for commune in Unit.communes(province):
        campaign = Campaign.current(commune) or Campaign.last_ended(commune)
        rows = kept_progress(campaign, campaign.areas_with_tasks(), campaign.units()) if campaign else []
        done, total = sum(r.overall.done for r in rows), sum(r.overall.total for r in rows)
        found.append({"id": commune.id, "code": commune.code, "name": commune.name, "done": done, "total": total,
                      "percent": round(100 * done / total) if total else 0})
    return found


def init_app(app):
    app.register_blueprint(bp)
    app.jinja_env.globals.update(LAG_LABELS=LAG_LABELS)
