"""Files the office prints: the board as a workbook, and the administrative documents (the aggregate
sơ kết report, the decision, a nominee's dossier) whose layout is in documents.py."""
import datetime as dt
import io

from flask import Blueprint, flash, redirect, send_file, url_for
from playhouse.flask_utils import get_object_or_404

from . import clock, documents, scoring, spreadsheet
from .access import WATCHERS, current_campaign, roles_required
from .awards import decision_nominations, tallies
from .guards import publication_of
from .models import STATES, Check, Comment, Nomination, Report, User, Vote
from .text import slug
from .progress import kept_progress, progress, scorecard

bp = Blueprint("exports", __name__)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _send(data: bytes, name: str, mimetype: str):
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)


# Units whose checks are read at once: the workbook's memory stays that of one batch, whatever the commune's size.
BATCH = 500


@bp.get("/exports/board.xlsx")
@roles_required(*WATCHERS)
def board_xlsx():
    """The board and every check with its note, drawn while the file is written (spreadsheet.Book). 3 000 units ×
    40 tasks as a whole openpyxl workbook took 13.7 s and 530 MB more memory (bench/export.py)."""
    campaign = current_campaign()
    areas = campaign.areas_with_tasks()
    units = campaign.units()
    scores = scoring.scores(campaign, units, areas)  # one entry per unit: ranks need them all
    tasks = [(area, task) for area in areas for task in area.task_list]
    task_ids = {t.id for _, t in tasks}
    zone, utc = clock.zone(), dt.timezone.utc

    def board():  # from the totals each tick keeps, as the board page
        for row in kept_progress(campaign, areas, units):
            yield ([row.unit.name, row.unit.kind_label]
                   + [row.areas[a.id].percent if row.areas[a.id].total else None for a in areas]
                   + [row.overall.percent, row.overall.done, row.overall.total]
                   + (scoring.xlsx_cells(scores[row.unit.id]) if scores else []))

    def detail():  # the checks BATCH units at a time
        for first in range(0, len(units), BATCH):
            batch = units[first:first + BATCH]
            query = (Check.select(Check.unit, Check.task, Check.state, Check.note, Check.updated_at)
                     .where(Check.unit.in_([u.id for u in batch])).tuples())
            checks = {(unit_id, task_id): rest for unit_id, task_id, *rest in query if task_id in task_ids}
            for unit in batch:
                for area, task in tasks:
                    if task.applies_to(unit):
                        state, note, at = checks.get((unit.id, task.id), ("todo", "", None))
                        yield [unit.name, area.title, task.title, task.target, STATES[state], note,
                               at and at.replace(tzinfo=utc).astimezone(zone).replace(tzinfo=None)]

    book = spreadsheet.Book()
    n = 2 + len(areas) + 3  # the name and kind, a percent per area, the totals; then the score's, if any
    book.sheet("Bảng theo dõi", ["Đơn vị", "Loại"] + [f"ND {i}. {a.title}" for i, a in enumerate(areas, 1)]
               + ["Tổng (%)", "Hoàn thành", "Số việc"] + (scoring.XLSX_HEADER if scores else []), board(),
               numbers=[*range(2, n)] + ([n, n + 1, n + 3] if scores else []))
    book.sheet("Chi tiết", ["Đơn vị", "Nội dung thi đua", "Việc", "Chỉ tiêu", "Trạng thái", "Ghi chú",
                            "Cập nhật lúc"], detail(), wide=7, moments=[6])
    return book.send("bang-theo-doi.xlsx")


def _docx(data: bytes, name: str):
    return _send(data, name, DOCX)


def _leader_name(campaign):
    leader = User.select().where(User.role == "leader", User.unit == campaign.unit_id,
                                 User.active == True).first()  # noqa: E712
    return leader.full_name if leader else ""


@bp.get("/exports/report.docx")
@roles_required(*WATCHERS)
def report_docx():
    campaign = current_campaign()
    areas = campaign.areas_with_tasks()
    reports = {r.unit_id: r for r in Report.select().where(Report.campaign == campaign, Report.submitted_at.is_null(False))}
    expected = round(100 * clock.expected_share(campaign.starts_on, campaign.ends_on))
    data = documents.aggregate_report(campaign, areas, progress(areas, campaign.units()), reports, expected,
                                      _leader_name(campaign))
    return _docx(data, "bao-cao-so-ket.docx")


@bp.get("/exports/decision.docx")
@roles_required(*WATCHERS)
def decision_docx():
    campaign = current_campaign()
    publication = publication_of(campaign)
    nominations = decision_nominations(campaign, publication)
    if not nominations:
        flash("Hội đồng chưa thông qua tập thể, cá nhân nào nên chưa có quyết định khen thưởng.", "error")
        return redirect(url_for("review.index"), 303)
    if publication.approved_at:
        data = documents.decision(campaign, nominations, publication.decision_number, publication.decision_date,
                                  publication.signer or _leader_name(campaign))
        return _docx(data, f"quyet-dinh-{slug(publication.decision_number)}.docx")
    return _docx(documents.decision(campaign, nominations, "", None, _leader_name(campaign)), "du-thao-quyet-dinh.docx")


@bp.get("/exports/nominations/<int:nomination_id>/dossier.docx")
@roles_required(*WATCHERS)
def dossier(nomination_id):
    campaign = current_campaign()
    n = get_object_or_404(Nomination, Nomination.id == nomination_id, Nomination.campaign == campaign)
    listed = (Nomination.select().where(Nomination.campaign == campaign, Nomination.unit == n.unit,
                                        Nomination.state.not_in(Nomination.CLOSED)).order_by(Nomination.id))
    tally = tallies([n])[n.id]
    votes = [] if tally.secret else Vote.select().where(Vote.nomination == n).order_by(Vote.at)  # a secret ballot
    ctx = dict(scorecard(n.unit, campaign, readonly=True), unit_score=scoring.unit_score(campaign, n.unit))
    data = documents.dossier(campaign, n, ctx, listed, tally, votes,
                             Comment.select().where(Comment.nomination == n).order_by(Comment.id), _leader_name(campaign))
    return _docx(data, f"ho-so-khen-thuong-{n.id}.docx")


def init_app(app):
    app.register_blueprint(bp)
