"""A user uploads a Kế hoạch and gets a proposed campaign to review."""
import unicodedata
from pathlib import Path

import pytest

from portal.plan_import import PlanImportError, propose_campaign, read_plan

PLANS = Path(__file__).parent / "plans"


def propose(name):
    return propose_campaign(read_plan(PLANS / name))


def task_titles(area):
    return [task["title"] for task in area["tasks"]]


# --- The real Bình Lư plan -------------------------------------------------------------------

def test_binh_lu_plan_proposes_its_four_areas_in_order():
    areas = propose("binh-lu-2026.md")["areas"]
    assert len(areas) == 4
    for area, start in zip(areas, ["Thi đua bảo đảm quốc phòng", "Thi đua hoàn thành tốt nhiệm vụ chuyên môn",
                                   "Thi đua tổ chức các hoạt động mừng Đảng", "Thi đua chấp hành nghiêm pháp luật"]):
        assert area["title"].startswith(start)
    assert areas[0]["title"] == "Thi đua bảo đảm quốc phòng - an ninh, giữ vững ổn định địa bàn"


def test_binh_lu_every_area_has_at_least_three_tasks():
    for area in propose("binh-lu-2026.md")["areas"]:
        assert len(area["tasks"]) >= 3, area["title"]


def test_binh_lu_tasks_are_the_duties_split_on_semicolons():
    first, second = propose("binh-lu-2026.md")["areas"][:2]
    assert task_titles(first)[1:3] == [
        "Duy trì nghiêm các chế độ trực chỉ huy, trực ban, trực chiến, trực phòng chống thiên tai, cháy nổ trong dịp Tết",
        "Bảo đảm quân số trực theo đúng quy định, sẵn sàng xử lý kịp thời, hiệu quả các tình huống phát sinh",
    ]
    assert "Thực hiện nghiêm kỷ luật, kỷ cương hành chính" in task_titles(second)


def test_binh_lu_last_area_stops_before_the_time_section():
    last = propose("binh-lu-2026.md")["areas"][-1]
    assert task_titles(last)[-1].startswith("Giữ gìn vệ sinh môi trường, cảnh quan nông thôn")
    assert not any("Thời gian" in title or "01/02/2026" in title for title in task_titles(last))


def test_binh_lu_security_area_is_measured_by_its_100_percent_target():
    tasks = propose("binh-lu-2026.md")["areas"][0]["tasks"]
    phan_dau = [t for t in tasks if t["title"].startswith("Phấn đấu")]
    assert len(phan_dau) == 1
    assert phan_dau[0]["target"].startswith("100% cơ quan, đơn vị, các bản bảo đảm an toàn tuyệt đối về an ninh trật tự")


def test_binh_lu_only_measurable_duties_get_a_target():
    areas = propose("binh-lu-2026.md")["areas"]
    targets = [task["target"] for task in areas[0]["tasks"]]
    assert sum("100% cơ quan, đơn vị, các bản" in t for t in targets) == 1
    assert "" in targets
    # The festive area names no measurable phrase, so nothing is made up.
    assert all(task["target"] == "" for task in areas[2]["tasks"])


def test_binh_lu_title_theme_and_dates():
    plan = propose("binh-lu-2026.md")
    assert plan["title"].startswith("Phát động đợt thi đua cao điểm chào mừng kỷ niệm 96 năm ngày thành lập Đảng")
    assert plan["title"].endswith("mừng Xuân Bính Ngọ năm 2026")
    assert plan["theme"] == "Mừng Đảng, mừng xuân, quyết tâm giành 4 nhất"
    assert (plan["starts_on"], plan["ends_on"]) == ("2026-02-01", "2026-02-28")
    assert plan["report_due_on"] == "2026-02-18"


# --- Plans worded and numbered differently ---------------------------------------------------

