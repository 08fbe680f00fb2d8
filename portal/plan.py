"""A campaign's plan as the office edits it: the forms, the editor's page, and the revision every edit claims.
Shared by the two blueprints that edit it, `campaigns` (the heading and status) and `structure` (areas, tasks)."""
from flask import flash, redirect, render_template, url_for
from wtforms import BooleanField, DateField, FieldList, FormField, IntegerField, SelectMultipleField, StringField
from wtforms import Form as SubForm
from wtforms import TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from . import scoring
from .access import commune_campaign
from .db import database
from .forms import Form, posted_version
from .guards import frozen, refuse
from .models import UNIT_KINDS, Area, Campaign, Event, Stale, Task, Unit
from .text import clean

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


class CriterionFields(SubForm):
    title = StringField("Tiêu chí cộng/trừ điểm", _TEXT, filters=[clean])
    points = IntegerField("Điểm (+ thưởng, − trừ)", [Optional(), NumberRange(min=-1000, max=1000,
                                                                            message="Điểm từ -1000 đến 1000.")])


class CampaignForm(Form):
    """A campaign's heading and, when proposed from a plan, its areas and tasks (a blank title drops one)."""

    title = StringField("Tên đợt thi đua", [InputRequired("Nhập tên đợt thi đua."), *_TEXT], filters=[clean])
    theme = TextAreaField("Chủ đề", _TEXT, filters=[clean])
    starts_on = DateField("Ngày bắt đầu", [InputRequired("Nhập ngày bắt đầu.")])
    ends_on = DateField("Ngày kết thúc", [InputRequired("Nhập ngày kết thúc.")])
    report_due_on = DateField("Hạn gửi sơ kết", [InputRequired("Nhập hạn gửi sơ kết.")])
    areas = FieldList(FormField(AreaFields))
    criteria = FieldList(FormField(CriterionFields))

    def validate_ends_on(self, field):
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError("Ngày kết thúc phải sau ngày bắt đầu.")

    def proposal(self) -> dict:
        areas = [{"title": a["title"], "max_points": a["max_points"], "tasks": [t for t in a["tasks"] if t["title"]]}
                 for a in self.areas.data if a["title"]]
        criteria = [c for c in self.criteria.data if c["title"] and c["points"]]
        return {**{k: getattr(self, k).data for k in ("title", "theme", "starts_on", "ends_on", "report_due_on")},
                "areas": areas, "criteria": criteria}


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

    def fields(self) -> dict:
        return {"title": self.title.data, "target": self.target.data or "", "kinds": ",".join(self.kinds.data or []),
                "evidence_required": self.evidence_required.data, "position": self.position.data}


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
        after = {**campaign.as_dict(), "areas": len(data["areas"]),
                 "tasks": sum(len(a["tasks"]) for a in data["areas"])}
        if subject_from:
            after["cloned_from"] = subject_from.id
        if origin:
            after["origin"] = origin.id
        Event.record("campaign.clone" if subject_from else "campaign.create", user, campaign=campaign,
                     subject=campaign, after=after)
    return campaign


def proposal_of(source: Campaign) -> dict:
    """A campaign as a proposal `create_campaign` takes (for a clone or a province's copy): its heading, areas and
    tasks with their points, its criteria and scoring rules."""
    rules = scoring.scheme_copy(source)
    return {**{k: getattr(source, k) for k in ("title", "theme", "starts_on", "ends_on", "report_due_on")},
            "criteria": rules["criteria"], "scheme": rules["scheme"],
            "areas": [{"title": a.title, "max_points": rules["max_points"][a.id],
                       "tasks": [{"title": t.title, "target": t.target, "kinds": t.kinds, "points": rules["points"][t.id],
                                  "evidence_required": t.evidence_required} for t in a.task_list]}
                      for a in source.areas_with_tasks()]}


def launch(source: Campaign, user=None) -> list[Campaign]:
    """The province's campaign, copied into one campaign of each of its communes (its `origin`), which the commune's
    office then owns: running at once, or a draft where the commune is still running a campaign of its own (one
    runs at a time)."""
    with database.atomic():
        return [create_campaign(proposal_of(source), commune, user, origin=source,
                                status="draft" if Campaign.current(commune) else "active")
                for commune in Unit.communes(source.unit)]


def campaign_or_404(campaign_id: int, editable=True) -> Campaign:
    campaign = commune_campaign(campaign_id)  # another commune's is 404, as none is
    if editable:
        refuse(frozen(campaign))  # the record of a finished campaign stays as it was
    return campaign


def back(campaign: Campaign, anchor: str | None = None):
    return redirect(url_for("campaigns.edit", campaign_id=campaign.id, _anchor=anchor), 303)


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
                                      data={**task.as_dict(), "kinds": [k for k in task.kinds.split(",") if k]}))
    heading = keep(CampaignForm(prefix="campaign", obj=campaign, formdata=None, areas=[]))
    new_area = keep(AreaForm(prefix="new-area", formdata=None, position=len(areas) + 1))
    return dict(campaign=campaign, areas=areas, heading=heading, new_area=new_area, frozen=frozen(campaign),
                STATUSES=STATUSES, NEXT=NEXT, ACTIONS=ACTIONS)


def failed(campaign: Campaign, form: Form):
    return render_template("campaigns/edit.html", **edit_context(campaign, form)), 400


def claim(campaign: Campaign, form: Form | None = None) -> None:
    """Inside the edit's transaction: moves the plan's revision on from the one the form showed. A Stale
    carries what its 409 page shows: the campaign, and `form` with what the user typed."""
    try:
        campaign.claim(posted_version("revision"))
    except Stale as stale:
        stale.campaign, stale.form = campaign, form
        raise


def stale(error):
    """The error handler of both editing blueprints: the editor as it is now, with what the user typed still in
    its form, and why nothing was saved."""
    flash("Kế hoạch vừa được người khác sửa nên chưa lưu thay đổi của bạn. Trang đã hiện bản mới nhất; "
          "những gì bạn vừa nhập vẫn còn trong ô, hãy kiểm tra rồi lưu lại.", "error")
    return render_template("campaigns/edit.html",
                           **edit_context(Campaign.get_by_id(error.campaign.id), error.form)), 409
