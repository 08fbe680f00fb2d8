"""Chấm điểm, xếp loại, xếp hạng: the office gives tasks points, units' ticks score themselves, the office changes
a line with a reason, and the board, the API and the workbook show points, grade and rank."""
import datetime as dt
import io
import json

import docx
from openpyxl import load_workbook
from PIL import Image

from portal import scoring
from portal.models import AreaPoints, Adjustment, Campaign, ClaimEvidence, Criterion, Event, Nomination, Scheme, TaskPoints, Unit, set_check
from portal.plan_import import propose_campaign

from conftest import csrf_token, form_data, soup, switch, user
from flows import photo as phone_photo, post


def unit(code):
    return Unit.get(Unit.code == code)


def first_area_village_tasks():
    """Area 1's tasks for villages: the first with 40 points, the other three with 20 (a hundred in all)."""
    area = Campaign.current(Unit.root()).areas_with_tasks()[0]
    return [t for t in area.task_list if t.applies_to(unit("ban-na-bo"))]


def give_points(actor, **extra):
    """The office fills in the points page of the campaign editor."""
    tasks = first_area_village_tasks()
    points = {f"task_{t.id}": str(40 if i == 0 else 20) for i, t in enumerate(tasks)}
    campaign = Campaign.current(Unit.root())
    return actor.submit(f"/campaigns/{campaign.id}/diem", "form.card", **points, **extra)


def tick(code, states):
    campaign, who = Campaign.current(Unit.root()), unit(code)
    for task, state in zip(first_area_village_tasks(), states):
        set_check(who, task, state, "", 0, user(code), campaign)


NÀ_BỎ = ("done", "doing", "na", "done")  # 40 + half of 20, the third does not apply, + 20: 70 of 80, so 87.5/100


def test_without_points_the_board_and_the_api_stay_as_they_were(app, actor):
    actor.login("vanhoa")
    board = soup(actor.client.get("/board"))
    assert "Điểm" not in [th.text for th in board.select("table.board thead th")]
    units = actor.client.get("/api/progress").get_json()["units"]
    assert {(u["points"], u["max_points"], u["grade"], u["rank"]) for u in units} == {(None, None, None, None)}
    sheet = load_workbook(io.BytesIO(actor.client.get("/exports/board.xlsx").data))["Bảng theo dõi"]
    assert "Điểm" not in [c.value for c in sheet[1]]


def test_ticks_score_a_unit_and_not_applicable_rescales_the_area(app, actor):
    actor.login("vanhoa")
    assert give_points(actor).status_code == 303
    tick("ban-na-bo", NÀ_BỎ)
    switch(actor, "ban-na-bo")
    page = soup(actor.client.get("/cham-diem"))
    assert page.select_one("#score b").text == "87.5/100"
    assert page.select_one("#grade").text == "Tốt"
    doing = first_area_village_tasks()[1]
    assert [td.text for td in page.select(f"#line-task-{doing.id} td")[1:]] == ["20", "10.0"]


def test_grades_at_the_thresholds():
    scheme = Scheme()
    assert [scoring.grade(p, scheme) for p in (100, 90, 89.9, 75, 74.9, 50, 49.9, 0)] == [
        "excellent", "excellent", "good", "good", "fair", "fair", "failing", "failing"]


def test_the_office_moves_the_thresholds(app, actor):
    actor.login("vanhoa")
    give_points(actor, good="85", fair="60")
    tick("ban-na-bo", NÀ_BỎ)
    assert scoring.unit_score(Campaign.current(Unit.root()), unit("ban-na-bo")).grade_label == "Tốt"
    wrong = give_points(actor, good="95")
    assert wrong.status_code == 400
    assert "Ngưỡng phải giảm dần" in soup(wrong).select_one(".field-error").text


