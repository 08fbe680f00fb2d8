"""Publication: the office posts the council-approved list, anyone comments on it without logging in, and the
leader approves the decision."""
import datetime as dt

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import DateField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from . import clock
from .access import WATCHERS, current_campaign, current_commune, roles_required
from .awards import published, tallies, unpublishable
from .confirm import unconfirmed
from .db import database
from .forms import Form, required
from .guards import commenting, comment_window_open, frozen, publication_of, refuse
from .models import AWARDS, Event, Nomination, Opinion, Publication, Unit
from .security import limiter
from .text import clean

bp = Blueprint("public", __name__)


class OpinionForm(Form):
    name = StringField("Họ tên (không bắt buộc)", [Length(max=120, message="Tối đa 120 ký tự.")], filters=[clean],
                       render_kw={"autocomplete": "name"})
    text = TextAreaField("Ý kiến", [DataRequired("Nhập nội dung ý kiến."),
                                    Length(max=3000, message="Tối đa 3000 ký tự.")], filters=[clean],
                         render_kw={"rows": 4})


def _commune(code: str) -> Unit:
    commune = Unit.get_or_none(Unit.code == code, Unit.kind == "commune", Unit.active == True)  # noqa: E712
    if commune is None:
        abort(404)
    return commune


def _page(commune, form=None, status=200):
    campaign, publication = published(commune)
    nominations = []
    if publication:
        nominations = list(Nomination.select().where(Nomination.campaign == campaign, Nomination.state == "approved")
                           .order_by(Nomination.kind, Nomination.id))
    window_open = bool(publication) and comment_window_open(publication)
    return render_template("public/page.html", commune=commune, campaign=campaign, publication=publication,
                           nominations=nominations, form=form or OpinionForm(), window_open=window_open), status


@bp.get("/cong-khai")
def single():
    """The address people are given: a single-commune install leads to its commune's page; a province's lists
    its communes, so that nobody needs a commune's code to find it."""
    communes = list(Unit.select().where(Unit.kind == "commune", Unit.active == True).order_by(Unit.name))  # noqa: E712
    if len(communes) == 1:
        return redirect(url_for("public.page", code=communes[0].code))
    return render_template("public/communes.html", communes=communes)


@bp.get("/cong-khai/<code>")
def page(code):
    return _page(_commune(code))


def _opinion_limit():
    return current_app.config["OPINION_RATE_LIMIT"]


@bp.post("/cong-khai/<code>/y-kien")
@limiter.limit(_opinion_limit, methods=["POST"])
def opinion(code):
    commune = _commune(code)
    campaign, publication = published(commune)
    form = OpinionForm()
    if not publication or not comment_window_open(publication):
        flash("Thời gian nhận ý kiến đã kết thúc.", "error")
        return redirect(url_for("public.page", code=code), 303)
    if not form.validate_on_submit():
        return _page(commune, form, 400)
    with database.atomic():
        row = Opinion.create(campaign=campaign, name=form.name.data or "", text=form.text.data)
        Event.record("opinion.add", None, campaign=campaign, subject=row, after=row.as_dict())
    flash("Cảm ơn bạn đã gửi ý kiến. Phòng Văn hóa – Xã hội sẽ xem xét.", "info")
    return redirect(url_for("public.page", code=code), 303)


@bp.get("/opinions")
@roles_required(*WATCHERS)
def opinions():
    campaign, publication = published(current_commune())
    rows = list(Opinion.select().where(Opinion.campaign == campaign).order_by(Opinion.at.desc())) if campaign else []
    return render_template("public/opinions.html", campaign=campaign, publication=publication, opinions=rows)


class DecisionForm(Form):
    number = StringField("Số quyết định", required("Nhập số, ký hiệu quyết định, ví dụ 25/QĐ-UBND.")
                         + [Length(max=60)], filters=[clean])
    # An old phone without a date picker sends what was typed: dd/mm/yyyy.
    signed_on = DateField("Ngày ký", required("Nhập ngày ký (ngày/tháng/năm)."), format=["%Y-%m-%d", "%d/%m/%Y"],
                          render_kw={"type": "date"})
    signer = StringField("Người ký", required("Nhập họ tên người ký.") + [Length(max=120)], filters=[clean])
    awards = SelectMultipleField("Khen thưởng", coerce=int, option_widget=CheckboxInput(),
                                 widget=ListWidget(prefix_label=False),
                                 validators=required("Chọn ít nhất một tập thể, cá nhân được khen thưởng."))