def test_plain_text_plan_with_noi_dung_openers_and_dates_in_words():
    plan = propose("tan-phong-2026.txt")
    assert plan["title"] == ("Tổ chức đợt thi đua \"Tháng Ba biên giới\" và chào mừng ngày thành lập "
                             "Đoàn Thanh niên Cộng sản Hồ Chí Minh năm 2026")
    assert plan["theme"] == ""
    assert (plan["starts_on"], plan["ends_on"], plan["report_due_on"]) == ("2026-03-05", "2026-03-31", "2026-03-25")
    assert [a["title"] for a in plan["areas"]] == [
        "Thi đua xây dựng khu dân cư an toàn, giữ vững chủ quyền biên giới",
        "Thi đua ra quân làm đường giao thông nông thôn, vệ sinh môi trường",
        "Thi đua chăm lo đời sống đoàn viên, thanh niên khó khăn",
    ]
    # Hard-wrapped lines join back into one duty.
    assert "Duy trì tổ tự quản đường biên, mốc giới tại các bản biên giới" in task_titles(plan["areas"][0])
    assert plan["areas"][1]["tasks"][0] == {
        "title": "Mỗi bản tổ chức ít nhất 02 buổi ra quân làm đường, phát quang bụi rậm, khơi thông cống rãnh trong tháng",
        "target": "Mỗi bản tổ chức ít nhất 02 buổi ra quân làm đường, phát quang bụi rậm, khơi thông cống rãnh trong tháng",
    }
    assert "Tối thiểu 05 thanh niên được giới thiệu việc làm mới" in task_titles(plan["areas"][2])


def test_school_plan_with_numbered_subsections_and_lettered_duties():
    plan = propose("thcs-muong-so-2026.md")
    assert plan["theme"] == "Dạy tốt, học tốt, hướng về ngày thống nhất"
    # The 1975 - 2026 anniversary in the title is not the campaign period.
    assert (plan["starts_on"], plan["ends_on"], plan["report_due_on"]) == ("2026-04-01", "2026-04-30", "2026-04-28")
    assert [a["title"] for a in plan["areas"]] == [
        "Thi đua dạy tốt", "Thi đua học tốt", "Thi đua giữ gìn trường lớp xanh - sạch - đẹp, an toàn"]
    assert task_titles(plan["areas"][0]) == [
        "Mỗi giáo viên dạy ít nhất 02 tiết thao giảng, dự giờ đồng nghiệp tối thiểu 04 tiết",
        "Tổ chức chuyên đề đổi mới phương pháp dạy học theo Chương trình giáo dục phổ thông 2018",
        "Ứng dụng công nghệ thông tin trong soạn giảng",
        "Cập nhật sổ điểm điện tử đúng hạn",
    ]
    study = plan["areas"][1]["tasks"]
    assert study[1] == {"title": "Phấn đấu 100% học sinh lớp 9 được ôn tập đầy đủ trước kỳ thi tuyển sinh vào lớp 10",
                        "target": "100% học sinh lớp 9 được ôn tập đầy đủ trước kỳ thi tuyển sinh vào lớp 10"}
    assert task_titles(plan["areas"][2])[-1] == "Không để xảy ra tai nạn thương tích, bạo lực học đường"


def test_farmers_plan_with_lettered_areas_and_short_period():
    plan = propose("hoi-nong-dan-2026.txt")
    assert plan["title"] == "Phát động thi đua sản xuất vụ mùa năm 2026 chào mừng Ngày sinh Chủ tịch Hồ Chí Minh"
    assert plan["theme"] == "Nông dân Nậm Tăm chung sức làm giàu"
    # "từ 15/5 đến 15/6/2026": the start borrows the end's year.
    assert (plan["starts_on"], plan["ends_on"], plan["report_due_on"]) == ("2026-05-15", "2026-06-15", "2026-06-10")
    assert [a["title"] for a in plan["areas"]] == [
        "Thi đua gieo cấy đúng khung thời vụ", "Thi đua phòng, chống dịch bệnh cho cây trồng, vật nuôi",
        "Thi đua xây dựng mô hình kinh tế hiệu quả"]
    assert plan["areas"][0]["tasks"][1] == {"title": "Phấn đấu gieo cấy ít nhất 250 ha lúa mùa",
                                            "target": "Gieo cấy ít nhất 250 ha lúa mùa"}
    assert task_titles(plan["areas"][1]) == [
        "Tuyên truyền hội viên tiêm phòng đầy đủ cho đàn gia súc, gia cầm",
        "Vệ sinh, khử trùng chuồng trại định kỳ",
        "Theo dõi, phát hiện sớm sâu bệnh trên lúa và báo cáo kịp thời cho chính quyền",
    ]
    assert not any("Ban Thường vụ Hội phân công" in t for t in task_titles(plan["areas"][-1]))


