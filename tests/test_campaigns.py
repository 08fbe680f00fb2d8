"""The office runs its campaigns: from a plan to a reviewed draft, edits, the lifecycle, clones and archives."""
import datetime as dt
import io
import json
from pathlib import Path

import docx
import pytest

from portal.models import Area, Campaign, Check, Event, Task, Unit

from conftest import form_data, soup, user

PLANS = Path(__file__).parent / "plans"
BINH_LU = (PLANS / "binh-lu-2026.md").read_text(encoding="utf-8")
BINH_LU_AREAS = [
    "Thi đua bảo đảm quốc phòng - an ninh, giữ vững ổn định địa bàn",
    "Thi đua hoàn thành tốt nhiệm vụ chuyên môn, nhiệm vụ chính trị",
]


@pytest.fixture
def office(actor):
    actor.login("vanhoa")
    return actor


def switch_to(actor, username):
    token = soup(actor.client.get("/password")).select_one(".logout input[name=csrf_token]")["value"]
    actor.client.post("/logout", data={"csrf_token": token})
    actor.login(username)


def token(actor) -> str:
    return soup(actor.client.get("/password")).select_one("input[name=csrf_token]")["value"]


def review(office, **fields):
    response = office.submit("/campaigns/import", "main form", **fields)
    assert response.status_code == 200, soup(response).select(".field-error")
    return response


def review_form(response) -> dict:
    form = soup(response).select_one("form[action='/campaigns/new']")
    data = {i["name"]: i.get("value", "") for i in form.select("input[name]")}
    data.update({t["name"]: t.text for t in form.select("textarea[name]")})
    return data


def test_the_binh_lu_plan_pasted_is_proposed_reviewed_and_created_with_its_four_areas(office):
    page = soup(review(office, text=BINH_LU))
    areas = page.select("fieldset.area-fields")
    assert len(areas) == 4
    assert [a.select_one("input[name$='-title']")["value"] for a in areas[:2]] == BINH_LU_AREAS
    assert page.select_one("input[name=starts_on]")["value"] == "2026-02-01"
    assert page.select_one("input[name=report_due_on]")["value"] == "2026-02-18"
    assert not Campaign.select().where(Campaign.status == "draft").exists()  # nothing saved before review

    data = review_form(review(office, text=BINH_LU))
    data["title"] = "Mừng Đảng, mừng xuân 2026"
    dropped = data["areas-0-tasks-0-title"]
    data["areas-0-tasks-0-title"] = ""  # the office drops a duty it does not want to track
    response = office.client.post("/campaigns/new", data=data)
    assert response.status_code == 303
    campaign = Campaign.get(Campaign.status == "draft")
    assert (campaign.title, campaign.starts_on, campaign.ends_on, campaign.report_due_on) == (
        "Mừng Đảng, mừng xuân 2026", dt.date(2026, 2, 1), dt.date(2026, 2, 28), dt.date(2026, 2, 18))
    assert campaign.theme == "Mừng Đảng, mừng xuân, quyết tâm giành 4 nhất"
    areas = campaign.areas_with_tasks()
    assert [a.title for a in areas][:2] == BINH_LU_AREAS and len(areas) == 4
    assert all(len(a.task_list) >= 3 for a in areas)
    assert dropped not in [t.title for t in areas[0].task_list]
    assert any(t.target.startswith("100% cơ quan, đơn vị, các bản") for t in areas[0].task_list)
    event = Event.get(Event.kind == "campaign.create")
    assert event.campaign_id == campaign.id and event.user_id == user("vanhoa").id
    assert response.headers["Location"] == f"/campaigns/{campaign.id}"


