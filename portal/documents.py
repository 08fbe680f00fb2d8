"""Vietnamese administrative documents laid out as Nghị định 30/2020 asks: the aggregate sơ kết report,
the commendation decision and a nominee's dossier. Each builder returns the .docx as bytes; the routes
that gather what goes in them are in exports.py."""
import io
import re

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from . import clock
from .models import AWARDS, NOMINEE_KINDS
from .text import printable

FONT = "Times New Roman"
TEXT_WIDTH = 16.5  # cm: A4 less the 3 cm left and 1.5 cm right margins
CENTER, JUSTIFY = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.JUSTIFY
NAMED = 3  # the best and the lagging units named per content area; the rest are counted


def place(unit_name: str) -> str:
    """"UBND xã Bình Lư" is dated "Bình Lư, ngày …"."""
    return re.sub(r"^(UBND\s+)?(xã|phường|thị trấn)\s+", "", unit_name, flags=re.IGNORECASE)


def issuer(unit_name: str) -> str:
    return unit_name.upper() if unit_name.upper().startswith("UBND") else f"UBND {unit_name.upper()}"


def lines(text: str) -> list[str]:
    """What a unit typed, one entry per line: any line break counts, blank lines drop."""
    return [line.strip() for line in re.split(r"\r\n|[\r\n\u2028\u2029\v]", text or "") if line.strip()]


def _para(container, text="", bold=False, italic=False, align=None, size=None, first=False, keep=False):
    p = container.paragraphs[0] if first else container.add_paragraph()
    if text:
        run = p.add_run(printable(text))  # Word refuses control characters a row saved before the filter may hold
        run.bold, run.italic = bold, italic
        if size:
            run.font.size = Pt(size)
    if align is not None:
        p.alignment = align
    p.paragraph_format.space_after = Pt(0)
    p.paragraph_format.keep_with_next = keep
    return p


def _body(doc, text, bold=False, italic=False, keep=False):
    p = _para(doc, text, bold, italic, JUSTIFY, keep=keep)
    p.paragraph_format.first_line_indent = Cm(1)
    p.paragraph_format.space_after = Pt(6)
    return p


def _heading(doc, text):
    """A section title stays on the page of the text it heads."""
    return _body(doc, text, bold=True, keep=True)


def _said(doc, name, text):
    """"- Unit: what it wrote", each further line of it a paragraph of its own."""
    first, *rest = lines(text)
    _body(doc, f"- {name}: {first}")
    for line in rest:
        _body(doc, line)


def _table(doc, widths, style=None):
    """A table whose grid and cells agree on the widths (LibreOffice reads the grid, Word the cells)."""
    table = doc.add_table(rows=1, cols=len(widths))
    if style:
        table.style = style
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, widths):
        column.width = Cm(width)
    _fit_row(table.rows[0], widths)
    return table


def _fit_row(row, widths):
    for cell, width in zip(row.cells, widths):
        cell.width = Cm(width)


def _keep_row_whole(row):
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def _repeat_as_header(row):
    row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))


def admin_document(commune, symbol: str, kind: str, subject: str, number: str = "", day=None) -> Document:
    """A4, Times New Roman 14, the header block: issuing body and number left, Quốc hiệu and date right."""
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(14)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)  # Word falls back to another font for Vietnamese otherwise
    normal.paragraph_format.line_spacing = 1.0  # the template's 1.15 pushed a one-page decision's signer onto page 2
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), "vi-VN")  # Word's spelling check in Vietnamese, not English
    normal.element.rPr.append(language)
    for section in doc.sections:
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.top_margin, section.bottom_margin = Cm(2), Cm(2)
        section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    # The Quốc hiệu (13 pt bold) needs about 10.2 cm on one line.
    head = _table(doc, (5.5, TEXT_WIDTH - 5.5))
    left, right = head.rows[0].cells
    _para(left, issuer(commune.name), bold=True, align=CENTER, size=13, first=True)
    _para(left, "―――――", align=CENTER, size=13)
    _para(left, f"Số: {number}" if number else f"Số:      /{symbol}", align=CENTER, size=13)
    _para(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, align=CENTER, size=13, first=True)
    _para(right, "Độc lập - Tự do - Hạnh phúc", bold=True, align=CENTER, size=14)
    _para(right, "―――――――――――――", align=CENTER, size=13)
    day = day or clock.today()
    _para(right, f"{place(commune.name)}, ngày {day:%d} tháng {day:%m} năm {day:%Y}", italic=True,
          align=CENTER, size=14)
    _para(doc)
    _para(doc, kind, bold=True, align=CENTER)
    _para(doc, subject, bold=True, align=CENTER)
    _para(doc, "――――――――", align=CENTER)
    return doc


