"""A unit's checklist: its tasks by content area, ticked one by one."""
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange

from . import clock, live
from .auth import roles_required
from .forms import MAX_INT, Form
from .guards import ended, refuse
from .htmx import render, wants_fragment
from .models import STATES, Campaign, Check, Event, Evidence, Report, Stale, Unit, set_check
from .progress import score
from .text import clean

bp = Blueprint("checklist", __name__)
FINISHED = ("done", "na")  # folded away under "Đã xong": nothing left to do on them
DEADLINE_WARNING_DAYS = 3  # the sơ kết's deadline shows as a banner this many days ahead


class CheckForm(Form):
    state = StringField("Trạng thái", [InputRequired("Chọn một trạng thái."),
                                       AnyOf(list(STATES), "Trạng thái không hợp lệ.")])
    note = TextAreaField("Ghi chú", [Length(max=2000, message="Ghi chú tối đa 2000 ký tự.")],
                         filters=[clean])
    version = IntegerField("Phiên bản", [InputRequired("Thiếu phiên bản; hãy tải lại trang."), NumberRange(min=0, max=MAX_INT)])


def checklist_context(unit: Unit, campaign: Campaign, readonly=False, messages=None, drafts=None, only=None):
    """Everything the checklist page and its fragments render from.

    `only` (a check just saved) is all a tick's response shows of the rows; the scores still
    count every task, from the unit's states alone. Once the campaign has `ended` the rows offer no form and the
    unit reads why."""
    areas = campaign.areas_with_tasks()
    for area in areas:
        area.task_list = [t for t in area.task_list if t.applies_to(unit)]
    areas = [a for a in areas if a.task_list]
    if only is None:
        tasks = [t for a in areas for t in a.task_list]
        checks, evidence = Check.for_unit(unit, tasks), Evidence.for_unit(unit, tasks)
        states = {task_id: check.state for task_id, check in checks.items()}
    else:
        checks, evidence, states = {only.task_id: only}, {}, Check.states_of(unit)
    closed = ended(campaign)
    numbers = {t.id: n for n, t in enumerate((t for a in areas for t in a.task_list), 1)}
    return dict(unit=unit, campaign=campaign, areas=areas, checks=checks, numbers=numbers,
                finished={task_id for task_id, state in states.items() if state in FINISHED},
                banners=[] if readonly or closed or only is not None else banners(unit, campaign),
                score=score(areas, unit, {(unit.id, task_id): state for task_id, state in states.items()}),
                readonly=readonly or bool(closed), ended=closed, evidence=evidence, messages=messages or {},
                drafts=drafts or {})


def banners(unit: Unit, campaign: Campaign) -> list[tuple[str, str]]:
    """What the unit must not miss, above its tasks: its sơ kết returned by the office (with the office's comment),
    and the sơ kết's deadline within a few days while it is not filed."""
    report = Report.get_or_none(Report.campaign == campaign, Report.unit == unit)
    shown = []
    if report and report.state == "returned":
        comment = f" Ý kiến của văn phòng: “{report.office_comment}”" if report.office_comment else ""
        shown.append(("returned", "Báo cáo sơ kết bị trả lại để bổ sung." + comment))
    days = (campaign.report_due_on - clock.today()).days
    if 0 <= days <= DEADLINE_WARNING_DAYS and (report is None or report.state in ("draft", "returned")):
        shown.append(("due", f"Hạn gửi sơ kết là 23:59 ngày {campaign.report_due_on:%d/%m/%Y} "
                             f"({clock.days_left(campaign.report_due_on)}): báo cáo chưa được gửi."))
    return shown


def current_campaign() -> Campaign:
    """The active campaign; while none is, the one that ended last, which every page then shows read-only."""
    campaign = Campaign.current() or (Campaign.select().where(Campaign.status.in_(("closed", "archived")))
                                      .order_by(Campaign.ends_on.desc(), Campaign.id.desc()).first())
    if campaign is None:
        abort(404)
    return campaign


@bp.get("/checklist")
@roles_required("unit")
def page():
    cursor = Event.last_id()  # read before the checklist, so the live stream from here misses nothing
    return render_template("checklist/page.html", cursor=cursor,
                           **checklist_context(current_user.unit, current_campaign()))


@bp.get("/checklist/events")
@roles_required("unit")
def events():
    """Live checklist: a tick made on another phone of the same unit shows here too."""
    unit, campaign = current_user.unit, current_campaign()

    def render(batch, fresh):  # drawn for this phone alone: its rows carry the session's CSRF token
        mine = [e for e in batch if e.kind == "check.set"]
        if not mine:
            return []
        ctx = checklist_context(unit, campaign)
        tasks = {t.id: t for area in ctx["areas"] for t in area.task_list}
        messages = []
        for e in mine:
            task = tasks.get(int(e.subject.removeprefix("task:")))
            if task:
                html = render_template("checklist/_tick.html", task=task, live=True, **ctx)
                messages.append(live.message(e.id, "change", html))
        return messages

    return live.stream(live.cursor(), lambda: render, unit_id=unit.id)


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


@bp.post("/checks/<int:unit_id>/<int:task_id>")
@roles_required("unit")
def set_state(unit_id, task_id):
    unit, task, campaign = own_task(unit_id, task_id)

    form = CheckForm()
    if not form.validate_on_submit():
        message = " ".join(e for errors in form.errors.values() for e in errors)
        return _row(unit, task, campaign, 400, Check.of(unit, task), message, form.note.data)
    check, _ = set_check(unit, task, form.state.data, form.note.data or "", form.version.data, current_user, campaign)
    if not wants_fragment():
        return redirect(url_for("checklist.page", _anchor=f"task-{task.id}"), 303)
    return _row(unit, task, campaign, 200, check)


@bp.errorhandler(Stale)
def stale(_):
    """A tick from an older copy of the row: the row as saved now, and the note the user typed."""
    unit, task, campaign = own_task(request.view_args["unit_id"], request.view_args["task_id"])
    check = Check.of(unit, task)
    by = check.updated_by
    who = (by.full_name or by.username) if by else "người khác"
    message = (f"Việc này vừa được {who} cập nhật thành “{STATES[check.state]}”. "
               "Trang đã hiện trạng thái mới nhất; ghi chú bạn nhập vẫn còn, hãy chọn lại nếu cần.")
    return _row(unit, task, campaign, 409, check, message, CheckForm().note.data)


def _row(unit, task, campaign, status, check, message=None, draft=None):
    """The answer to a tick: with htmx the row and the totals, else the whole checklist."""
    ctx = checklist_context(unit, campaign, messages={task.id: message} if message else {},
                            drafts={task.id: draft} if status != 200 else {},
                            only=check if wants_fragment() else None)
    return render("checklist/page.html", "checklist/_tick.html", status, task=task, **ctx)


def init_app(app):
    app.register_blueprint(bp)