def test_a_word_document_is_uploaded_and_proposed(office):
    document = docx.Document()
    document.add_paragraph("KẾ HOẠCH")
    document.add_paragraph("Thi đua chào mừng Ngày Quốc tế Phụ nữ 8/3")
    document.add_paragraph("Thời gian: từ ngày 01/3/2026 đến ngày 31/3/2026. Báo cáo sơ kết gửi về trước ngày 25/3/2026.")
    document.add_paragraph("Một là, thi đua học tập: tổ chức ít nhất 02 buổi sinh hoạt chuyên đề.")
    document.add_paragraph("Hai là, thi đua lao động sản xuất: phấn đấu 100% hội viên tham gia tổ hợp tác.")
    upload = io.BytesIO()
    document.save(upload)
    upload.seek(0)
    page = soup(review(office, file=(upload, "ke-hoach.docx")))
    assert [a.select_one("input[name$='-title']")["value"] for a in page.select("fieldset.area-fields")] == [
        "Thi đua học tập", "Thi đua lao động sản xuất"]
    assert page.select_one("input[name=ends_on]")["value"] == "2026-03-31"


@pytest.mark.parametrize("fields, message", [
    ({"text": ""}, "Dán nội dung kế hoạch hoặc chọn một tệp."),
    ({"text": "Kế hoạch họp bản cuối năm, không có nội dung thi đua."}, "Không tìm thấy nội dung thi đua"),
    ({"file": (io.BytesIO(b"%PDF-1.4"), "ke-hoach.pdf")}, "Chỉ nhận tệp .docx, .md hoặc .txt"),
    ({"file": (io.BytesIO(b"PK\x03\x04broken"), "ke-hoach.docx")}, "Không đọc được tệp .docx"),
])
def test_a_plan_that_cannot_be_read_is_refused_in_vietnamese_and_nothing_is_created(office, fields, message):
    response = office.submit("/campaigns/import", "main form", **fields)
    assert response.status_code == 400
    assert message in soup(response).select_one(".field-error").text
    assert Campaign.select().count() == 1


def test_a_review_without_dates_comes_back_with_the_errors_and_the_typed_text(office):
    data = review_form(review(office, text=BINH_LU))
    data.update(starts_on="", ends_on="2026-01-01", title="Tên do văn phòng gõ")
    response = office.client.post("/campaigns/new", data=data)
    assert response.status_code == 400
    page = soup(response)
    assert page.select_one("#starts_on ~ .field-error").text == "Nhập ngày bắt đầu."
    assert page.select_one("input[name=title]")["value"] == "Tên do văn phòng gõ"
    assert len(page.select("fieldset.area-fields")) == 4
    assert Campaign.select().count() == 1


def test_a_blank_campaign_is_created_then_given_areas_and_tasks(office):
    response = office.submit("/campaigns/new", "main form", title="Thi đua Tết trồng cây", theme="",
                             starts_on="2026-03-01", ends_on="2026-03-31", report_due_on="2026-03-25")
    campaign = Campaign.get(Campaign.status == "draft")
    path = response.headers["Location"]
    assert office.submit(path, "#new-area form", **{"new-area-title": "Trồng cây"}).status_code == 303
    area = Area.get(Area.campaign == campaign)
    response = office.submit(path, f"#area-{area.id} details form", **{
        f"new-task-{area.id}-title": "Mỗi bản trồng cây dọc đường", f"new-task-{area.id}-target": "Ít nhất 100 cây",
        f"new-task-{area.id}-kinds": ["village"], f"new-task-{area.id}-evidence_required": "y"})
    assert response.status_code == 303
    task = Task.get(Task.area == area)
    assert (task.title, task.target, task.kinds, task.evidence_required) == (
        "Mỗi bản trồng cây dọc đường", "Ít nhất 100 cây", "village", True)
    assert [e.kind for e in Event.select().where(Event.campaign == campaign).order_by(Event.id)] == [
        "campaign.create", "area.create", "task.create"]


