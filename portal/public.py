"""The public posting: the council-approved list and, once approved, the decision; no login."""
from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from .auth import WATCHERS, roles_required
from .db import database
from .forms import Form
from .guards import comment_window_open
from .models import Campaign, Event, Nomination, Opinion, Publication
from .security import limiter
from .text import clean

bp = Blueprint("public", __name__)


class OpinionForm(Form):
    name = StringField("Họ tên (không bắt buộc)", [Length(max=120, message="Tối đa 120 ký tự.")], filters=[clean],
                       render_kw={"autocomplete": "name"})
    text = TextAreaField("Ý kiến", [DataRequired("Nhập nội dung ý kiến."),
                                    Length(max=3000, message="Tối đa 3000 ký tự.")], filters=[clean],
                         render_kw={"rows": 4})


def published():
    """The campaign whose list is posted most recently, and its publication."""
    publication = (Publication.select(Publication, Campaign).join(Campaign)
                   .order_by(Publication.opened_at.desc()).first())
    return (publication.campaign, publication) if publication else (None, None)


def _page(form=None, status=200):
    campaign, publication = published()
    nominations = []
    if publication:
        nominations = list(Nomination.select().where(Nomination.campaign == campaign, Nomination.state == "approved")
                           .order_by(Nomination.kind, Nomination.id))
    window_open = bool(publication) and comment_window_open(publication)
    return render_template("public/page.html", campaign=campaign, publication=publication, nominations=nominations,
                           form=form or OpinionForm(), window_open=window_open), status


@bp.get("/cong-khai")
def page():
    return _page()


def _opinion_limit():
    return current_app.config["OPINION_RATE_LIMIT"]


@bp.post("/cong-khai/y-kien")
@limiter.limit(_opinion_limit, methods=["POST"])
def opinion():
    campaign, publication = published()
    form = OpinionForm()
    if not publication or not comment_window_open(publication):
        flash("Thời gian nhận ý kiến đã kết thúc.", "error")
        return redirect(url_for("public.page"), 303)
    if not form.validate_on_submit():
        return _page(form, 400)
    with database.atomic():
        row = Opinion.create(campaign=campaign, name=form.name.data or "", text=form.text.data)
        Event.record("opinion.add", None, campaign=campaign, subject=f"opinion:{row.id}",
                     after={"name": row.name, "text": row.text})
    flash("Cảm ơn bạn đã gửi ý kiến. Phòng Văn hóa – Xã hội sẽ xem xét.", "info")
    return redirect(url_for("public.page"), 303)


@bp.get("/opinions")
@roles_required(*WATCHERS)
def opinions():
    campaign, publication = published()
    rows = list(Opinion.select().where(Opinion.campaign == campaign).order_by(Opinion.at.desc())) if campaign else []
    return render_template("public/opinions.html", campaign=campaign, publication=publication, opinions=rows)


def init_app(app):
    app.register_blueprint(bp)