@bp.post("/publication")
@roles_required("office")
def publish():
    """Closes the vote: nominations the council passed are approved and posted on /cong-khai, once no unit may
    file a proposal any more (so the comment window always ends after the filing deadline)."""
    campaign = current_campaign()
    if not Form().validate_on_submit():
        abort(400)
    if asking := unconfirmed("publication.open", url_for("review.index")):
        return asking
    with database.atomic():
        if publication_of(campaign):
            flash("Danh sách đã được công khai.", "info")
            return redirect(url_for("review.index"), 303)
        refuse(unpublishable(campaign))
        sent = list(Nomination.select().where(Nomination.campaign == campaign, Nomination.state == "sent"))
        if not sent:
            flash("Chưa có đề nghị nào được Hội đồng bình xét.", "error")
            return redirect(url_for("review.index"), 303)
        results = tallies(sent)
        for nomination in sent:
            nomination.state = "approved" if results[nomination.id].passes else "rejected"
            nomination.save()
        closes_on = clock.today() + dt.timedelta(days=current_app.config["PUBLIC_COMMENT_DAYS"])
        Publication.create(campaign=campaign, closes_on=closes_on, opened_by=current_user.id)
        Event.record("publication.open", current_user, campaign=campaign, subject=campaign,
                     after={"approved": [n.id for n in sent if n.state == "approved"],
                            "closes_on": closes_on.isoformat()})
    flash(f"Đã công khai danh sách; nhận ý kiến đến hết ngày {closes_on:%d/%m/%Y}.", "info")
    return redirect(url_for("review.index"), 303)


def _decision_page(campaign, publication, form, status=200):
    approved = list(Nomination.select().where(Nomination.campaign == campaign, Nomination.state == "approved")
                    .order_by(Nomination.id))
    form.awards.choices = [SelectChoice(n.id, f"{n.name} — {AWARDS[n.award]}") for n in approved]
    opinions = Opinion.select().where(Opinion.campaign == campaign).count()
    return render_template("nominations/decision.html", campaign=campaign, publication=publication, form=form,
                           approved=approved, opinions=opinions, window_open=comment_window_open(publication),
                           frozen=frozen(campaign)), status


@bp.route("/decision", methods=["GET", "POST"])
@roles_required(*WATCHERS)
def decision():
    campaign = current_campaign()
    publication = publication_of(campaign)
    if publication is None:
        flash("Chưa công khai danh sách nên chưa thể ra quyết định.", "error")
        return redirect(url_for("review.index"), 303)
    if request.method == "GET":
        form = DecisionForm(signer=current_user.full_name if current_user.role == "leader" else "",
                            signed_on=clock.today())
        form.awards.data = [n.id for n in Nomination.select().where(
            Nomination.campaign == campaign, Nomination.state == "approved")]
        return _decision_page(campaign, publication, form)
    if current_user.role != "leader":
        abort(403)
    form = DecisionForm()
    _decision_page(campaign, publication, form)  # fills the choices the form validates against
    if publication.approved_at:  # a replay: the decision is made once
        flash("Quyết định đã được phê duyệt.", "info")
        return redirect(url_for("public.decision"), 303)
    refuse(frozen(campaign) or commenting(publication))
    if not form.validate_on_submit():
        return _decision_page(campaign, publication, form, 400)
    if asking := unconfirmed("decision.approve", url_for("public.decision")):
        return asking
    with database.atomic():
        publication.decision_number, publication.decision_date = form.number.data, form.signed_on.data
        publication.signer, publication.approved_by, publication.approved_at = form.signer.data, current_user.id, clock.utc_now()
        publication.save()
        Nomination.update(awarded=True).where(Nomination.id.in_(form.awards.data)).execute()
        Event.record("decision.approve", current_user, campaign=campaign, subject=campaign,
                     after={"number": publication.decision_number, "awards": form.awards.data,
                            "signed_on": publication.decision_date.isoformat(), "signer": publication.signer})
    flash(f"Đã phê duyệt Quyết định số {publication.decision_number}.", "info")
    return redirect(url_for("public.decision"), 303)


def init_app(app):
    app.register_blueprint(bp)