def test_the_office_edits_a_task_and_the_event_keeps_before_and_after(office, village):
    unit, task = village
    campaign = Campaign.current(Unit.root())
    response = office.submit(f"/campaigns/{campaign.id}", f"#task-{task.id} form", **{
        f"task-{task.id}-title": "Họp dân bản đầu xuân", f"task-{task.id}-kinds": ["village", "mass"],
        f"task-{task.id}-evidence_required": "y", f"task-{task.id}-position": "9"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"#task-{task.id}")
    task = Task.get_by_id(task.id)
    assert (task.title, task.kinds, task.evidence_required, task.position) == (
        "Họp dân bản đầu xuân", "village,mass", True, 9)
    row = soup(office.client.get(f"/campaigns/{campaign.id}")).select_one(f"#task-{task.id}")
    assert [i["value"] for i in row.select("input[type=checkbox][checked]")] == ["mass", "village", "y"]
    event = Event.get(Event.kind == "task.update")
    assert json.loads(event.after)["title"] == "Họp dân bản đầu xuân" and json.loads(event.before)["title"] != \
        "Họp dân bản đầu xuân"
    switch_to(office, "ban-na-bo")
    assert soup(office.client.get("/checklist")).select_one(f"#task-{task.id} .title").text == "Họp dân bản đầu xuân"


def test_a_task_without_a_title_is_refused_beside_its_field(office, village):
    _, task = village
    campaign = Campaign.current(Unit.root())
    response = office.submit(f"/campaigns/{campaign.id}", f"#task-{task.id} form", **{
        f"task-{task.id}-title": "", f"task-{task.id}-target": "Chỉ tiêu mới gõ"})
    assert response.status_code == 400
    row = soup(response).select_one(f"#task-{task.id}")
    assert row.select_one(".field-error").text == "Nhập việc cần làm."
    assert row.select_one(f"input[name=task-{task.id}-target]")["value"] == "Chỉ tiêu mới gõ"
    assert Task.get_by_id(task.id).title == task.title


def test_a_plan_changed_by_another_worker_shows_at_once_here_too(actor, village):
    """Each worker keeps a copy of the campaign's areas and tasks, valid while campaign.revision holds."""
    unit, task = village
    actor.login(unit.code)
    assert task.title in actor.client.get("/checklist").get_data(as_text=True)  # this worker's copy is made
    # What another worker's edit leaves in the database: the task changed, the revision moved on,
    # and nothing said to this worker.
    Task.update(title="Họp dân đầu xuân").where(Task.id == task.id).execute()
    Campaign.update(revision=Campaign.revision + 1).where(Campaign.id == task.area.campaign_id).execute()
    page = actor.client.get("/checklist").get_data(as_text=True)
    assert "Họp dân đầu xuân" in page and task.title not in page


def test_an_edit_based_on_an_older_plan_is_refused_and_what_was_typed_is_kept(office, village):
    """Two office tabs: the second saves a task, then the first saves the heading it loaded before."""
    _, task = village
    campaign = Campaign.current(Unit.root())
    old_page = soup(office.client.get(f"/campaigns/{campaign.id}"))
    office.submit(f"/campaigns/{campaign.id}", f"#task-{task.id} form", **{f"task-{task.id}-title": "Họp dân bản"})
    heading = {**form_data(old_page.select_one("form[action$='/campaigns/%d']" % campaign.id)),
               "campaign-title": "Tên mới gõ ở tab cũ"}
    events = Event.select().count()
    response = office.client.post(f"/campaigns/{campaign.id}", data=heading)
    assert response.status_code == 409
    page = soup(response)
    assert "Kế hoạch vừa được người khác sửa" in page.select_one("#flash").text
    assert page.select_one("input[name=campaign-title]")["value"] == "Tên mới gõ ở tab cũ"
    assert page.select_one(f"#task-{task.id} textarea[name=task-{task.id}-title]").text.strip() == "Họp dân bản"
    assert Campaign.get_by_id(campaign.id).title == campaign.title and Event.select().count() == events
    # The page it came back with carries the new revision: saving again from it works.
    response = office.client.post(f"/campaigns/{campaign.id}", data=form_data(
        page.select_one("form[action$='/campaigns/%d']" % campaign.id)))
    assert response.status_code == 303 and Campaign.get_by_id(campaign.id).title == "Tên mới gõ ở tab cũ"


@pytest.mark.parametrize("selector", ["#task-{task} form", "#task-{task} form[action$=remove]",
                                      "#area-{area} form", "#area-{area} form[action$=remove]",
                                      "#area-{area} details form", "#new-area form"])
def test_every_form_of_the_editor_refuses_a_stale_plan(office, village, selector):
    _, task = village
    campaign = Campaign.current(Unit.root())
    old_page = soup(office.client.get(f"/campaigns/{campaign.id}"))
    office.submit(f"/campaigns/{campaign.id}", "form[action$='/campaigns/%d']" % campaign.id, **{
        "campaign-theme": "Chủ đề sửa ở tab khác"})
    form = old_page.select_one(selector.format(task=task.id, area=task.area_id))
    before = (Task.select().count(), Area.select().count(), Event.select().count())
    typed = {"new-area-title": "Nội dung mới", f"new-task-{task.area_id}-title": "Việc mới"}
    response = office.client.post(form["action"], data={**form_data(form), **typed})
    assert response.status_code == 409
    assert (Task.select().count(), Area.select().count(), Event.select().count()) == before


def test_a_task_units_ticked_is_archived_with_their_work_when_removed(office, actor, village):
    unit, task = village
    campaign = Campaign.current(Unit.root())
    Check.create(unit=unit, task=task, state="done", note="Đã họp", version=1)
    response = office.submit(f"/campaigns/{campaign.id}", f"#task-{task.id} form[action$=remove]")
    assert response.status_code == 303
    task = Task.get_by_id(task.id)
    assert task.archived and Check.get(Check.unit == unit, Check.task == task).note == "Đã họp"
    assert Event.get(Event.kind == "task.archive").subject == f"task:{task.id}"
    page = soup(office.client.get(f"/campaigns/{campaign.id}"))
    assert page.select_one(f"li.archived#task-{task.id}").text == task.title
    assert page.select_one(f"#task-{task.id} form") is None
    board = soup(office.client.get(f"/board/units/{unit.id}"))
    assert board.select_one(f"#task-{task.id}") is None


def test_an_untouched_task_is_deleted_when_removed(office, village):
    unit, task = village
    assert not Check.select().where(Check.task == task).exists()
    office.submit(f"/campaigns/{Campaign.current(Unit.root()).id}", f"#task-{task.id} form[action$=remove]")
    assert Task.get_or_none(Task.id == task.id) is None
    assert Event.get(Event.kind == "task.delete").subject == f"task:{task.id}"


def test_an_area_with_ticked_tasks_is_archived_and_leaves_the_checklist(office, village):
    unit, task = village
    Check.create(unit=unit, task=task, state="done", version=1)
    campaign = Campaign.current(Unit.root())
    office.submit(f"/campaigns/{campaign.id}", f"#area-{task.area_id} form[action$=remove]")
    area = Area.get_by_id(task.area_id)
    assert area.archived and all(t.archived for t in area.tasks)
    assert area.id not in [a.id for a in campaign.areas_with_tasks()]
    assert Check.select().where(Check.task == task).exists()


def activate(office, campaign, to="active"):
    return office.submit(f"/campaigns/{campaign.id}", f"form:has(input[name=status][value={to}])")


def test_a_campaign_goes_from_draft_to_active_to_closed_to_archived(office):
    demo = Campaign.current(Unit.root())
    office.client.post(f"/campaigns/{demo.id}/clone", data={"csrf_token": token(office)})
    draft = Campaign.get(Campaign.status == "draft")
    response = activate(office, draft)
    assert "đang diễn ra" in soup(office.client.get(response.headers["Location"])).select_one("#flash").text
    assert Campaign.get_by_id(draft.id).status == "draft"  # one active campaign at a time

    activate(office, demo, "closed")
    activate(office, draft)
    assert Campaign.current(Unit.root()).id == draft.id
    switch_to(office, "ban-na-bo")
    assert soup(office.client.get("/checklist")).select_one(".area h2")  # the unit works on the new campaign
    assert all(int(li["id"][5:]) in {t.id for a in draft.areas_with_tasks() for t in a.task_list}
               for li in soup(office.client.get("/checklist")).select("li.task"))

    switch_to(office, "vanhoa")
    activate(office, demo, "archived")
    assert Campaign.get_by_id(demo.id).status == "archived"
    assert [json.loads(e.after)["status"] for e in Event.select().where(Event.kind == "campaign.status")
            .order_by(Event.id)] == ["closed", "active", "archived"]
    area = demo.areas_with_tasks()[0]
    refused = office.client.post(f"/areas/{area.id}", data={"csrf_token": token(office)})
    assert refused.status_code == 409 and "đã lưu trữ" in soup(refused).select_one(".flash.error").text
    replay = office.client.post(f"/campaigns/{demo.id}/status", data={"csrf_token": token(office),
                                                                      "status": "archived"})
    assert replay.status_code == 303 and Event.select().where(Event.kind == "campaign.status").count() == 3


def test_cloning_copies_areas_tasks_kinds_and_evidence_into_a_new_draft(office, village):
    unit, task = village
    task.evidence_required = True
    task.save()
    demo = Campaign.current(Unit.root())
    response = office.submit("/campaigns", f"#campaign-{demo.id} form")
    copy = Campaign.get(Campaign.status == "draft")
    assert response.headers["Location"] == f"/campaigns/{copy.id}"
    assert copy.title == f"{demo.title} (bản sao)" and copy.theme == demo.theme

    def outline(campaign):
        return [(a.title, [(t.title, t.target, t.kinds, t.evidence_required) for t in a.task_list])
                for a in campaign.areas_with_tasks()]

    assert outline(copy) == outline(demo)
    assert json.loads(Event.get(Event.kind == "campaign.clone").after)["cloned_from"] == demo.id
    assert Check.select().join(Task).join(Area).where(Area.campaign == copy).count() == 0


def test_the_cli_proposes_as_json_and_creates_only_when_asked(runner):
    result = runner.invoke(args=["campaign", "import", str(PLANS / "binh-lu-2026.md"), "--json"])
    assert result.exit_code == 0
    proposal = json.loads(result.stdout)
    assert set(proposal) == {"title", "theme", "starts_on", "ends_on", "report_due_on", "areas"}
    assert (proposal["starts_on"], proposal["ends_on"], proposal["report_due_on"]) == (
        "2026-02-01", "2026-02-28", "2026-02-18")
    assert [a["title"] for a in proposal["areas"]][:2] == BINH_LU_AREAS and len(proposal["areas"]) == 4
    assert set(proposal["areas"][0]["tasks"][0]) == {"title", "target"}
    assert Campaign.select().count() == 1

    created = runner.invoke(args=["campaign", "import", str(PLANS / "tan-phong-2026.txt"), "--create"])
    assert created.exit_code == 0, created.output
    assert "Nội dung" not in created.output.splitlines()[0]
    campaign = Campaign.get(Campaign.status == "draft")
    assert campaign.unit == Unit.root() and len(campaign.areas_with_tasks()) >= 2
    assert Event.get(Event.kind == "campaign.create").user_id is None


def test_the_cli_refuses_to_create_a_campaign_without_dates(runner, tmp_path):
    plan = tmp_path / "ke-hoach.txt"
    plan.write_text("KẾ HOẠCH\nThi đua làm đường\nMột là, mỗi bản làm ít nhất 01 km đường.\n", encoding="utf-8")
    result = runner.invoke(args=["campaign", "import", str(plan), "--create"])
    assert result.exit_code != 0 and "thiếu ngày bắt đầu, ngày kết thúc, hạn gửi sơ kết" in result.output
    assert Campaign.select().count() == 1
    unreadable = runner.invoke(args=["campaign", "import", str(tmp_path / "ke-hoach.txt").replace(".txt", ".pdf")])
    assert unreadable.exit_code != 0
