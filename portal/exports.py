"""Files the office prints: the board as a workbook, and the administrative documents (the aggregate
sơ kết report, the decision, a nominee's dossier) whose layout is in documents.py."""
import io
import tempfile

from flask import Blueprint, flash, redirect, send_file, url_for
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from playhouse.flask_utils import get_object_or_404

from . import clock, documents, scoring, spreadsheet
from .access import WATCHERS, current_campaign, roles_required
from .awards import decision_nominations, tallies
from .guards import publication_of
from .models import STATES, Check, Comment, Nomination, Report, User, Vote
from .text import slug
from .progress import progress, score, scorecard

bp = Blueprint("exports", __name__)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _send(data: bytes, name: str, mimetype: str):
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)


# Units whose checks are read at once: the workbook's memory stays that of one batch, whatever the commune's size.
BATCH = 500


@bp.get("/exports/board.xlsx")
@roles_required(*WATCHERS)
def board_xlsx():
    """The board and every check with its note, written row by row (openpyxl's write-only mode) to a temporary
    file. 3 000 units × 40 tasks as a whole workbook took 530 MB more memory, now 26 MB at any size, and about
    half the time (bench/export.py); what is left is openpyxl's own work per cell."""
    campaign = current_campaign()
    areas = campaign.areas_with_tasks()
    units = campaign.units()
    scores = scoring.scores(campaign, units, areas)  # one entry per unit: ranks need them all
    book = Workbook(write_only=True)
    board = _sheet(book, "Bảng theo dõi", ["Đơn vị", "Loại"] + [f"ND {i}. {a.title}" for i, a in enumerate(areas, 1)]
                   + ["Tổng (%)", "Hoàn thành", "Số việc"] + (scoring.XLSX_HEADER if scores else []), wide=1)
    detail = _sheet(book, "Chi tiết", ["Đơn vị", "Nội dung thi đua", "Việc", "Chỉ tiêu", "Trạng thái", "Ghi chú",
                                       "Cập nhật lúc"], wide=7)
    task_ids = {t.id for a in areas for t in a.task_list}
    for first in range(0, len(units), BATCH):
        batch = units[first:first + BATCH]
        query = (Check.select(Check.unit, Check.task, Check.state, Check.note, Check.updated_at)
                 .where(Check.unit.in_([u.id for u in batch])).tuples())
        checks = {(unit_id, task_id): rest for unit_id, task_id, *rest in query if task_id in task_ids}
        states = {key: check[0] for key, check in checks.items()}
        for unit in batch:
            row = score(areas, unit, states)
            spreadsheet.append(board, [unit.name, unit.kind_label]
                               + [row.areas[a.id].percent if row.areas[a.id].total else None for a in areas]
                               + [row.overall.percent, row.overall.done, row.overall.total]
                               + (scoring.xlsx_cells(scores[unit.id]) if scores else []))
            for area in areas:
                for task in area.task_list:
                    if task.applies_to(unit):
                        state, note, at = checks.get((unit.id, task.id), ("todo", "", None))
                        when = clock.local(at).strftime("%d/%m/%Y %H:%M") if at else ""
                        spreadsheet.append(detail, [unit.name, area.title, task.title, task.target, STATES[state],
                                                    note, when])
    out = tempfile.TemporaryFile()
    book.save(out)
    out.seek(0)
    return send_file(out, mimetype=XLSX, as_attachment=True, download_name="bang-theo-doi.xlsx", max_age=0)


def _sheet(book, title, header, wide):
    """A write-only sheet with its bold header row frozen; the first `wide` columns wide enough for names."""
    sheet = book.create_sheet(title)
    sheet.freeze_panes = "B2"
    for i in range(1, len(header) + 1):
        sheet.column_dimensions[get_column_letter(i)].width = 40 if i <= wide else 14
    spreadsheet.append(sheet, header, font=Font(bold=True))
    return sheet


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
