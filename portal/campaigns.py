"""The office runs its campaigns: create (blank, from a plan, or as a copy), edit the heading, move through
draft → active → closed → archived. Every change appends an event; areas and tasks are `structure`'s."""
import datetime as dt
import tempfile
from pathlib import Path

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.file import FileField
from wtforms import TextAreaField
from wtforms.validators import InputRequired

from . import scoring
from .access import current_commune, roles_required
from .confirm import unconfirmed
from .db import database
from .forms import Form
from .guards import comment_window_open, publication_of
from .models import Campaign, Event, Stale, Unit
from .plan import (NEXT, STATUSES, CampaignForm, back, campaign_or_404, claim, create_campaign, edit_context, failed,
                   launch, proposal_of, stale)
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
    other = Campaign.current(campaign.unit)
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
    data = {**proposal_of(source), "title": f"{source.title} (bản sao)"}
    campaign = create_campaign(data, source.unit, current_user, subject_from=source)
    flash("Đã sao chép thành đợt mới (bản nháp). Hãy sửa tên và thời gian.", "info")
    return back(campaign)


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


def init_app(app):
    app.register_blueprint(bp)
