"""Files the office prints: the board as a workbook, and Vietnamese administrative documents
(the aggregate sơ kết report, the draft decision, a nominee's dossier) laid out as Nghị định 30/2020 asks."""
import io
import re

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from flask import Blueprint, send_file
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from playhouse.flask_utils import get_object_or_404

from . import clock, spreadsheet
from .auth import WATCHERS, roles_required
from .checklist import checklist_context, current_campaign
from .models import AWARDS, NOMINEE_KINDS, STATES, Check, Comment, Nomination, Report, User, Vote
from .nominations import publication_of, tallies
from .progress import progress
from .text import printable

bp = Blueprint("exports", __name__)
FONT = "Times New Roman"
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


def _place(unit_name: str) -> str:
    """"UBND xã Bình Lư" is dated "Bình Lư, ngày …"."""
    return re.sub(r"^(UBND\s+)?(xã|phường|thị trấn)\s+", "", unit_name, flags=re.IGNORECASE)


def _issuer(unit_name: str) -> str:
    return unit_name.upper() if unit_name.upper().startswith("UBND") else f"UBND {unit_name.upper()}"


def _run(paragraph, text, bold=False, italic=False, size=None):
    run = paragraph.add_run(printable(text))  # Word refuses control characters a row saved before the filter may hold
    run.bold, run.italic = bold, italic
    if size:
        run.font.size = Pt(size)
    return run


def _para(cell_or_doc, text="", bold=False, italic=False, align=None, size=None, first=False):
    p = cell_or_doc.paragraphs[0] if first else cell_or_doc.add_paragraph()
    if text:
        _run(p, text, bold, italic, size)
    if align is not None:
        p.alignment = align
    p.paragraph_format.space_after = Pt(0)
    return p


def admin_document(campaign, symbol: str, kind: str, subject: str, number: str = "", day=None) -> Document:
    """A4, Times New Roman 14, the header block: issuing body and number left, Quốc hiệu and date right."""
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(14)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)  # Word falls back to another font for Vietnamese otherwise
    for section in doc.sections:
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.top_margin, section.bottom_margin = Cm(2), Cm(2)
        section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    head = doc.add_table(rows=1, cols=2)
    head.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = head.rows[0].cells
    left.width, right.width = Cm(6), Cm(10.5)
    center = WD_ALIGN_PARAGRAPH.CENTER
    _para(left, _issuer(campaign.unit.name), bold=True, align=center, size=13, first=True)
    _para(left, "―――――", align=center, size=13)
    _para(left, f"Số: {number}" if number else f"Số:      /{symbol}", align=center, size=13)
    _para(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, align=center, size=13, first=True)
    _para(right, "Độc lập - Tự do - Hạnh phúc", bold=True, align=center, size=14)
    _para(right, "―――――――――――――", align=center, size=13)
    day = day or clock.today()
    _para(right, f"{_place(campaign.unit.name)}, ngày {day:%d} tháng {day:%m} năm {day:%Y}", italic=True,
          align=center, size=14)
    _para(doc)
    _para(doc, kind, bold=True, align=center)
    _para(doc, subject, bold=True, align=center)
    _para(doc, "――――――――", align=center)
    return doc


def _footer(doc, recipients, title: str, signer: str):
    """"Nơi nhận:" on the left, the signer block on the right."""
    _para(doc)
    table = doc.add_table(rows=1, cols=2)
    left, right = table.rows[0].cells
    _para(left, "Nơi nhận:", bold=True, italic=True, size=12, first=True)
    for line in recipients:
        _para(left, f"- {line};", size=11)
    _para(left, "- Lưu: VT.", size=11)
    center = WD_ALIGN_PARAGRAPH.CENTER
    _para(right, title, bold=True, align=center, first=True)
    for _ in range(4):
        _para(right)
    _para(right, signer, bold=True, align=center)


def _docx(doc, name):
    out = io.BytesIO()
    doc.save(out)
    return _send(out.getvalue(), name, DOCX)


def _leader_name():
    leader = User.select().where(User.role == "leader", User.active == True).first()  # noqa: E712
    return leader.full_name if leader else ""


def _body(doc, text, bold=False, italic=False):
    p = doc.add_paragraph()
    _run(p, text, bold, italic)
    p.paragraph_format.first_line_indent = Cm(1)
    p.paragraph_format.space_after = Pt(6)
    p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    return p


