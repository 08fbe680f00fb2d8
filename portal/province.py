"""The province's board (/tinh): one row per commune, rolled up from the totals each tick keeps, live; each commune
opens its own board. Read-only: the province role changes no commune's data."""
import hashlib

from flask import Blueprint, make_response, render_template, request
from flask_login import current_user

from . import clock, live
from .access import roles_required
from .htmx import render, wants_fragment
from .models import Event, TotalsStamp, Unit
from .progress import campaigns_of, rollup

bp = Blueprint("province", __name__)


def province_of(user) -> Unit:
    """The province a province account reads: its own unit, else the top of the tree."""
    return user.unit or Unit.root()


def board_context(communes) -> dict:
    rows = rollup(communes)
    return dict(rows=rows, **summary(rows))


def summary(rows) -> dict:
    """The line above the table: the province's percent done and how many communes have units behind."""
    done = sum(r.overall.done for r in rows)
    total = sum(r.overall.total for r in rows)
    return dict(overall=round(100 * done / total) if total else 0, units=sum(r.units for r in rows),
                lagging=sum(r.lagging for r in rows), running=sum(1 for r in rows if r.campaign))


def board_version(communes) -> tuple:
    """What the province board shows changes only with an event of one of its communes' campaigns, a change to
    the units, a campaign started or changed, or the day (the pace)."""
    campaigns = campaigns_of(communes)
    ids = sorted(c.id for c in campaigns.values())
    return (Event.last_id(Event.campaign.in_(ids)) if ids else 0, TotalsStamp.units_mark(),
            [(c.id, c.revision) for c in campaigns.values()], clock.today())


@bp.get("/tinh")
@roles_required("province")
def page():
    communes = Unit.communes(province_of(current_user))
    tag = hashlib.sha256(f"{board_version(communes)}|{wants_fragment()}|{current_user.id}".encode()).hexdigest()[:20]
    if request.if_none_match.contains_weak(tag):
        response = make_response("", 304)
        response.vary.add("HX-Request")
    else:
        cursor = Event.settled_id()  # read before the board, so a live stream from here misses nothing
        response = render("province/page.html", "province/_board.html", cursor=cursor, **board_context(communes))
    response.set_etag(tag, weak=True)
    response.cache_control.no_cache = True
    response.cache_control.private = True
    return response


@bp.get("/tinh/events")
@roles_required("province")
def events():
    """Live province board: a batch re-reads the totals of the communes it touched only, and draws each of their
    rows once for every board of this province in the worker."""
    province = province_of(current_user)

    def build():
        ctx = board_context(Unit.communes(province))
        rows = ctx["rows"]
        index = {row.campaign.id: i for i, row in enumerate(rows) if row.campaign}

        def draw(batch, fresh):
            touched = sorted({index[e.campaign_id] for e in fresh if e.campaign_id in index})
            if touched:
                for i, row in zip(touched, rollup([rows[i].commune for i in touched])):
                    rows[i] = row
                ctx.update(summary(rows))
            last = {}  # row index -> the newest event of the batch that concerns it
            for e in batch:
                if e.campaign_id in index:
                    last[index[e.campaign_id]] = e.id
            return [live.message(event_id, "change", render_template("province/_live.html", row=rows[i], **ctx))
                    for i, event_id in sorted(last.items(), key=lambda item: item[1])]

        return draw

    return live.stream(live.cursor(), build, key=("province", province.id))


def init_app(app):
    app.register_blueprint(bp)