def footer(doc, recipients, title_lines: list[str], signer: str):
    """"Nơi nhận:" on the left; on the right the signer block, whole on one page with room to sign, and
    never alone on it: the last paragraph of the text goes along."""
    doc.paragraphs[-1].paragraph_format.keep_with_next = True
    _para(doc, keep=True)
    table = _table(doc, (7, TEXT_WIDTH - 7))
    _keep_row_whole(table.rows[0])
    left, right = table.rows[0].cells
    _para(left, "Nơi nhận:", bold=True, italic=True, size=12, first=True)
    for line in recipients:
        _para(left, f"- {line};", size=11)
    _para(left, "- Lưu: VT.", size=11)
    for i, line in enumerate(title_lines):
        _para(right, line, bold=True, align=CENTER, first=i == 0)
    for _ in range(4):  # about 3 cm for the signature and the seal
        _para(right)
    _para(right, signer, bold=True, align=CENTER)


def to_bytes(doc) -> bytes:
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _names(pairs) -> str:
    """"Bản Nà Bỏ (100%), Công an xã (90%) và 4 đơn vị khác"."""
    shown = ", ".join(f"{unit.name} ({percent}%)" for unit, percent in pairs[:NAMED])
    more = len(pairs) - NAMED
    return shown + (f" và {more} đơn vị khác" if more > 0 else "")