@bp.get("/exports/report.docx")
@roles_required(*WATCHERS)
def report_docx():
    campaign = current_campaign()
    areas = campaign.areas_with_tasks()
    units = campaign.units()
    reports = {r.unit_id: r for r in Report.select().where(Report.campaign == campaign, Report.submitted_at.is_null(False))}
    rows = progress(areas, units)
    doc = admin_document(campaign, "BC-UBND", "BÁO CÁO", f"Sơ kết {campaign.title}")
    late = [u.name for u in units if u.id in reports and reports[u.id].late]
    _body(doc, f"Thực hiện Kế hoạch phát động thi đua “{campaign.theme}”, từ ngày {campaign.starts_on:%d/%m/%Y} "
               f"đến ngày {campaign.ends_on:%d/%m/%Y}; đến hạn {campaign.report_due_on:%d/%m/%Y} có "
               f"{len(reports)}/{len(units)} cơ quan, đơn vị, bản gửi báo cáo sơ kết"
               + (f" ({len(late)} đơn vị nộp muộn: {', '.join(late)})." if late else "."))
    _body(doc, "I. KẾT QUẢ THỰC HIỆN", bold=True)
    for i, area in enumerate(areas, 1):
        done = sum(r.areas[area.id].done for r in rows)
        total = sum(r.areas[area.id].total for r in rows)
        _body(doc, f"{i}. {area.title}: hoàn thành {done}/{total} việc"
                   f" ({round(100 * done / total) if total else 0}%).", bold=True)
        for unit in units:
            text = reports[unit.id].result_texts.get(area.id) if unit.id in reports else ""
            if text:
                _body(doc, f"{unit.name}: {text}")
    for title, attr in (("II. MÔ HÌNH HAY, CÁCH LÀM TỐT", "highlights"), ("III. KHÓ KHĂN, VƯỚNG MẮC", "difficulties"),
                        ("IV. KIẾN NGHỊ, ĐỀ XUẤT", "proposals")):
        _body(doc, title, bold=True)
        said = [(u.name, getattr(reports[u.id], attr)) for u in units if u.id in reports and getattr(reports[u.id], attr)]
        for name, text in said or [("", "Không có.")]:
            _body(doc, f"{name}: {text}" if name else text)
    _footer(doc, ["Thường trực Đảng ủy, HĐND xã", "Chủ tịch, các Phó Chủ tịch UBND xã", "Ủy ban MTTQ xã"],
            "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH", _leader_name())
    return _docx(doc, "bao-cao-so-ket.docx")


def _award_table(doc, nominations):
    table = doc.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("TT", "Tập thể, cá nhân", "Đơn vị", "Hình thức")):
        _para(cell, text, bold=True, size=13, first=True)
    for i, n in enumerate(nominations, 1):
        cells = table.add_row().cells
        name = n.name + (f", {n.position}" if n.position else "")
        for cell, text in zip(cells, (str(i), name, n.workplace, AWARDS[n.award])):
            _para(cell, text, size=13, first=True)
    return table


