"""The papers after the council's meeting, laid out as the other documents (Nghị định 30/2020, documents.py):
the minutes (biên bản họp xét), the office's submission to the chairman (tờ trình) and the certificates
(giấy khen) printed on the province's pre-printed A4 landscape forms."""
from docx.enum.section import WD_ORIENT
from docx.shared import Cm

from .documents import (
    CENTER, TEXT_WIDTH, _body, _heading, _keep_row_whole, _para, _repeat_as_header, _table, _fit_row, admin_document,
    footer, issuer, place, to_bytes,
)
from .models import AWARDS, NOMINEE_KINDS

OFFICE = "PHÒNG VĂN HÓA – XÃ HỘI"


def _who(user) -> str:
    return user.full_name or user.username


def _nominee(n) -> str:
    return f"{NOMINEE_KINDS[n.kind]} {n.name}" + (f", {n.position}" if n.position else "") + f" ({n.workplace})"


def _results(doc, nominations, tallies):
    """One row per proposal: the votes for and against and the result. Never a voter's name."""
    widths = (1.1, 6.4, 3.8, 1.8, 1.8, 1.6)
    table = _table(doc, widths, "Table Grid")
    _repeat_as_header(table.rows[0])
    for cell, text in zip(table.rows[0].cells, ("TT", "Tập thể, cá nhân", "Hình thức", "Đồng ý", "Không", "Kết quả")):
        _para(cell, text, bold=True, size=12, first=True, align=CENTER)
    for i, n in enumerate(nominations, 1):
        row = table.add_row()
        _fit_row(row, widths)
        _keep_row_whole(row)
        t = tallies[n.id]
        for j, text in enumerate((str(i), _nominee(n), AWARDS[n.award], str(t.agree), str(t.disagree),
                                  t.result.capitalize())):
            _para(row.cells[j], text, size=12, first=True, align=None if j in (1, 2) else CENTER)


def _signatures(doc, left: tuple[str, str], right: tuple[str, str]):
    """Two signers side by side (the secretary and the chair), each with room to sign."""
    doc.paragraphs[-1].paragraph_format.keep_with_next = True
    _para(doc, keep=True)
    table = _table(doc, (TEXT_WIDTH / 2, TEXT_WIDTH / 2))
    _keep_row_whole(table.rows[0])
    for cell, (title, name) in zip(table.rows[0].cells, (left, right)):
        _para(cell, title, bold=True, align=CENTER, first=True)
        for _ in range(4):
            _para(cell)
        _para(cell, name, bold=True, align=CENTER)


def minutes(campaign, meeting, people, members: int, nominations, tallies) -> bytes:
    doc = admin_document(campaign.unit, "BB-HĐTĐKT", "BIÊN BẢN",
                         f"Họp xét khen thưởng {campaign.title}", day=meeting.held_on)
    present = [people[i] for i in meeting.present_ids if i in people]
    written = [people[i] for i in meeting.in_writing_ids if i in people]
    _body(doc, f"Hồi ngày {meeting.held_on:%d/%m/%Y}, tại {meeting.place}, Hội đồng Thi đua – Khen thưởng xã họp xét "
               f"các đề nghị khen thưởng trong {campaign.title}.")
    _heading(doc, "I. THÀNH PHẦN")
    _body(doc, f"Chủ trì: {_who(people[meeting.chair_id])}. Thư ký: {_who(people[meeting.secretary_id])}.")
    _body(doc, f"Hội đồng có {members} thành viên; dự họp {len(present)} thành viên: "
               + (", ".join(_who(u) for u in present) or "không có") + ".")
    if written:
        _body(doc, "Vắng mặt, có ý kiến bằng văn bản: " + ", ".join(_who(u) for u in written) + ".")
    first = next(iter(tallies.values()), None)
    if first is not None and not first.has_quorum:
        _body(doc, f"Số thành viên dự họp chưa đủ {first.quorum}/{members} theo quy định: không đủ số thành viên "
                   "dự họp nên Hội đồng không thông qua đề nghị nào.", bold=True)
    _heading(doc, "II. KẾT QUẢ BÌNH XÉT")
    if nominations:
        _results(doc, nominations, tallies)
        for rule in sorted({t.explained for t in tallies.values()}):
            _body(doc, f"- {rule}", italic=True)
    else:
        _body(doc, "Không có đề nghị nào được trình Hội đồng.")
    _body(doc, "Biên bản được lập xong hồi cùng ngày, đã thông qua trước Hội đồng./.")
    _signatures(doc, ("THƯ KÝ", _who(people[meeting.secretary_id])), ("CHỦ TRÌ", _who(people[meeting.chair_id])))
    return to_bytes(doc)