def test_areas_numbered_one_two_under_a_roman_noi_dung_heading():
    plan = propose_campaign("KẾ HOẠCH\nThi đua mùa hè xanh\n\nII. NỘI DUNG THI ĐUA\n"
                            "1. Thi đua giữ gìn vệ sinh: Quét dọn đường làng mỗi sáng Chủ nhật.\n"
                            "2. Thi đua an toàn sông nước\nDạy bơi miễn phí cho trẻ em trong bản.\n"
                            "III. THỜI GIAN\nTừ 01/6/2026 đến 31/8/2026.\n")
    assert [(a["title"], task_titles(a)) for a in plan["areas"]] == [
        ("Thi đua giữ gìn vệ sinh", ["Quét dọn đường làng mỗi sáng Chủ nhật"]),
        ("Thi đua an toàn sông nước", ["Dạy bơi miễn phí cho trẻ em trong bản"]),
    ]
    assert (plan["title"], plan["starts_on"], plan["ends_on"]) == ("Thi đua mùa hè xanh", "2026-06-01", "2026-08-31")


def test_markdown_and_plain_text_read_the_same():
    markdown = ("## **KẾ HOẠCH**\n\n### Thi đua làm đường bê tông\n\n**Chủ đề:** *Đường sạch, bản đẹp*\n\n"
                "**Một là,** thi đua góp công làm đường: Mỗi hộ góp ít nhất 05 ngày công.\n\n"
                "- Vận động các hộ hiến đất mở rộng mặt đường liên bản.\n\n"
                "### **3. Thời gian**\n\nTừ ngày 01/10/2026 đến ngày 30/11/2026.\n")
    plain = ("KẾ HOẠCH\nThi đua làm đường bê tông\nChủ đề: Đường sạch, bản đẹp\n"
             "Một là, thi đua góp công làm đường: Mỗi hộ góp ít nhất 05 ngày công.\n"
             "Vận động các hộ hiến đất mở rộng mặt đường liên bản.\n"
             "3. Thời gian\nTừ ngày 01/10/2026 đến ngày 30/11/2026.\n")
    assert propose_campaign(markdown) == propose_campaign(plain)
    assert len(propose_campaign(plain)["areas"][0]["tasks"]) == 2


def test_decomposed_unicode_gives_the_same_proposal_in_nfc():
    text = (PLANS / "binh-lu-2026.md").read_text(encoding="utf-8")
    plan = propose_campaign(unicodedata.normalize("NFD", text))
    assert plan == propose_campaign(text)
    assert unicodedata.is_normalized("NFC", plan["areas"][0]["title"])


def test_long_duty_is_shortened_at_a_word_boundary():
    duty = "Tổ chức tuyên truyền sâu rộng " + "về phòng chống cháy rừng trong mùa khô hanh " * 8
    task = propose_campaign(f"Một là, thi đua bảo vệ rừng: {duty}.")["areas"][0]["tasks"][0]
    assert len(task["title"]) <= 161 and task["title"].endswith("…")
    assert duty.startswith(task["title"][:-1]) and duty[len(task["title"]) - 1] == " "


def test_periods_written_with_a_dash_or_in_words():
    body = "Một là, thi đua sản xuất: Trồng mới ít nhất 10 ha chè.\n"
    dash = propose_campaign(body + "Thời gian: 01/02/2026 - 28/02/2026")
    words = propose_campaign(body + "Thời gian: từ ngày 1 tháng 2 năm 2026 đến ngày 28 tháng 2 năm 2026")
    assert (dash["starts_on"], dash["ends_on"]) == (words["starts_on"], words["ends_on"]) == ("2026-02-01", "2026-02-28")
    assert dash["report_due_on"] is None and dash["title"] == "" and dash["theme"] == ""


def test_anniversary_dates_are_not_taken_for_the_period():
    text = ("KẾ HOẠCH\nThi đua chào mừng 96 năm thành lập Đảng (03/02/1930 - 03/02/2026)\n"
            "Một là, thi đua sản xuất: Trồng mới ít nhất 10 ha chè.\n"
            "Đợt thi đua diễn ra từ 15/12 đến 15/01/2027; các bản gửi báo cáo sơ kết trước ngày 10/01.\n")
    plan = propose_campaign(text)
    assert (plan["starts_on"], plan["ends_on"], plan["report_due_on"]) == ("2026-12-15", "2027-01-15", "2027-01-10")


def test_period_comes_from_the_time_section_not_from_dates_inside_a_duty():
    text = ("Một là, thi đua vệ sinh môi trường: Tổ chức tuần lễ ra quân từ 02/3 đến 08/3/2026.\n"
            "II. THỜI GIAN\nĐợt thi đua kéo dài từ ngày 01/3/2026 đến ngày 30/4/2026.\n")
    plan = propose_campaign(text)
    assert (plan["starts_on"], plan["ends_on"]) == ("2026-03-01", "2026-04-30")