def aggregate_report(campaign, areas, rows, reports, expected: int, leader: str) -> bytes:
    """The office's sơ kết: per content area the counts, the best and the lagging units; then the
    notable models, difficulties and proposals the units wrote, and who did not report."""
    doc = admin_document(campaign.unit, "BC-UBND", "BÁO CÁO", f"Sơ kết {campaign.title}")
    units = [r.unit for r in rows]
    late = [u.name for u in units if u.id in reports and reports[u.id].late]
    missing = [u.name for u in units if u.id not in reports]
    _body(doc, f"Thực hiện Kế hoạch phát động thi đua “{campaign.theme}”, từ ngày {campaign.starts_on:%d/%m/%Y} "
               f"đến ngày {campaign.ends_on:%d/%m/%Y}; đến hạn {campaign.report_due_on:%d/%m/%Y} có "
               f"{len(reports)}/{len(units)} cơ quan, đơn vị, bản gửi báo cáo sơ kết"
               + (f" ({len(late)} đơn vị nộp muộn: {', '.join(late)})." if late else "."))
    if missing:
        _body(doc, f"Chưa gửi báo cáo ({len(missing)} đơn vị): {', '.join(missing)}.")
    _heading(doc, "I. KẾT QUẢ THỰC HIỆN")
    done = sum(r.overall.done for r in rows)
    total = sum(r.overall.total for r in rows)
    _body(doc, f"Toàn xã hoàn thành {done}/{total} việc ({round(100 * done / total) if total else 0}%); "
               f"mức cần đạt theo tiến độ đến ngày {clock.today():%d/%m/%Y} là {expected}%.")
    for i, area in enumerate(areas, 1):
        scored = [(r.unit, r.areas[area.id]) for r in rows if r.areas[area.id].total]
        area_done = sum(s.done for _, s in scored)
        area_total = sum(s.total for _, s in scored)
        _heading(doc, f"{i}. {area.title}")
        complete = sum(s.done == s.total for _, s in scored)
        _body(doc, f"Hoàn thành {area_done}/{area_total} việc ({round(100 * area_done / area_total) if area_total else 0}%); "
                   f"{complete}/{len(scored)} đơn vị hoàn thành toàn bộ.")
        ranked = sorted(scored, key=lambda us: -us[1].percent)
        best = [(u, s.percent) for u, s in ranked if s.percent >= expected]
        behind = [(u, s.percent) for u, s in reversed(ranked) if s.lag(expected / 100)]
        if best:
            _body(doc, f"Đơn vị làm tốt: {_names(best)}.")
        if behind:
            _body(doc, f"Đơn vị còn chậm: {_names(behind)}.")
    for title, attr in (("II. MÔ HÌNH HAY, CÁCH LÀM TỐT", "highlights"), ("III. KHÓ KHĂN, VƯỚNG MẮC", "difficulties"),
                        ("IV. KIẾN NGHỊ, ĐỀ XUẤT", "proposals")):
        _heading(doc, title)
        said = [(u.name, getattr(reports[u.id], attr)) for u in units if u.id in reports and lines(getattr(reports[u.id], attr))]
        for name, text in said:
            _said(doc, name, text)
        if not said:
            _body(doc, "Không có.")
    footer(doc, ["Thường trực Đảng ủy, HĐND xã", "Chủ tịch, các Phó Chủ tịch UBND xã", "Ủy ban MTTQ xã"],
           ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"], leader)
    return to_bytes(doc)


def _award_table(doc, nominations):
    widths = (1.2, 6.3, 5, 4)
    table = _table(doc, widths, "Table Grid")
    _repeat_as_header(table.rows[0])
    for cell, text in zip(table.rows[0].cells, ("TT", "Tập thể, cá nhân", "Đơn vị", "Hình thức")):
        _para(cell, text, bold=True, size=13, first=True, align=CENTER)
    for i, n in enumerate(nominations, 1):
        row = table.add_row()
        _fit_row(row, widths)
        _keep_row_whole(row)
        name = n.name + (f", {n.position}" if n.position else "")
        for cell, text in zip(row.cells, (str(i), name, n.workplace, AWARDS[n.award])):
            _para(cell, text, size=13, first=True, align=CENTER if text == str(i) else None)
    return table


def decision(campaign, nominations, number: str, day, signer: str) -> bytes:
    """The commendation decision: a draft (no number) until the leader approves it."""
    doc = admin_document(campaign.unit, "QĐ-UBND", "QUYẾT ĐỊNH", f"Về việc khen thưởng trong {campaign.title}",
                         number, day)
    _para(doc, f"CHỦ TỊCH {issuer(campaign.unit.name)}", bold=True, align=CENTER)
    _body(doc, "Căn cứ Luật Tổ chức chính quyền địa phương năm 2025;", italic=True)
    _body(doc, "Căn cứ Luật Thi đua, khen thưởng năm 2022 và các văn bản hướng dẫn thi hành;", italic=True)
    _body(doc, f"Căn cứ Kế hoạch phát động {campaign.title};", italic=True)
    _body(doc, "Theo đề nghị của Hội đồng Thi đua – Khen thưởng xã và Phòng Văn hóa – Xã hội.", italic=True)
    _para(doc, "QUYẾT ĐỊNH:", bold=True, align=CENTER)
    _body(doc, f"Điều 1. Khen thưởng {len(nominations)} tập thể, cá nhân đã có thành tích xuất sắc trong "
               f"phong trào thi đua “{campaign.theme}” (có danh sách kèm theo):", keep=True)
    _award_table(doc, nominations)
    _body(doc, "Điều 2. Kinh phí khen thưởng chi từ Quỹ thi đua, khen thưởng của xã theo quy định.")
    _body(doc, "Điều 3. Chánh Văn phòng HĐND và UBND xã, Trưởng phòng Văn hóa – Xã hội, các tập thể, cá nhân "
               "có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này./.")
    footer(doc, ["Như Điều 3", "Thường trực Đảng ủy, HĐND xã", "Ủy ban MTTQ xã"], ["CHỦ TỊCH"], signer)
    return to_bytes(doc)


def dossier(campaign, n, ctx, unit_nominations, tally, votes, remarks, leader: str) -> bytes:
    """A nominee's file: the achievement report from the checklist, the unit's list, the council's minutes."""
    doc = admin_document(campaign.unit, "BC-TĐKT", "BÁO CÁO THÀNH TÍCH",
                         f"Đề nghị {AWARDS[n.award]} cho {NOMINEE_KINDS[n.kind].lower()} {n.name}")
    _heading(doc, "I. SƠ LƯỢC")
    _body(doc, f"{NOMINEE_KINDS[n.kind]}: {n.name}" + (f", {n.position}" if n.position else "") + f"; đơn vị: {n.workplace}.")
    _heading(doc, "II. THÀNH TÍCH ĐẠT ĐƯỢC")
    for line in lines(n.achievement):
        _body(doc, line)
    score = ctx["score"]
    _body(doc, f"Kết quả thực hiện các nội dung thi đua của {n.unit.name} (theo danh sách việc cần làm): "
               f"hoàn thành {score.overall.done}/{score.overall.total} việc ({score.overall.percent}%).")
    if ctx.get("unit_score"):  # a campaign with points
        points = ctx["unit_score"]
        _body(doc, f"Điểm thi đua của {n.unit.name}: {points.points:g}/{points.max_points:g} điểm, "
                   f"xếp loại {points.grade_label}, xếp hạng {points.rank} trong các đơn vị cùng loại.")
    for area in ctx["areas"]:
        s = score.areas[area.id]
        _body(doc, f"{area.title}: {s.done}/{s.total} việc.", bold=True, keep=True)
        for task in area.task_list:
            check = ctx["checks"][task.id]
            if check.state == "done":
                files = ", ".join(e.name or f"tệp {e.id}" for e in ctx["evidence"].get(task.id, []))
                note = " ".join(lines(check.note))
                _body(doc, f"- {task.title}" + (f" ({note})" if note else "") + (f"; minh chứng: {files}" if files else "") + ".")
    if n.attachment:
        _body(doc, f"Tài liệu kèm theo: {n.attachment_name}.", italic=True)
    doc.add_page_break()
    _para(doc, "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG", bold=True, align=CENTER)
    _para(doc, f"của {n.unit.name}", italic=True, align=CENTER)
    _para(doc)
    _award_table(doc, unit_nominations)
    doc.add_page_break()
    _para(doc, "BIÊN BẢN HỌP XÉT", bold=True, align=CENTER)
    _para(doc, "của Hội đồng Thi đua – Khen thưởng xã", italic=True, align=CENTER)
    _para(doc)
    _body(doc, f"Hội đồng có {tally.members} thành viên; đề nghị khen thưởng {n.name} ({AWARDS[n.award]}) "
               f"được {tally.agree} phiếu đồng ý, {tally.disagree} phiếu không đồng ý; cần {tally.needed} phiếu "
               f"đồng ý. Kết quả: {'đạt' if tally.passes else 'chưa đạt'}.")
    for vote in votes:
        comment = " ".join(lines(vote.comment))
        _body(doc, f"- {vote.user.full_name or vote.user.username}: {'đồng ý' if vote.agree else 'không đồng ý'}"
                   + (f" ({comment})" if comment else "") + ".")
    for remark in remarks:
        _body(doc, f"Ý kiến Ủy ban MTTQ xã: {' '.join(lines(remark.text))}"
                   + (f" — Trả lời: {' '.join(lines(remark.answer))}" if remark.answer else ""))
    footer(doc, ["Hội đồng Thi đua – Khen thưởng xã"], ["CHỦ TỊCH HỘI ĐỒNG"], leader)
    return to_bytes(doc)
