"""The office runs its campaigns: create (blank, from a plan, or as a copy), edit areas and tasks, move through
draft → active → closed → archived. Every change appends an event."""
import datetime as dt
import json
import tempfile
from pathlib import Path

import click
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.cli import AppGroup
from flask_login import current_user
from flask_wtf.file import FileField
from playhouse.flask_utils import get_object_or_404
from wtforms import BooleanField, DateField, FieldList, FormField, IntegerField, SelectMultipleField, StringField
from wtforms import Form as SubForm
from wtforms import TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from . import scoring
from .access import commune_campaign, current_commune, roles_required
from .confirm import unconfirmed
from .db import database
from .forms import Form, posted_version
from .guards import comment_window_open, frozen, publication_of, refuse
from .models import UNIT_KINDS, Area, Campaign, Check, Event, Stale, Task, Unit
from .plan_import import PlanImportError, propose_campaign, read_plan
from .text import clean

bp = Blueprint("campaigns", __name__)
campaign_cli = AppGroup("campaign", help="Đợt thi đua.")

STATUSES = {"draft": "Bản nháp", "active": "Đang diễn ra", "closed": "Đã kết thúc", "archived": "Lưu trữ"}
# Where each status may go next; a closed campaign may be reopened until it is archived.
NEXT = {"draft": ("active",), "active": ("closed",), "closed": ("active", "archived"), "archived": ()}
ACTIONS = {"active": "Phát động", "closed": "Kết thúc", "archived": "Lưu trữ"}
_TEXT = [Length(max=1000, message="Tối đa 1000 ký tự.")]


class TaskFields(SubForm):
    title = TextAreaField("Việc cần làm", _TEXT, filters=[clean])
    target = StringField("Chỉ tiêu", _TEXT, filters=[clean])
    points = IntegerField("Điểm", [Optional(), NumberRange(min=0, max=1000, message="Điểm từ 0 đến 1000.")])


class AreaFields(SubForm):
    title = StringField("Nội dung thi đua", _TEXT, filters=[clean])
    max_points = IntegerField("Tối đa (điểm)", [Optional(), NumberRange(min=0, max=1000, message="Điểm từ 0 đến 1000.")])
    tasks = FieldList(FormField(TaskFields))


class CampaignForm(Form):
    """A campaign's heading and, when proposed from a plan, its areas and tasks (a blank title drops one)."""

    title = StringField("Tên đợt thi đua", [InputRequired("Nhập tên đợt thi đua."), *_TEXT], filters=[clean])
    theme = TextAreaField("Chủ đề", _TEXT, filters=[clean])
    starts_on = DateField("Ngày bắt đầu", [InputRequired("Nhập ngày bắt đầu.")])
    ends_on = DateField("Ngày kết thúc", [InputRequired("Nhập ngày kết thúc.")])
    report_due_on = DateField("Hạn gửi sơ kết", [InputRequired("Nhập hạn gửi sơ kết.")])
    areas = FieldList(FormField(AreaFields))

    def validate_ends_on(self, field):
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError("Ngày kết thúc phải sau ngày bắt đầu.")

    def proposal(self) -> dict:
        areas = [{"title": a["title"], "max_points": a["max_points"], "tasks": [t for t in a["tasks"] if t["title"]]}
                 for a in self.areas.data if a["title"]]
        return {**{k: getattr(self, k).data for k in ("title", "theme", "starts_on", "ends_on", "report_due_on")},
                "areas": areas}


class PlanForm(Form):
    text = TextAreaField("Dán nội dung kế hoạch", filters=[clean])
    file = FileField("hoặc chọn tệp (.docx, .md, .txt)")


class AreaForm(Form):
    title = StringField("Nội dung thi đua", [InputRequired("Nhập tên nội dung thi đua."), *_TEXT], filters=[clean])
    position = IntegerField("Thứ tự", [InputRequired("Nhập thứ tự."), NumberRange(min=0, max=9999)], default=0)


