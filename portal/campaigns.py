"""The office runs its campaigns: create (blank, from a plan, or as a copy), edit the heading, move through
draft → active → closed → archived. Every change appends an event; areas and tasks are `structure`'s."""
import datetime as dt
import tempfile
from pathlib import Path

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_login import current_user
from flask_wtf.file import FileField
from wtforms import TextAreaField

from . import scoring
from .access import roles_required
from .confirm import unconfirmed
from .db import database
from .forms import Form
from .guards import comment_window_open, publication_of
from .models import Campaign, Event, Stale
from .plan import (NEXT, STATUSES, CampaignForm, back, campaign_or_404, claim, create_campaign, edit_context, failed,
                   stale)
from .plan_import import PlanImportError, propose_campaign, read_plan
from .text import clean

bp = Blueprint("campaigns", __name__)
bp.register_error_handler(Stale, stale)


class PlanForm(Form):
    text = TextAreaField("Dán nội dung kế hoạch", filters=[clean])
    file = FileField("hoặc chọn tệp (.docx, .md, .txt)")


@bp.get("/campaigns")
@roles_required("office")
def index():
    campaigns = Campaign.select().order_by(Campaign.starts_on.desc(), Campaign.id.desc())
    return render_template("campaigns/index.html", campaigns=campaigns, STATUSES=STATUSES)


@bp.route("/campaigns/new", methods=["GET", "POST"])
@roles_required("office")
def new():
    """A blank campaign, or the reviewed proposal from a plan: both post here."""
    form = CampaignForm()
    if form.validate_on_submit():
        campaign = create_campaign(form.proposal(), current_user)
        flash(f"Đã tạo đợt thi đua “{campaign.title}” (bản nháp). Kiểm tra các việc rồi bấm “Phát động”.", "info")
        return back(campaign)
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


@bp.get("/campaigns/<int:campaign_id>")
@roles_required("office")
def edit(campaign_id):
    return render_template("campaigns/edit.html", **edit_context(campaign_or_404(campaign_id, editable=False)))


@bp.post("/campaigns/<int:campaign_id>")
@roles_required("office")
def update(campaign_id):
    campaign = campaign_or_404(campaign_id)
    form = CampaignForm(prefix="campaign")
    if not form.validate_on_submit():
        return failed(campaign, form)
    if form.report_due_on.data != campaign.report_due_on and publication_of(campaign):
        # Filing would open again after the list was posted, and what was filed then would be left out.
        form.report_due_on.errors.append("Danh sách khen thưởng đã công khai nên không đổi được hạn gửi sơ kết.")
        return failed(campaign, form)
    heading = ("title", "theme", "starts_on", "ends_on", "report_due_on")
    with database.atomic():
        claim(campaign, form)
        started = campaign.starts_on
        # Only the heading's columns, not the revision just claimed.
        Event.change("campaign.update", current_user, campaign, **{k: getattr(form, k).data or "" for k in heading})
        scoring.follow_start(campaign, campaign.starts_on - started)
    flash("Đã lưu đợt thi đua.", "info")
    return back(campaign)


@bp.post("/campaigns/<int:campaign_id>/status")
@roles_required("office")
def set_status(campaign_id):
    """Sets the status (a replay of the same request changes nothing); one campaign is active at a time."""
    campaign = campaign_or_404(campaign_id, editable=False)  # NEXT allows nothing from archived
    to = request.form.get("status")
    if to == campaign.status:
        return back(campaign)
    if to not in NEXT[campaign.status]:
        abort(400)
    other = Campaign.current()
    if to == "active" and other and other.id != campaign.id:
        flash(f"Đợt “{other.title}” đang diễn ra; hãy kết thúc đợt đó trước khi phát động đợt mới.", "error")
        return back(campaign)
    publication = publication_of(campaign) if to == "closed" else None
    if publication and comment_window_open(publication):  # the public page promised that day
        flash(f"Danh sách khen thưởng đang lấy ý kiến nhân dân đến hết ngày {publication.closes_on:%d/%m/%Y}; "
              "hãy kết thúc đợt sau ngày đó.", "error")
        return back(campaign)
    if to == "active" and not any(a.task_list for a in campaign.areas_with_tasks()):
        flash("Đợt thi đua chưa có việc nào; hãy thêm nội dung và việc cần làm trước khi phát động.", "error")
        return back(campaign)
    if to == "closed" and (asking := unconfirmed("campaign.close", url_for("campaigns.edit", campaign_id=campaign.id),
                                                 title=campaign.title)):
        return asking
    with database.atomic():
        Event.change("campaign.status", current_user, campaign, status=to)
    flash(f"Đợt thi đua nay ở trạng thái “{STATUSES[to]}”.", "info")
    return back(campaign)


@bp.post("/campaigns/<int:campaign_id>/clone")
@roles_required("office")
def clone(campaign_id):
    source = campaign_or_404(campaign_id, editable=False)
    rules = scoring.scheme_copy(source)
    data = {**{k: getattr(source, k) for k in ("theme", "starts_on", "ends_on", "report_due_on")},
            "title": f"{source.title} (bản sao)", "criteria": rules["criteria"], "scheme": rules["scheme"],
            "areas": [{"title": a.title, "max_points": rules["max_points"][a.id],
                       "tasks": [{"title": t.title, "target": t.target, "kinds": t.kinds, "points": rules["points"][t.id],
                                  "evidence_required": t.evidence_required} for t in a.task_list]}
                      for a in source.areas_with_tasks()]}
    campaign = create_campaign(data, current_user, subject_from=source)
    flash("Đã sao chép thành đợt mới (bản nháp). Hãy sửa tên và thời gian.", "info")
    return back(campaign)


def init_app(app):
    app.register_blueprint(bp)