def test_very_short_clauses_stay_with_their_neighbour():
    text = "Một là, thi đua vệ sinh: Quét dọn đường làng mỗi sáng Chủ nhật; nhặt rác; khơi thông cống rãnh quanh nhà văn hóa."
    assert task_titles(propose_campaign(text)["areas"][0]) == [
        "Quét dọn đường làng mỗi sáng Chủ nhật; nhặt rác", "Khơi thông cống rãnh quanh nhà văn hóa"]


# --- Files and malformed input ---------------------------------------------------------------

def test_empty_text_is_refused_with_a_vietnamese_message():
    for text in ("", "   \n\n  "):
        with pytest.raises(PlanImportError, match="Không tìm thấy nội dung thi đua nào trong văn bản"):
            propose_campaign(text)


def test_text_without_any_area_is_refused():
    letter = "KẾ HOẠCH\nTổ chức hội nghị tổng kết năm 2025\n\nThời gian: từ 01/12/2025 đến 05/12/2025.\n"
    with pytest.raises(PlanImportError, match="Không tìm thấy nội dung thi đua nào"):
        propose_campaign(letter)


def test_unsupported_file_suffix_is_refused(tmp_path):
    pdf = tmp_path / "ke-hoach.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    with pytest.raises(PlanImportError) as error:
        read_plan(pdf)
    assert str(error.value) == "Chỉ nhận tệp .docx, .md hoặc .txt"


def test_markdown_file_with_bom_reads_like_without(tmp_path):
    source = (PLANS / "binh-lu-2026.md").read_text(encoding="utf-8")
    with_bom = tmp_path / "ke-hoach.MD"
    with_bom.write_bytes(b"\xef\xbb\xbf" + source.encode("utf-8"))
    assert read_plan(with_bom) == source


def test_text_file_not_in_utf8_is_refused(tmp_path):
    legacy = tmp_path / "ke-hoach.txt"
    legacy.write_bytes("Một là, thi đua".encode("utf-16"))
    with pytest.raises(PlanImportError, match="UTF-8"):
        read_plan(legacy)


def test_word_document_reads_table_cells_and_paragraphs_in_order(tmp_path):
    import docx
    document = docx.Document()
    header = document.add_table(rows=2, cols=2)
    header.cell(0, 0).text = "ỦY BAN NHÂN DÂN XÃ BÌNH LƯ"
    header.cell(0, 1).text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    header.cell(1, 0).merge(header.cell(1, 1)).text = "Số: 12/KH-UBND"
    document.add_paragraph("KẾ HOẠCH")
    document.add_paragraph("Thi đua chào mừng Ngày Quốc khánh 2/9")
    document.add_paragraph("Chủ đề: Đoàn kết, sáng tạo")
    document.add_paragraph("Một là, thi đua lao động sản xuất: Thu hoạch lúa mùa đúng tiến độ; "
                           "phấn đấu 100% hộ gia đình hoàn thành thu hoạch trước ngày 30/8.")
    document.add_paragraph("Hai là, thi đua giữ gìn an ninh: Duy trì tuần tra ban đêm tại các bản.")
    document.add_paragraph("3. Thời gian: từ 15/8/2026 đến 05/9/2026.")
    path = tmp_path / "ke-hoach.docx"
    document.save(path)

    text = read_plan(path)
    assert text.index("ỦY BAN NHÂN DÂN") < text.index("CỘNG HÒA") < text.index("Số: 12/KH-UBND") < text.index("KẾ HOẠCH")
    assert text.count("Số: 12/KH-UBND") == 1
    plan = propose_campaign(text)
    assert (plan["title"], plan["theme"]) == ("Thi đua chào mừng Ngày Quốc khánh 2/9", "Đoàn kết, sáng tạo")
    assert (plan["starts_on"], plan["ends_on"]) == ("2026-08-15", "2026-09-05")
    assert [a["title"] for a in plan["areas"]] == ["Thi đua lao động sản xuất", "Thi đua giữ gìn an ninh"]
    assert plan["areas"][0]["tasks"][1]["target"] == "100% hộ gia đình hoàn thành thu hoạch trước ngày 30/8"


def test_damaged_word_document_is_refused(tmp_path):
    broken = tmp_path / "ke-hoach.docx"
    broken.write_bytes(b"not a zip file")
    with pytest.raises(PlanImportError, match="Không đọc được tệp .docx"):
        read_plan(broken)