class TaskForm(Form):
    title = TextAreaField("Việc cần làm", [InputRequired("Nhập việc cần làm."), *_TEXT], filters=[clean],
                          render_kw={"rows": 3})
    target = StringField("Chỉ tiêu", _TEXT, filters=[clean])
    kinds = SelectMultipleField(
        "Áp dụng cho (để trống: mọi đơn vị)",
        choices=[SelectChoice(k, label) for k, label in UNIT_KINDS.items() if k not in ("province", "commune")],
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    evidence_required = BooleanField("Cần minh chứng")
    position = IntegerField("Thứ tự", [InputRequired("Nhập thứ tự."), NumberRange(min=0, max=9999)], default=0)


def campaign_dict(c: Campaign) -> dict:
    return {"title": c.title, "theme": c.theme, "starts_on": c.starts_on.isoformat(), "ends_on": c.ends_on.isoformat(),
            "report_due_on": c.report_due_on.isoformat(), "status": c.status}


def task_dict(t: Task) -> dict:
    return {"title": t.title, "target": t.target, "kinds": t.kinds, "evidence_required": t.evidence_required,
            "position": t.position, "archived": t.archived}


def create_campaign(data: dict, unit: Unit, user=None, subject_from: Campaign | None = None, origin=None,
                    status: str = "draft") -> Campaign:
    """A campaign of `unit` (a commune, or the province) from a proposal: heading fields (dates as dates) and areas
    with tasks, their points if any; a draft unless `status` says otherwise."""
    with database.atomic():
        campaign = Campaign.create(unit=unit, status=status, origin=origin, title=data["title"],
                                   theme=data["theme"] or "",
                                   **{k: data[k] for k in ("starts_on", "ends_on", "report_due_on")})
        for i, area_data in enumerate(data["areas"], 1):
            area = Area.create(campaign=campaign, position=i, title=area_data["title"])
            scoring.import_points(campaign, area, None, area_data, None)
            for j, t in enumerate(area_data["tasks"], 1):
                task = Task.create(area=area, position=j, title=t["title"], target=t["target"] or "",
                                   kinds=t.get("kinds", ""), evidence_required=t.get("evidence_required", False))
                scoring.import_points(campaign, area, task, area_data, t)
        scoring.import_criteria(campaign, data)
        after = {**campaign_dict(campaign), "areas": len(data["areas"]),
                 "tasks": sum(len(a["tasks"]) for a in data["areas"])}
        if subject_from:
            after["cloned_from"] = subject_from.id
        if origin:
            after["origin"] = origin.id
        Event.record("campaign.clone" if subject_from else "campaign.create", user, campaign=campaign,
                     subject=campaign, after=after)
    return campaign


def proposal_of(campaign: Campaign) -> dict:
    """A campaign as a proposal create_campaign takes: its heading, areas and tasks with their points, criteria."""
    areas = campaign.areas_with_tasks()
    plan = scoring.plan_of(campaign, areas)
    return {**{k: getattr(campaign, k) for k in ("title", "theme", "starts_on", "ends_on", "report_due_on")},
            "areas": [{"title": a.title, "max_points": plan.area_max.get(a.id),
                       "tasks": [{"title": t.title, "target": t.target, "kinds": t.kinds,
                                  "evidence_required": t.evidence_required, "points": plan.task_points.get(t.id)}
                                 for t in a.task_list]}
                      for a in areas],
            "criteria": [{"title": c.title, "points": c.points} for c in plan.criteria]}


def launch(source: Campaign, user=None) -> list[Campaign]:
    """The province's campaign, copied into one campaign of each of its communes (its `origin`), which the commune's
    office then owns: running at once, or a draft where the commune is still running a campaign of its own (one
    runs at a time)."""
    with database.atomic():
        return [create_campaign(proposal_of(source), commune, user, origin=source,
                                status="draft" if Campaign.current(commune) else "active")
                for commune in Unit.communes(source.unit)]


def _campaign(campaign_id: int, editable=True) -> Campaign:
    campaign = commune_campaign(campaign_id)
    if editable:
        refuse(frozen(campaign))  # the record of a finished campaign stays as it was
    return campaign


def _back(campaign: Campaign, anchor: str | None = None):
    return redirect(url_for("campaigns.edit", campaign_id=campaign.id, _anchor=anchor), 303)


@bp.get("/campaigns")
@roles_required("office")
def index():
    campaigns = Campaign.select().where(Campaign.unit == current_commune()) \
        .order_by(Campaign.starts_on.desc(), Campaign.id.desc())
    return render_template("campaigns/index.html", campaigns=campaigns, STATUSES=STATUSES)


@bp.route("/campaigns/new", methods=["GET", "POST"])
@roles_required("office")
def new():
    """A blank campaign, or the reviewed proposal from a plan: both post here."""
    form = CampaignForm()
    if form.validate_on_submit():
        campaign = create_campaign(form.proposal(), current_commune(), current_user)
        flash(f"Đã tạo đợt thi đua “{campaign.title}” (bản nháp). Kiểm tra các việc rồi bấm “Phát động”.", "info")
        return _back(campaign)
    status = 400 if request.method == "POST" else 200
    return render_template("campaigns/new.html", form=form), status


@bp.route("/campaigns/import", methods=["GET", "POST"])
@roles_required("office")
def import_plan():
    form = PlanForm()
    if request.method == "POST":
        upload = request.files.get("file")
        try:
            if upload and upload.filename:
                suffix = Path(upload.filename).suffix.lower()
                with tempfile.NamedTemporaryFile(suffix=suffix) as saved:
                    upload.save(saved)
                    saved.flush()
                    text = read_plan(saved.name)
            elif form.text.data:
                text = form.text.data
            else:
                raise PlanImportError("Dán nội dung kế hoạch hoặc chọn một tệp.")
            proposal = propose_campaign(text)
        except PlanImportError as e:
            form.text.errors = [str(e)]
            return render_template("campaigns/import.html", form=form), 400
        review = CampaignForm(formdata=None, data={**proposal, **{
            k: dt.date.fromisoformat(proposal[k]) if proposal[k] else None
            for k in ("starts_on", "ends_on", "report_due_on")}})
        return render_template("campaigns/new.html", form=review, proposed=True)
    return render_template("campaigns/import.html", form=form)


def edit_context(campaign: Campaign, failed: Form | None = None) -> dict:
    """The editor's forms, one per area and task, each prefixed by what it edits; `failed` keeps its errors."""
    def keep(form):
        return failed if failed is not None and failed._prefix == form._prefix else form

    areas = campaign.areas_with_tasks()
    archived = {}
    for task in Task.select().join(Area).where(Area.campaign == campaign, Task.archived == True):  # noqa: E712
        archived.setdefault(task.area_id, []).append(task)
    for area in areas:
        area.form = keep(AreaForm(prefix=f"area-{area.id}", obj=area, formdata=None))
        area.new_task = keep(TaskForm(prefix=f"new-task-{area.id}", formdata=None,
                                      position=len(area.task_list) + 1))
        area.archived_tasks = archived.get(area.id, [])
        for task in area.task_list:
            # Not obj=task: its `kinds` is a comma-separated string, and obj would win over the list.
            task.form = keep(TaskForm(prefix=f"task-{task.id}", formdata=None,
                                      data={**task_dict(task), "kinds": [k for k in task.kinds.split(",") if k]}))
    heading = keep(CampaignForm(prefix="campaign", obj=campaign, formdata=None, areas=[]))
    new_area = keep(AreaForm(prefix="new-area", formdata=None, position=len(areas) + 1))
    return dict(campaign=campaign, areas=areas, heading=heading, new_area=new_area, frozen=frozen(campaign),
                STATUSES=STATUSES, NEXT=NEXT, ACTIONS=ACTIONS)


def _failed(campaign: Campaign, form: Form):
    return render_template("campaigns/edit.html", **edit_context(campaign, form)), 400


def _claim(campaign: Campaign, form: Form | None = None) -> None:
    """Inside the edit's transaction: moves the plan's revision on from the one the form showed. A Stale
    carries what its 409 page shows: the campaign, and `form` with what the user typed."""
    try:
        campaign.claim(posted_version("revision"))
    except Stale as stale:
        stale.campaign, stale.form = campaign, form
        raise


@bp.errorhandler(Stale)
def stale(error):
    """The editor as it is now, with what the user typed still in its form, and why nothing was saved."""
    flash("Kế hoạch vừa được người khác sửa nên chưa lưu thay đổi của bạn. Trang đã hiện bản mới nhất; "
          "những gì bạn vừa nhập vẫn còn trong ô, hãy kiểm tra rồi lưu lại.", "error")
    return render_template("campaigns/edit.html",
                           **edit_context(Campaign.get_by_id(error.campaign.id), error.form)), 409


@bp.get("/campaigns/<int:campaign_id>")
@roles_required("office")
def edit(campaign_id):
    return render_template("campaigns/edit.html", **edit_context(_campaign(campaign_id, editable=False)))


@bp.post("/campaigns/<int:campaign_id>")
@roles_required("office")
def update(campaign_id):
    campaign = _campaign(campaign_id)
    form = CampaignForm(prefix="campaign")
    if not form.validate_on_submit():
        return _failed(campaign, form)
    if form.report_due_on.data != campaign.report_due_on and publication_of(campaign):
        # Filing would open again after the list was posted, and what was filed then would be left out.
        form.report_due_on.errors.append("Danh sách khen thưởng đã công khai nên không đổi được hạn gửi sơ kết.")
        return _failed(campaign, form)
    heading = ("title", "theme", "starts_on", "ends_on", "report_due_on")
    with database.atomic():
        _claim(campaign, form)
        before = campaign_dict(campaign)
        for k in heading:
            setattr(campaign, k, getattr(form, k).data or "")
        campaign.save(only=[getattr(Campaign, k) for k in heading])  # not the revision just claimed
        Event.record("campaign.update", current_user, campaign=campaign, subject=campaign,
                     before=before, after=campaign_dict(campaign))
    flash("Đã lưu đợt thi đua.", "info")
    return _back(campaign)


@bp.post("/campaigns/<int:campaign_id>/status")
@roles_required("office")
def set_status(campaign_id):
    """Sets the status (a replay of the same request changes nothing); one campaign is active at a time."""
    campaign = _campaign(campaign_id, editable=False)  # NEXT allows nothing from archived
    to = request.form.get("status")
    if to == campaign.status:
        return _back(campaign)
    if to not in NEXT[campaign.status]:
        abort(400)
    other = Campaign.current(campaign.unit)
    if to == "active" and other and other.id != campaign.id:
        flash(f"Đợt “{other.title}” đang diễn ra; hãy kết thúc đợt đó trước khi phát động đợt mới.", "error")
        return _back(campaign)
    publication = publication_of(campaign) if to == "closed" else None
    if publication and comment_window_open(publication):  # the public page promised that day
        flash(f"Danh sách khen thưởng đang lấy ý kiến nhân dân đến hết ngày {publication.closes_on:%d/%m/%Y}; "
              "hãy kết thúc đợt sau ngày đó.", "error")
        return _back(campaign)
    if to == "active" and not any(a.task_list for a in campaign.areas_with_tasks()):
        flash("Đợt thi đua chưa có việc nào; hãy thêm nội dung và việc cần làm trước khi phát động.", "error")
        return _back(campaign)
    if to == "closed" and (asking := unconfirmed("campaign.close", url_for("campaigns.edit", campaign_id=campaign.id),
                                                 title=campaign.title)):
        return asking
    with database.atomic():
        before = campaign_dict(campaign)
        campaign.status = to
        campaign.save(only=[Campaign.status])
        Event.record("campaign.status", current_user, campaign=campaign, subject=campaign,
                     before=before, after=campaign_dict(campaign))
    flash(f"Đợt thi đua nay ở trạng thái “{STATUSES[to]}”.", "info")
    return _back(campaign)


@bp.post("/campaigns/<int:campaign_id>/clone")
@roles_required("office")
def clone(campaign_id):
    source = _campaign(campaign_id, editable=False)
    data = {**{k: getattr(source, k) for k in ("theme", "starts_on", "ends_on", "report_due_on")},
            "title": f"{source.title} (bản sao)",
            "areas": [{"title": a.title, "tasks": [{"title": t.title, "target": t.target, "kinds": t.kinds,
                                                     "evidence_required": t.evidence_required} for t in a.task_list]}
                      for a in source.areas_with_tasks()]}
    campaign = create_campaign(data, source.unit, current_user, subject_from=source)
    flash("Đã sao chép thành đợt mới (bản nháp). Hãy sửa tên và thời gian.", "info")
    return _back(campaign)


@bp.post("/campaigns/<int:campaign_id>/areas")
@roles_required("office")
def add_area(campaign_id):
    campaign = _campaign(campaign_id)
    form = AreaForm(prefix="new-area")
    if not form.validate_on_submit():
        return _failed(campaign, form)
    with database.atomic():
        _claim(campaign, form)
        area = Area.create(campaign=campaign, title=form.title.data, position=form.position.data)
        Event.record("area.create", current_user, campaign=campaign, subject=area,
                     after={"title": area.title, "position": area.position})
    return _back(campaign, f"area-{area.id}")


def _area(area_id: int) -> Area:
    area = get_object_or_404(Area, Area.id == area_id, Area.archived == False)  # noqa: E712
    _campaign(area.campaign_id)
    return area


@bp.post("/areas/<int:area_id>")
@roles_required("office")
def update_area(area_id):
    area = _area(area_id)
    form = AreaForm(prefix=f"area-{area.id}")
    if not form.validate_on_submit():
        return _failed(area.campaign, form)
    with database.atomic():
        _claim(area.campaign, form)
        before = {"title": area.title, "position": area.position}
        area.title, area.position = form.title.data, form.position.data
        area.save()
        Event.record("area.update", current_user, campaign=area.campaign, subject=area,
                     before=before, after={"title": area.title, "position": area.position})
    return _back(area.campaign, f"area-{area.id}")


def _ticked(tasks) -> bool:
    return Check.select().where(Check.task.in_([t.id for t in tasks])).exists()


@bp.post("/areas/<int:area_id>/remove")
@roles_required("office")
def remove_area(area_id):
    """Deletes an area nobody has worked on; one whose tasks units have ticked is archived with them."""
    area = _area(area_id)
    if asking := unconfirmed("area.remove", url_for("campaigns.edit", campaign_id=area.campaign_id), title=area.title):
        return asking
    tasks = list(area.tasks)
    with database.atomic():
        _claim(area.campaign)
        if _ticked(tasks):
            area.archived = True
            area.save(only=[Area.archived])
            Task.update(archived=True).where(Task.area == area).execute()
            kind = "area.archive"
        else:
            area.delete_instance(recursive=True)
            kind = "area.delete"
        Event.record(kind, current_user, campaign=area.campaign, subject=area,
                     before={"title": area.title, "tasks": len(tasks)})
    flash(f"Đã bỏ nội dung “{area.title}”" + (" (lưu trữ cùng kết quả các đơn vị đã đánh dấu)."
                                              if kind == "area.archive" else "."), "info")
    return _back(area.campaign)


@bp.post("/areas/<int:area_id>/tasks")
@roles_required("office")
def add_task(area_id):
    area = _area(area_id)
    form = TaskForm(prefix=f"new-task-{area.id}")
    if not form.validate_on_submit():
        return _failed(area.campaign, form)
    with database.atomic():
        _claim(area.campaign, form)
        task = Task.create(area=area, **_task_fields(form))
        Event.record("task.create", current_user, campaign=area.campaign, subject=task,
                     after=task_dict(task))
    return _back(area.campaign, f"task-{task.id}")


def _task_fields(form: TaskForm) -> dict:
    return {"title": form.title.data, "target": form.target.data or "", "kinds": ",".join(form.kinds.data or []),
            "evidence_required": form.evidence_required.data, "position": form.position.data}


def _task(task_id: int) -> Task:
    task = get_object_or_404(Task, Task.id == task_id, Task.archived == False)  # noqa: E712
    _campaign(task.area.campaign_id)
    return task


@bp.post("/tasks/<int:task_id>")
@roles_required("office")
def update_task(task_id):
    task = _task(task_id)
    form = TaskForm(prefix=f"task-{task.id}")
    if not form.validate_on_submit():
        return _failed(task.area.campaign, form)
    with database.atomic():
        _claim(task.area.campaign, form)
        before = task_dict(task)
        for k, v in _task_fields(form).items():
            setattr(task, k, v)
        task.save()
        Event.record("task.update", current_user, campaign=task.area.campaign, subject=task,
                     before=before, after=task_dict(task))
    return _back(task.area.campaign, f"task-{task.id}")


@bp.post("/tasks/<int:task_id>/remove")
@roles_required("office")
def remove_task(task_id):
    """A task units have ticked is archived, so their work stays on record; an untouched one is deleted."""
    task = _task(task_id)
    if asking := unconfirmed("task.remove", url_for("campaigns.edit", campaign_id=task.area.campaign_id), title=task.title):
        return asking
    with database.atomic():
        _claim(task.area.campaign)
        before = task_dict(task)
        if _ticked([task]):
            task.archived = True
            task.save(only=[Task.archived])
            kind = "task.archive"
        else:
            task.delete_instance()
            kind = "task.delete"
        Event.record(kind, current_user, campaign=task.area.campaign, subject=task, before=before)
    flash("Đã bỏ việc “{}”{}".format(task.title, " (lưu trữ cùng kết quả các đơn vị đã đánh dấu)."
                                      if kind == "task.archive" else "."), "info")
    return _back(task.area.campaign, f"area-{task.area_id}")


class LaunchForm(CampaignForm):
    """The province's campaign: its heading, and its areas and tasks as the plan's text lists them."""

    plan = TextAreaField("Nội dung thi đua và các việc (dán từ kế hoạch: “1. …”, “- …”)",
                         [InputRequired("Dán các nội dung thi đua và việc cần làm.")], filters=[clean],
                         render_kw={"rows": 12})


def province_context(form: LaunchForm | None = None) -> dict:
    province = current_user.unit
    campaigns = list(Campaign.select().where(Campaign.unit == province)
                     .order_by(Campaign.starts_on.desc(), Campaign.id.desc()))
    copies = {}
    for copy in Campaign.select(Campaign.origin).where(Campaign.origin.in_([c.id for c in campaigns])):
        copies[copy.origin_id] = copies.get(copy.origin_id, 0) + 1
    return dict(province=province, communes=Unit.communes(province), campaigns=campaigns, copies=copies,
                form=form or LaunchForm(formdata=None), STATUSES=STATUSES)


@bp.get("/tinh/dot-thi-dua")
@roles_required("province")
def province():
    """The province's communes, each read through its board, and the campaigns the province launched."""
    return render_template("campaigns/province.html", **province_context())


@bp.post("/tinh/dot-thi-dua")
@roles_required("province")
def province_launch():
    """Launches a campaign at province level: every commune receives its own copy."""
    form = LaunchForm()
    areas = []
    if form.validate_on_submit():
        try:
            areas = propose_campaign(form.plan.data)["areas"]
        except PlanImportError as e:
            form.plan.errors.append(str(e))
    if not areas:
        return render_template("campaigns/province.html", **province_context(form)), 400
    with database.atomic():
        source = create_campaign({**form.proposal(), "areas": areas}, current_user.unit, current_user,
                                 status="active")
        copies = launch(source, current_user)
    waiting = sum(c.status == "draft" for c in copies)
    flash(f"Đã phát động “{source.title}” tới {len(copies)} xã." + (
        f" {waiting} xã đang có đợt thi đua khác nên nhận ở dạng bản nháp, tự phát động khi xong đợt đó."
        if waiting else ""), "info")
    return redirect(url_for("campaigns.province"), 303)


@campaign_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="In đề xuất dạng JSON.")
@click.option("--create", is_flag=True, help="Tạo đợt thi đua (bản nháp) từ đề xuất.")
def import_command(file, as_json, create):
    """Đề xuất một đợt thi đua từ tệp kế hoạch (.docx, .md, .txt); --create để tạo."""
    try:
        proposal = propose_campaign(read_plan(file))
    except PlanImportError as e:
        raise click.ClickException(str(e))
    if as_json:
        click.echo(json.dumps(proposal, ensure_ascii=False, indent=2))
    else:
        _print_proposal(proposal)
    if create:
        missing = [label for key, label in (("title", "tên"), ("starts_on", "ngày bắt đầu"),
                                            ("ends_on", "ngày kết thúc"), ("report_due_on", "hạn gửi sơ kết"))
                   if not proposal[key]]
        if missing:
            raise click.ClickException("Kế hoạch thiếu " + ", ".join(missing) + "; không tạo được đợt thi đua. "
                                       "Hãy bổ sung trong tệp, hoặc nhập qua trang “Đợt thi đua” để sửa trước khi tạo.")
        commune = Unit.root()
        if commune is None or commune.kind != "commune":
            raise click.ClickException("Chưa có xã nào; hãy tạo dữ liệu trước. (Cổng phục vụ cả tỉnh: tỉnh phát động "
                                       "đợt thi đua trên trang “Đợt thi đua” của tài khoản tỉnh.)")
        dates = {k: dt.date.fromisoformat(proposal[k]) for k in ("starts_on", "ends_on", "report_due_on")}
        campaign = create_campaign({**proposal, **dates}, commune)
        # --json keeps stdout pure JSON; the confirmation goes to stderr.
        click.echo(f"Đã tạo đợt thi đua số {campaign.id} (bản nháp): {campaign.title}", err=as_json)


def _print_proposal(p: dict):
    click.echo(f"Tên: {p['title']}")
    click.echo(f"Chủ đề: {p['theme']}")
    click.echo(f"Thời gian: {p['starts_on'] or '?'} – {p['ends_on'] or '?'}; hạn sơ kết: {p['report_due_on'] or '?'}")
    for i, area in enumerate(p["areas"], 1):
        click.echo(f"{i}. {area['title']}")
        for task in area["tasks"]:
            click.echo(f"   - {task['title']}" + (f" [Chỉ tiêu: {task['target']}]" if task["target"] else ""))


def init_app(app):
    app.register_blueprint(bp)
    app.cli.add_command(campaign_cli)
