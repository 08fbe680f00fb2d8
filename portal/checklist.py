"""A unit's checklist: its tasks by content area, ticked one by one."""
from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange

from . import live, outbox
from .access import current_campaign, own_task, roles_required
from .forms import MAX_INT, Form
from .htmx import render, wants_fragment
from .models import STATES, Check, Event, Evidence, Stale, set_check
from .progress import scorecard
from .text import clean

bp = Blueprint("checklist", __name__)


class CheckForm(Form):
    class Meta:
        # The row posts the session's token, which CSRFProtect checks before every POST (a tick without it is
        # refused there); a token field of the form's own would draw and check it a second time on every tick.
        csrf = False

    state = StringField("Trạng thái", [InputRequired("Chọn một trạng thái."),
                                       AnyOf(list(STATES), "Trạng thái không hợp lệ.")])
    note = TextAreaField("Ghi chú", [Length(max=2000, message="Ghi chú tối đa 2000 ký tự.")],
                         filters=[clean])
    version = IntegerField("Phiên bản", [InputRequired("Thiếu phiên bản; hãy tải lại trang."), NumberRange(min=0, max=MAX_INT)])


@bp.get("/checklist")
@roles_required("unit")
@outbox.revalidated
def page():
    cursor = Event.settled_id()  # read before the checklist, so the live stream from here misses nothing
    return render_template("checklist/page.html", cursor=cursor,
                           **scorecard(current_user.unit, current_campaign()))


@bp.get("/checklist/events")
@roles_required("unit")
def events():
    """Live checklist: a tick or a photo from another phone of the same unit (or sent by this phone's service
    worker) shows here too."""
    unit, campaign, session = current_user.unit, current_campaign(), current_user.session_id

    def build():
        # This browser's own changes made while the stream is open are not sent back: their answers carried the
        # row (on 2G, a second copy of each row; drawing it was a sixth of a busy worker's time, bench/province.py)
        # or the outbox sends them again. Those from before, whose answer a reload may have lost, are (one
        # committed as the stream opens may come twice: harmless, where missing it would not be).
        opened = Event.last_id()

        def render(batch, fresh):  # drawn for this phone alone: its rows carry the session's CSRF token
            mine = [e for e in batch if e.kind in LIVE_KINDS and not (e.session == session and e.id > opened)]
            if not mine:
                return []
            ctx = scorecard(unit, campaign, page=False)
            tasks = {t.id: t for area in ctx["areas"] for t in area.task_list}
            if any(e.kind != "check.set" for e in mine):
                ctx["evidence"] = Evidence.for_unit(unit, tasks.values())
            messages = []
            for e in mine:
                task = tasks.get(int(e.subject.removeprefix("task:")))
                if task:
                    html = render_template(LIVE_KINDS[e.kind], task=task, live=True, **ctx)
                    messages.append(live.message(e.id, "change", html))
            return messages
        return render

    return live.stream(live.cursor(), build, unit_id=unit.id)


# What a change on another phone redraws: the row and the totals for a tick, the task's evidence for a photo.
LIVE_KINDS = {"check.set": "checklist/_tick.html", "evidence.add": "evidence/_live.html",
              "evidence.remove": "evidence/_live.html"}


@bp.post("/checks/<int:unit_id>/<int:task_id>")
@roles_required("unit")
def set_state(unit_id, task_id):
    unit, task, campaign = own_task(unit_id, task_id)

    form = CheckForm()
    if not form.validate_on_submit():
        return _row(unit, task, campaign, 400, form.error_line(), form.note.data)
    with outbox.once(unit, "check") as claim:  # a resend from the phone's outbox answers with the saved row
        if claim:
            set_check(unit, task, form.state.data, form.note.data or "", form.version.data, current_user, campaign)
    if not wants_fragment():
        return redirect(url_for("checklist.page", _anchor=f"task-{task.id}"), 303)
    return _row(unit, task, campaign, 200)


@bp.errorhandler(Stale)
def stale(_):
    """A tick from an older copy of the row: the row as saved now, and the note the user typed."""
    unit, task, campaign = own_task(request.view_args["unit_id"], request.view_args["task_id"])
    check = Check.of(unit, task)
    by = check.updated_by
    who = (by.full_name or by.username) if by else "người khác"
    message = (f"Việc này vừa được {who} cập nhật thành “{STATES[check.state]}”. "
               "Trang đã hiện trạng thái mới nhất; ghi chú bạn nhập vẫn còn, hãy chọn lại nếu cần.")
    return _row(unit, task, campaign, 409, message, CheckForm().note.data)


def _row(unit, task, campaign, status, message=None, draft=None):
    """The answer to a tick: with htmx the row and the totals, else the whole checklist."""
    ctx = dict(scorecard(unit, campaign, page=not wants_fragment()), messages={task.id: message} if message else {},
               drafts={task.id: draft} if status != 200 else {})
    return render("checklist/page.html", "checklist/_tick.html", status, task=task, **ctx)


def init_app(app):
    app.register_blueprint(bp)