@bp.get("/exports/decision.docx")
@roles_required(*WATCHERS)
def decision_docx():
    campaign = current_campaign()
    publication = publication_of(campaign)
    query = Nomination.select().where(Nomination.campaign == campaign)
    if publication and publication.approved_at:  # the decision as approved, else the list it will be drawn from
        nominations = list(query.where(Nomination.awarded == True).order_by(Nomination.kind, Nomination.id))  # noqa: E712
    else:
        states = ("approved",) if publication else ("sent", "approved")
        nominations = list(query.where(Nomination.state.in_(states)).order_by(Nomination.kind, Nomination.id))
    approved = bool(publication and publication.approved_at)
    doc = admin_document(campaign, "QĐ-UBND", "QUYẾT ĐỊNH", f"Về việc khen thưởng trong {campaign.title}",
                         publication.decision_number if approved else "", publication.decision_date if approved else None)
    _para(doc, f"CHỦ TỊCH {_issuer(campaign.unit.name)}", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _body(doc, "Căn cứ Luật Tổ chức chính quyền địa phương năm 2025;", italic=True)
    _body(doc, "Căn cứ Luật Thi đua, khen thưởng năm 2022 và các văn bản hướng dẫn thi hành;", italic=True)
    _body(doc, f"Căn cứ Kế hoạch phát động {campaign.title};", italic=True)
    _body(doc, "Theo đề nghị của Hội đồng Thi đua – Khen thưởng xã và Phòng Văn hóa – Xã hội.", italic=True)
    _para(doc, "QUYẾT ĐỊNH:", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _body(doc, f"Điều 1. Khen thưởng {len(nominations)} tập thể, cá nhân đã có thành tích xuất sắc trong "
               f"phong trào thi đua “{campaign.theme}” (có danh sách kèm theo):")
    _award_table(doc, nominations)
    _body(doc, "Điều 2. Kinh phí khen thưởng chi từ Quỹ thi đua, khen thưởng của xã theo quy định.")
    _body(doc, "Điều 3. Chánh Văn phòng HĐND và UBND xã, Trưởng phòng Văn hóa – Xã hội, các tập thể, cá nhân "
               "có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này./.")
    signer = publication.signer if publication and publication.signer else _leader_name()
    _footer(doc, ["Như Điều 3", "Thường trực Đảng ủy, HĐND xã", "Ủy ban MTTQ xã"], "CHỦ TỊCH", signer)
    return _docx(doc, "du-thao-quyet-dinh.docx")


@bp.get("/exports/nominations/<int:nomination_id>/dossier.docx")
@roles_required(*WATCHERS)
def dossier(nomination_id):
    campaign = current_campaign()
    n = get_object_or_404(Nomination, Nomination.id == nomination_id, Nomination.campaign == campaign)
    ctx = checklist_context(n.unit, campaign, readonly=True)
    doc = admin_document(campaign, "BC-TĐKT", "BÁO CÁO THÀNH TÍCH",
                         f"Đề nghị {AWARDS[n.award]} cho {NOMINEE_KINDS[n.kind].lower()} {n.name}")
    _body(doc, "I. SƠ LƯỢC", bold=True)
    _body(doc, f"{NOMINEE_KINDS[n.kind]}: {n.name}" + (f", {n.position}" if n.position else "") + f"; đơn vị: {n.workplace}.")
    _body(doc, "II. THÀNH TÍCH ĐẠT ĐƯỢC", bold=True)
    _body(doc, n.achievement)
    _body(doc, f"Kết quả thực hiện các nội dung thi đua của {n.unit.name} (theo danh sách việc cần làm): "
               f"hoàn thành {ctx['score'].overall.done}/{ctx['score'].overall.total} việc "
               f"({ctx['score'].overall.percent}%).")
    for area in ctx["areas"]:
        s = ctx["score"].areas[area.id]
        _body(doc, f"{area.title}: {s.done}/{s.total} việc.", bold=True)
        for task in area.task_list:
            check = ctx["checks"][task.id]
            if check.state == "done":
                files = ", ".join(e.name or f"tệp {e.id}" for e in ctx["evidence"].get(task.id, []))
                _body(doc, f"- {task.title}" + (f" ({check.note})" if check.note else "")
                      + (f"; minh chứng: {files}" if files else "") + ".")
    if n.attachment:
        _body(doc, f"Tài liệu kèm theo: {n.attachment_name}.", italic=True)
    doc.add_page_break()
    _para(doc, "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, f"của {n.unit.name}", italic=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _award_table(doc, Nomination.select().where(Nomination.campaign == campaign, Nomination.unit == n.unit,
                                                 Nomination.state.not_in(Nomination.CLOSED)).order_by(Nomination.id))
    doc.add_page_break()
    _para(doc, "BIÊN BẢN HỌP XÉT", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, "của Hội đồng Thi đua – Khen thưởng xã", italic=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    tally = tallies([n])[n.id]
    _body(doc, f"Hội đồng có {tally.members} thành viên; đề nghị khen thưởng {n.name} ({AWARDS[n.award]}) "
               f"được {tally.agree} phiếu đồng ý, {tally.disagree} phiếu không đồng ý; cần {tally.needed} phiếu "
               f"đồng ý. Kết quả: {'đạt' if tally.passes else 'chưa đạt'}.")
    for vote in Vote.select().where(Vote.nomination == n).order_by(Vote.at):
        _body(doc, f"- {vote.user.full_name or vote.user.username}: {'đồng ý' if vote.agree else 'không đồng ý'}"
                   + (f" ({vote.comment})" if vote.comment else "") + ".")
    for remark in Comment.select().where(Comment.nomination == n).order_by(Comment.id):
        _body(doc, f"Ý kiến Ủy ban MTTQ xã: {remark.text}" + (f" — Trả lời: {remark.answer}" if remark.answer else ""))
    _footer(doc, ["Hội đồng Thi đua – Khen thưởng xã"], "CHỦ TỊCH HỘI ĐỒNG", _leader_name())
    return _docx(doc, f"ho-so-khen-thuong-{n.id}.docx")


def init_app(app):
    app.register_blueprint(bp)