def test_ranks_are_per_kind_and_ties_share_a_rank(app, actor):
    actor.login("vanhoa")
    give_points(actor)
    tick("ban-binh-lu", ("done",) * 4)
    tick("ban-na-bo", NÀ_BỎ)
    tick("ban-na-it", NÀ_BỎ)
    tick("th-binh-lu", ("done", "done"))  # a school: only the first and last tasks apply to it
    units = {u["code"]: u for u in actor.client.get("/api/progress").get_json()["units"]}
    assert (units["ban-binh-lu"]["points"], units["ban-binh-lu"]["grade"], units["ban-binh-lu"]["rank"]) == (
        100.0, "Xuất sắc", 1)
    assert [(units[c]["points"], units[c]["max_points"], units[c]["rank"]) for c in ("ban-na-bo", "ban-na-it")] == [
        (87.5, 100.0, 2), (87.5, 100.0, 2)]
    assert (units["ban-hoa-hong"]["points"], units["ban-hoa-hong"]["grade"], units["ban-hoa-hong"]["rank"]) == (
        0.0, "Chưa đạt", 4)
    assert units["th-binh-lu"]["rank"] == 1  # with schools, not behind the villages
    board = soup(actor.client.get("/board"))
    row = board.select_one(f"#unit-{unit('ban-na-it').id}")
    assert (row.select_one(".points a").text, row.select_one(".grade").text, row.select_one(".rank").text) == (
        "87.5", "Tốt", "2")
    sheet = load_workbook(io.BytesIO(actor.client.get("/exports/board.xlsx").data))["Bảng theo dõi"]
    header = [c.value for c in sheet[1]]
    rows = {r[0]: dict(zip(header, r)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert (rows["Bản Nà Ít"]["Điểm"], rows["Bản Nà Ít"]["Xếp loại"], rows["Bản Nà Ít"]["Xếp hạng (cùng loại đơn vị)"]) == (
        87.5, "Tốt", 2)


def test_a_unit_claims_a_bonus_and_the_office_applies_a_deduction_with_a_reason(app, actor):
    actor.login("vanhoa")
    give_points(actor, criterion_new0_title="Mô hình hay được nhân rộng", criterion_new0_points="5",
                criterion_new1_title="Để xảy ra vụ việc an ninh trật tự", criterion_new1_points="-10")
    tick("ban-na-bo", NÀ_BỎ)
    bonus, deduction = Campaign.current(Unit.root()).criteria.order_by(Criterion.position)
    switch(actor, "ban-na-bo")
    assert actor.submit("/cham-diem", f"#claim-{bonus.id}", **{f"c{bonus.id}-claimed": "y",
                        f"c{bonus.id}-note": "Mô hình bếp ăn chung, ảnh ở việc 1"}).status_code == 303
    assert soup(actor.client.get("/cham-diem")).select_one("#score b").text == "92.5/100"
    assert soup(actor.client.get("/cham-diem")).select_one(f"#claim-{deduction.id}") is None  # only the office

    switch(actor, "vanhoa")
    nà_bỏ = unit("ban-na-bo")
    path, form = f"/cham-diem/{nà_bỏ.id}", f"#line-criterion-{deduction.id} form"
    no_reason = actor.submit(path, form, **{f"criterion-{deduction.id}-points": "-10"})
    assert no_reason.status_code == 400
    assert "Hãy ghi lý do sửa điểm" in soup(no_reason).select_one(f"#line-criterion-{deduction.id} .field-error").text
    assert Adjustment.select().count() == 0
    assert actor.submit(path, form, **{f"criterion-{deduction.id}-points": "-10",
                                       f"criterion-{deduction.id}-reason": "Vụ trộm trâu ngày 12/02"}).status_code == 303
    page = soup(actor.client.get(path))
    assert page.select_one("#score b").text == "82.5/100" and page.select_one("#grade").text == "Tốt"
    event = Event.get(Event.kind == "score.change")
    assert (event.unit_id, event.subject) == (nà_bỏ.id, f"criterion:{deduction.id}")
    assert (event.before, event.after) == ('{"points": 0}', '{"points": -10, "reason": "Vụ trộm trâu ngày 12/02"}')
    audit = soup(actor.client.get("/audit"))
    assert "Sửa điểm của đơn vị" in audit.text


def test_a_stale_score_change_is_refused(app, actor):
    actor.login("vanhoa")
    give_points(actor)
    task = first_area_village_tasks()[0]
    nà_bỏ = unit("ban-na-bo")
    path, form = f"/cham-diem/{nà_bỏ.id}", f"#line-task-{task.id} form"
    page = soup(actor.client.get(path)).select_one(form)
    from conftest import form_data
    assert actor.submit(path, form, **{f"task-{task.id}-points": "30", f"task-{task.id}-reason": "Có minh chứng"}
                        ).status_code == 303
    stale = actor.client.post(page["action"], data={**form_data(page), f"task-{task.id}-points": "35",
                                                    f"task-{task.id}-reason": "Bản cũ"})
    assert stale.status_code == 409
    assert Adjustment.get().points == 30


def test_the_council_sees_the_unit_score_on_a_proposal_and_in_its_dossier(app, actor):
    actor.login("vanhoa")
    give_points(actor)
    tick("ban-na-bo", NÀ_BỎ)
    nà_bỏ = unit("ban-na-bo")
    n = Nomination(campaign=Campaign.current(Unit.root()), unit=nà_bỏ, kind="individual", name="Lò Văn Sáng",
                   workplace=nà_bỏ.name, achievement="Vận động 42 hộ", award="giay-khen", created_by=user("ban-na-bo"))
    n.save()
    switch(actor, "hoidong")
    assert "87.5/100" in soup(actor.client.get(f"/nominations/{n.id}")).select_one("#unit-score").text
    document = docx.Document(io.BytesIO(actor.client.get(f"/exports/nominations/{n.id}/dossier.docx").data))
    assert any(p.text.startswith("Điểm thi đua của Bản Nà Bỏ: 87.5/100 điểm, xếp loại Tốt") for p in document.paragraphs)


PLAN = """KẾ HOẠCH
Phát động thi đua mừng xuân
Một là, bảo đảm an ninh trật tự (tối đa 40 điểm). Tuần tra ít nhất 02 buổi mỗi tuần (25 điểm); không để xảy ra vụ việc phức tạp (15 điểm).
Hai là, văn hóa: tổ chức ít nhất 01 hoạt động văn nghệ (10 điểm).
Thang điểm
Hai là: 60 điểm
Cộng 5 điểm: mô hình hay được nhân rộng
Trừ 10 điểm: để xảy ra vụ việc an ninh trật tự
"""


def test_a_plan_with_points_brings_them_into_the_new_campaign(app, actor):
    proposal = propose_campaign(PLAN)
    first, second = proposal["areas"]
    assert (first["title"], first["max_points"]) == ("Bảo đảm an ninh trật tự", 40)
    assert [(t["title"], t["points"]) for t in first["tasks"]] == [
        ("Tuần tra ít nhất 02 buổi mỗi tuần", 25), ("Không để xảy ra vụ việc phức tạp", 15)]
    assert second["max_points"] == 60 and second["tasks"][0]["points"] == 10
    assert proposal["criteria"] == [{"title": "mô hình hay được nhân rộng", "points": 5},
                                    {"title": "để xảy ra vụ việc an ninh trật tự", "points": -10}]
    actor.login("vanhoa")
    form = actor.client.post("/campaigns/import", data={"text": PLAN, "csrf_token": soup(actor.client.get(
        "/campaigns/import")).select_one("input[name=csrf_token]")["value"]})
    proposed = soup(form).select_one("form[action='/campaigns/new']")
    assert proposed.select_one("input[name=areas-0-tasks-0-points]")["value"] == "25"
    assert [(proposed.select_one(f"input[name=criteria-{i}-title]")["value"],
             proposed.select_one(f"input[name=criteria-{i}-points]")["value"]) for i in (0, 1)] == [
        ("mô hình hay được nhân rộng", "5"), ("để xảy ra vụ việc an ninh trật tự", "-10")]
    from conftest import form_data
    # The office reviews the proposal: it rewords the bonus and drops nothing.
    created = actor.client.post("/campaigns/new", data={**form_data(proposed), "starts_on": "2026-03-01",
                                                         "ends_on": "2026-03-31", "report_due_on": "2026-03-25",
                                                         "criteria-0-title": "Mô hình hay được nhân rộng"})
    assert created.status_code == 303
    campaign = Campaign.select().order_by(Campaign.id.desc()).first()
    tasks = [t.id for a in campaign.areas_with_tasks() for t in a.task_list]
    assert sorted(p.points for p in TaskPoints.select().where(TaskPoints.task.in_(tasks))) == [10, 15, 25]
    assert sorted(a.max_points for a in AreaPoints.select().join(AreaPoints.area.rel_model).where(
        AreaPoints.area.rel_model.campaign == campaign)) == [40, 60]
    assert [(c.title, c.points) for c in campaign.criteria.order_by(Criterion.position)] == [
        ("Mô hình hay được nhân rộng", 5), ("để xảy ra vụ việc an ninh trật tự", -10)]


def test_a_cloned_campaign_keeps_its_points_scheme_with_the_registration_deadline_moved_with_its_start(app, actor):
    actor.login("vanhoa")
    demo = Campaign.current(Unit.root())
    give_points(actor, area_0="", doing_share="40", excellent="85", good="70", fair="45",
                registration_due_on=(demo.starts_on + dt.timedelta(days=9)).isoformat(),
                criterion_new0_title="Mô hình hay được nhân rộng", criterion_new0_points="5",
                criterion_new1_title="Để xảy ra vụ việc an ninh trật tự", criterion_new1_points="-10")
    first = demo.areas_with_tasks()[0]
    actor.submit(f"/campaigns/{demo.id}/diem", "form.card", **{f"area_{first.id}": "90"})
    assert actor.client.post(f"/campaigns/{demo.id}/clone", data={"csrf_token": csrf_token(actor.client)}
                             ).status_code == 303
    copy = Campaign.get(Campaign.status == "draft")

    def scheme(campaign):
        areas = campaign.areas_with_tasks()
        plan = scoring.plan_of(campaign, areas)
        return ([(a.title, plan.area_max.get(a.id), [(t.title, plan.task_points.get(t.id)) for t in a.task_list])
                 for a in areas], [(c.title, c.points) for c in plan.criteria],
                {k: v for k, v in plan.scheme.as_dict().items() if k != "registration_due_on"},
                (plan.scheme.registration_due - campaign.starts_on).days)

    assert scheme(copy) == scheme(demo)
    assert scheme(copy)[0][0][1] == 90 and scheme(copy)[3] == 9 and scheme(copy)[2]["doing_share"] == 40
    # The office moves the copy to next year: the deadline moves with the start.
    next_year = {f"campaign-{k}": (getattr(copy, k) + dt.timedelta(days=365)).isoformat()
                 for k in ("starts_on", "ends_on", "report_due_on")}
    assert actor.submit(f"/campaigns/{copy.id}", "form.card", **next_year).status_code == 303
    assert Scheme.of(copy).registration_due == demo.starts_on + dt.timedelta(days=365 + 9)
    assert Scheme.of(demo).registration_due == demo.starts_on + dt.timedelta(days=9)


def test_a_clone_of_a_campaign_without_points_or_a_deadline_has_none(app, actor):
    actor.login("vanhoa")
    demo = Campaign.current(Unit.root())
    actor.client.post(f"/campaigns/{demo.id}/clone", data={"csrf_token": csrf_token(actor.client)})
    copy = Campaign.get(Campaign.status == "draft")
    assert not scoring.plan_of(copy).active and not Criterion.select().where(Criterion.campaign == copy).exists()
    assert Scheme.of(copy).registration_due_on is None


def claim_file(actor, criterion, content, name):
    return actor.submit("/cham-diem", f"#files-{criterion.id} form[enctype]",
                        **{f"f{criterion.id}-file": (io.BytesIO(content), name)})


def test_a_bonus_claim_carries_a_photo_and_a_pdf_that_the_office_sees_and_no_other_unit_does(app, actor, files):
    actor.login("vanhoa")
    give_points(actor, criterion_new0_title="Mô hình hay được nhân rộng", criterion_new0_points="5")
    bonus = Campaign.current(Unit.root()).criteria.get()
    switch(actor, "ban-na-bo")
    exif = Image.Exif()
    exif[0x0110] = "Redmi 9A"  # the phone's model, which the kept file must not tell
    picture = phone_photo((2400, 1800), exif=exif)
    assert claim_file(actor, bonus, picture, "IMG_2041.jpg").status_code == 303
    assert claim_file(actor, bonus, picture, "IMG_2041.jpg").status_code == 303  # sent again: kept once
    assert claim_file(actor, bonus, b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n", "bien-ban.pdf").status_code == 303
    photo_row, pdf_row = ClaimEvidence.select().order_by(ClaimEvidence.id)
    assert (photo_row.kind, pdf_row.kind, pdf_row.name) == ("image", "pdf", "bien-ban.pdf")
    assert Event.select().where(Event.kind == "claim.file").count() == 2
    mine = soup(actor.client.get("/cham-diem")).select_one(f"#files-{bonus.id}")
    assert [a["href"] for a in mine.select("a")] == [f"/cham-diem/files/{photo_row.id}", f"/cham-diem/files/{pdf_row.id}"]
    kept = Image.open(io.BytesIO(actor.client.get(f"/cham-diem/files/{photo_row.id}").data))
    assert max(kept.size) == 1280 and not kept.getexif()  # re-encoded, shrunk, no metadata

    switch(actor, "th-binh-lu")  # another unit
    assert actor.client.get(f"/cham-diem/files/{photo_row.id}").status_code == 403
    assert actor.client.get(f"/cham-diem/files/{pdf_row.id}").status_code == 403
    switch(actor, "vanhoa")
    review = soup(actor.client.get(f"/cham-diem/{unit('ban-na-bo').id}")).select_one(f"#line-criterion-{bonus.id}")
    assert review.select_one("img")["src"] == f"/cham-diem/files/{photo_row.id}/thumb"
    assert actor.client.get(f"/cham-diem/files/{photo_row.id}/thumb").status_code == 200
    pdf = actor.client.get(f"/cham-diem/files/{pdf_row.id}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and "bien-ban.pdf" in pdf.headers[
        "Content-Disposition"]
    switch(actor, "mttq")
    assert actor.client.get(f"/cham-diem/files/{photo_row.id}").status_code == 200


def test_a_unit_takes_a_file_off_its_claim_once_and_not_after_the_campaign_is_frozen(app, actor, files):
    actor.login("vanhoa")
    give_points(actor, criterion_new0_title="Mô hình hay được nhân rộng", criterion_new0_points="5")
    bonus = Campaign.current(Unit.root()).criteria.get()
    switch(actor, "ban-na-bo")
    pdf = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
    for name in ("bien-ban.pdf", "anh.jpg"):
        claim_file(actor, bonus, pdf if name.endswith(".pdf") else phone_photo((800, 600)), name)
    kept, wrong = ClaimEvidence.select().order_by(ClaimEvidence.id)

    switch(actor, "th-binh-lu")  # not its file
    assert actor.client.post(f"/cham-diem/files/{wrong.id}/remove",
                             data={"csrf_token": csrf_token(actor.client)}).status_code == 403
    switch(actor, "ban-na-bo")
    remove = soup(actor.client.get("/cham-diem")).select(f"#files-{bonus.id} form[action$='/remove']")
    assert [f["action"] for f in remove] == [f"/cham-diem/files/{kept.id}/remove", f"/cham-diem/files/{wrong.id}/remove"]
    button = soup(actor.client.get("/cham-diem")).select_one(f"form[action='/cham-diem/files/{wrong.id}/remove'] button")
    assert button["data-confirm"] == "Gỡ minh chứng “anh.jpg” khỏi hồ sơ cộng điểm? Muốn dùng lại phải tải tệp lên lần nữa."
    # Without JavaScript the press brings the same question as a page, and nothing is taken off yet.
    asked = actor.client.post(f"/cham-diem/files/{wrong.id}/remove", data={"csrf_token": csrf_token(actor.client)})
    confirm = soup(asked).select_one("form.confirm")
    assert asked.status_code == 200 and button["data-confirm"] in confirm.get_text()
    assert ClaimEvidence.select().count() == 2
    # "Đồng ý" on that page, then the button pressed again (with its dialog) on a slow link: taken off once.
    assert actor.client.post(confirm["action"], data=form_data(confirm)).status_code == 303
    assert post(actor, f"/cham-diem/files/{wrong.id}/remove").status_code == 303
    assert [r.id for r in ClaimEvidence.select()] == [kept.id]
    assert actor.client.get(f"/cham-diem/files/{wrong.id}").status_code == 404
    removed = Event.select().where(Event.kind == "claim.file.remove")
    assert [(e.subject, json.loads(e.before)["file"]) for e in removed] == [(f"criterion:{bonus.id}", wrong.id)]
    page = soup(actor.client.get("/cham-diem"))
    assert [a["href"] for a in page.select(f"#files-{bonus.id} a")] == [f"/cham-diem/files/{kept.id}"]

    Campaign.update(status="closed").where(Campaign.id == bonus.campaign_id).execute()
    assert actor.client.post(f"/cham-diem/files/{kept.id}/remove",
                             data={"csrf_token": csrf_token(actor.client)}).status_code == 409
    assert ClaimEvidence.select().count() == 1


def test_a_claim_file_that_is_not_a_photo_or_pdf_is_refused_in_vietnamese_and_nothing_is_kept(app, actor, files):
    actor.login("vanhoa")
    give_points(actor, criterion_new0_title="Mô hình hay được nhân rộng", criterion_new0_points="5")
    bonus = Campaign.current(Unit.root()).criteria.get()
    switch(actor, "ban-na-bo")
    refused = claim_file(actor, bonus, b"MZ\x90\x00 not a picture", "anh.jpg")
    assert refused.status_code == 400
    assert soup(refused).select_one(f"#f{bonus.id}-file-error").text == "Chỉ nhận ảnh (JPG, PNG, WebP) hoặc tệp PDF."
    empty = actor.submit("/cham-diem", f"#files-{bonus.id} form[enctype]")
    assert empty.status_code == 400 and "Chọn một ảnh" in soup(empty).select_one(f"#f{bonus.id}-file-error").text
    assert ClaimEvidence.select().count() == 0 and not Event.select().where(Event.kind == "claim.file").exists()
