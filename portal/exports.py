"""Files the office prints: the board as a workbook, and the administrative documents (the aggregate
sơ kết report, the decision, a nominee's dossier) whose layout is in documents.py."""
import io
import re
import unicodedata

from flask import Blueprint, flash, redirect, send_file, url_for
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from playhouse.flask_utils import get_object_or_404

from . import clock, documents, spreadsheet
from .auth import WATCHERS, roles_required
from .checklist import checklist_context, current_campaign
from .models import STATES, Check, Comment, Nomination, Report, User, Vote
from .nominations import publication_of, tallies
from .progress import progress

bp = Blueprint("exports", __name__)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _send(data: bytes, name: str, mimetype: str):
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)


@bp.get("/exports/board.xlsx")
@roles_required(*WATCHERS)
def board_xlsx():
    campaign = current_campaign()
    areas = campaign.areas_with_tasks()
    units = campaign.units()
    book = Workbook()
    sheet = book.active
    sheet.title = "Bảng theo dõi"
    spreadsheet.append(sheet, ["Đơn vị", "Loại"] + [f"ND {i}. {a.title}" for i, a in enumerate(areas, 1)]
                       + ["Tổng (%)", "Hoàn thành", "Số việc"])
    for row in progress(areas, units):
        spreadsheet.append(sheet, [row.unit.name, row.unit.kind_label]
                           + [row.areas[a.id].percent if row.areas[a.id].total else None for a in areas]
                           + [row.overall.percent, row.overall.done, row.overall.total])
    detail = book.create_sheet("Chi tiết")
    spreadsheet.append(detail, ["Đơn vị", "Nội dung thi đua", "Việc", "Chỉ tiêu", "Trạng thái", "Ghi chú",
                                "Cập nhật lúc"])
    checks = {(c.unit_id, c.task_id): c for c in Check.select().where(Check.unit.in_([u.id for u in units]))}
    for unit in units:
        for area in areas:
            for task in area.task_list:
                if task.applies_to(unit):
                    check = checks.get((unit.id, task.id)) or Check(state="todo")
                    when = clock.local(check.updated_at).strftime("%d/%m/%Y %H:%M") if check.updated_at else ""
                    spreadsheet.append(detail, [unit.name, area.title, task.title, task.target, STATES[check.state],
                                                check.note, when])
    for ws in (sheet, detail):
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "B2"
        for i in range(1, ws.max_column + 1):
            ws.column_dimensions[get_column_letter(i)].width = 40 if i == 1 or ws is detail else 14
    out = io.BytesIO()
    book.save(out)
    return _send(out.getvalue(), "bang-theo-doi.xlsx", XLSX)


def _docx(data: bytes, name: str):
    return _send(data, name, DOCX)


def _leader_name():
    leader = User.select().where(User.role == "leader", User.active == True).first()  # noqa: E712
    return leader.full_name if leader else ""


def _slug(text: str) -> str:
    """"25/QĐ-UBND" → "25-qd-ubnd", for a file name any system keeps."""
    plain = unicodedata.normalize("NFKD", text.replace("Đ", "D").replace("đ", "d"))
    return re.sub(r"[^a-z0-9]+", "-", "".join(c for c in plain if c.isascii()).lower()).strip("-")


@bp.get("/exports/report.docx")
@roles_required(*WATCHERS)
def report_docx():
    campaign = current_campaign()
    areas = campaign.areas_with_tasks()
    reports = {r.unit_id: r for r in Report.select().where(Report.campaign == campaign, Report.submitted_at.is_null(False))}
    expected = round(100 * clock.expected_share(campaign.starts_on, campaign.ends_on))
    data = documents.aggregate_report(campaign, areas, progress(areas, campaign.units()), reports, expected,
                                      _leader_name())
    return _docx(data, "bao-cao-so-ket.docx")


def decision_nominations(campaign, publication) -> list:
    """Who the decision names: as approved, or else the list the council passed. None before the list is
    published; a decision naming nobody is never offered."""
    if publication is None:
        return []
    query = Nomination.select().where(Nomination.campaign == campaign).order_by(Nomination.kind, Nomination.id)
    if publication.approved_at:
        return list(query.where(Nomination.awarded == True))  # noqa: E712
    return list(query.where(Nomination.state == "approved"))


@bp.get("/exports/decision.docx")
@roles_required(*WATCHERS)
def decision_docx():
    campaign = current_campaign()
    publication = publication_of(campaign)
    nominations = decision_nominations(campaign, publication)
    if not nominations:
        flash("Hội đồng chưa thông qua tập thể, cá nhân nào nên chưa có quyết định khen thưởng.", "error")
        return redirect(url_for("nominations.index"), 303)
    if publication.approved_at:
        data = documents.decision(campaign, nominations, publication.decision_number, publication.decision_date,
                                  publication.signer or _leader_name())
        return _docx(data, f"quyet-dinh-{_slug(publication.decision_number)}.docx")
    return _docx(documents.decision(campaign, nominations, "", None, _leader_name()), "du-thao-quyet-dinh.docx")


@bp.get("/exports/nominations/<int:nomination_id>/dossier.docx")
@roles_required(*WATCHERS)
def dossier(nomination_id):
    campaign = current_campaign()
    n = get_object_or_404(Nomination, Nomination.id == nomination_id, Nomination.campaign == campaign)
    listed = (Nomination.select().where(Nomination.campaign == campaign, Nomination.unit == n.unit,
                                        Nomination.state.not_in(Nomination.CLOSED)).order_by(Nomination.id))
    tally = tallies([n])[n.id]
    votes = [] if tally.secret else Vote.select().where(Vote.nomination == n).order_by(Vote.at)  # a secret ballot
    data = documents.dossier(campaign, n, checklist_context(n.unit, campaign, readonly=True), listed, tally, votes,
                             Comment.select().where(Comment.nomination == n).order_by(Comment.id), _leader_name())
    return _docx(data, f"ho-so-khen-thuong-{n.id}.docx")


def init_app(app):
    app.register_blueprint(bp)