def submission(campaign, meeting, nominations, tallies, publication, opinions: int, head: str) -> bytes:
    """Tờ trình from the office to the chairman: the proposals the council passed, their votes, the public's say."""
    doc = admin_document(campaign.unit, "TTr-VHXH", "TỜ TRÌNH", f"Về việc đề nghị khen thưởng trong {campaign.title}")
    left = doc.tables[0].rows[0].cells[0]
    office = left.paragraphs[1].insert_paragraph_before()  # under the commune: the office that writes
    office.alignment = CENTER
    run = office.add_run(OFFICE)
    run.bold = True
    office.paragraph_format.space_after = doc.paragraphs[0].paragraph_format.space_after
    _para(doc, f"Kính gửi: Chủ tịch {issuer(campaign.unit.name).replace('UBND', 'Ủy ban nhân dân').title()}",
          align=CENTER)
    _body(doc, "Căn cứ Luật Thi đua, khen thưởng năm 2022 và các văn bản hướng dẫn thi hành;", italic=True)
    _body(doc, f"Căn cứ Kế hoạch phát động {campaign.title};", italic=True)
    if meeting:
        _body(doc, f"Căn cứ kết quả họp xét của Hội đồng Thi đua – Khen thưởng xã ngày {meeting.held_on:%d/%m/%Y},",
              italic=True)
    _body(doc, f"Phòng Văn hóa – Xã hội kính trình Chủ tịch UBND xã xem xét, khen thưởng {len(nominations)} tập thể, "
               "cá nhân, hộ gia đình được Hội đồng thông qua, với kết quả bình xét như sau:", keep=True)
    _results(doc, nominations, tallies)
    if publication:
        _body(doc, f"Danh sách đã được công khai trên Cổng thi đua từ ngày {publication.opened_at:%d/%m/%Y} đến hết "
                   f"ngày {publication.closes_on:%d/%m/%Y}; "
                   + (f"nhận được {opinions} ý kiến của nhân dân, đã được xem xét, giải trình."
                      if opinions else "không nhận được ý kiến nào của nhân dân."))
    else:
        _body(doc, "Danh sách chưa được công khai lấy ý kiến nhân dân.")
    _body(doc, "Kính trình Chủ tịch UBND xã xem xét, quyết định./.")
    footer(doc, ["Như trên", "Hội đồng Thi đua – Khen thưởng xã"], ["TRƯỞNG PHÒNG"], head)
    return to_bytes(doc)


def certificates(campaign, nominations, publication, margins) -> bytes:
    """One A4 landscape page per award; the margins fit the pre-printed form (frame and Quốc hiệu may be printed)."""
    doc = admin_document(campaign.unit, "QĐ-UBND", "", "")
    body = doc.element.body
    for child in list(body):  # the certificate has its own layout: only the document's styles are kept
        if child.tag.endswith("}p") or child.tag.endswith("}tbl"):
            body.remove(child)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21)
    section.top_margin, section.right_margin, section.bottom_margin, section.left_margin = (Cm(m) for m in margins)
    day = publication.decision_date
    for i, n in enumerate(nominations):
        head = _para(doc, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, align=CENTER, size=14)
        head.paragraph_format.page_break_before = i > 0
        _para(doc, "Độc lập - Tự do - Hạnh phúc", bold=True, align=CENTER)
        _para(doc)
        _para(doc, f"CHỦ TỊCH {issuer(campaign.unit.name)}", bold=True, align=CENTER, size=16)
        _para(doc, "TẶNG", bold=True, align=CENTER, size=16)
        _para(doc, "GIẤY KHEN" if n.award == "giay-khen" else AWARDS[n.award].upper(), bold=True, align=CENTER,
              size=28)
        _para(doc, n.name, bold=True, align=CENTER, size=22)
        if n.position or n.workplace:
            _para(doc, ", ".join(x for x in (n.position, n.workplace) if x), align=CENTER, size=16)
        _para(doc, f"Đã có thành tích xuất sắc trong {campaign.title}", italic=True, align=CENTER, size=15)
        achievement = " ".join(n.achievement.split())
        _para(doc, achievement if len(achievement) <= 220 else achievement[:217].rstrip() + "…", italic=True,
              align=CENTER, size=14)
        _para(doc)
        signed = _table(doc, (11, 11))
        _keep_row_whole(signed.rows[0])
        left, right = signed.rows[0].cells
        _para(left, f"Quyết định số {publication.decision_number}", size=13, align=CENTER, first=True)
        _para(left, f"ngày {day:%d/%m/%Y}", size=13, align=CENTER)
        _para(right, f"{place(campaign.unit.name)}, ngày {day:%d} tháng {day:%m} năm {day:%Y}", italic=True,
              align=CENTER, first=True)
        _para(right, "CHỦ TỊCH", bold=True, align=CENTER)
        for _ in range(3):
            _para(right)
        _para(right, publication.signer, bold=True, align=CENTER)
    return to_bytes(doc)
