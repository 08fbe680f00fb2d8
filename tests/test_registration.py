"""Đăng ký thi đua: a unit registers its aims at the start of the campaign, the office accepts or returns it, and
the council is warned of a proposal the unit did not register."""
import io

from openpyxl import load_workbook

from portal.models import Campaign, ClientWrite, Event, Nomination, Registration, Unit

from conftest import form_data, soup, switch, user

EARLY = "2026-02-05T09:00"  # day 5 of the campaign: registration (to the 7th day, 07/02) is open


def register(actor, action="send", **fields):
    data = {"title_lao-dong-tien-tien": "y", "count_giay-khen": "2", "action": action, **fields}
    return actor.submit("/dang-ky", "#registration form", **data)


def nà_bỏ():
    return Unit.get(Unit.code == "ban-na-bo")


def test_a_village_registers_and_the_office_accepts_it(app, actor):
    app.config["NOW"] = EARLY
    actor.login("ban-na-bo")
    area = Campaign.current(Unit.root()).areas_with_tasks()[0]
    saved = register(actor, "save", **{f"commit_{area.id}": "Không để xảy ra vụ việc ANTT\nTuần tra 2 buổi/tuần",
                                      "commit_general": "100% hộ treo cờ"})
    assert saved.status_code == 303
    page = soup(actor.client.get("/dang-ky"))
    assert page.select_one("#registration-state").text == "Chưa gửi"
    assert page.select_one(f"textarea[name=commit_{area.id}]").text.strip().splitlines() == [
        "Không để xảy ra vụ việc ANTT", "Tuần tra 2 buổi/tuần"]
    assert register(actor).status_code == 303
    assert soup(actor.client.get("/dang-ky")).select_one("#registration-state").text == "Chờ duyệt"

    switch(actor, "vanhoa")
    unit = nà_bỏ()
    summary = soup(actor.client.get("/dang-ky/tong-hop"))
    card = summary.select_one(f"#unit-{unit.id}")
    assert "Chờ duyệt" in card.h2.text and "Tập thể lao động tiên tiến" in card.text
    assert [li.text for li in card.select("ul.commitments li")] == [
        "100% hộ treo cờ", "[ND 1] Không để xảy ra vụ việc ANTT", "[ND 1] Tuần tra 2 buổi/tuần"]
    assert actor.submit("/dang-ky/tong-hop", f"#unit-{unit.id} form", action="accept").status_code == 303
    assert Registration.get(Registration.unit == unit).state == "accepted"
    assert [e.kind for e in Event.select().where(Event.kind.startswith("registration.")).order_by(Event.id)] == [
        "registration.save", "registration.submit", "registration.accept"]
    board = soup(actor.client.get("/board"))
    assert board.select_one(f"#unit-{unit.id} .registration").text == "ĐK: Đã duyệt"
    assert board.select_one(f"#unit-{actor_unit('ban-binh-lu').id} .registration").text == "ĐK: Chưa gửi"


def actor_unit(code):
    return Unit.get(Unit.code == code)


def test_registration_closes_after_the_seventh_day_in_commune_time(app, actor):
    app.config["NOW"] = "2026-02-07T23:59"
    actor.login("ban-na-bo")
    assert register(actor, "save").status_code == 303
    app.config["NOW"] = "2026-02-07T17:00:00+00:00"  # 00:00 on 08/02 in Hà Nội
    refused = register(actor, commit_general="Cam kết gõ sau hạn")
    page = soup(refused)
    assert refused.status_code == 409
    assert "Đã hết hạn đăng ký thi đua (hết ngày 07/02/2026)" in page.select_one("#closed").text
    assert page.select_one("textarea[name=commit_general]").text.strip() == "Cam kết gõ sau hạn"
    assert Registration.get(Registration.unit == nà_bỏ()).state == "draft"


def test_the_office_sets_a_later_deadline(app, actor):
    actor.login("vanhoa")
    campaign = Campaign.current(Unit.root())
    assert actor.submit(f"/campaigns/{campaign.id}/diem", "form.card",
                        registration_due_on="2026-02-12").status_code == 303
    switch(actor, "ban-na-bo")  # today is 10/02
    assert register(actor).status_code == 303


def test_a_returned_registration_needs_a_reason_and_may_be_sent_again_after_the_deadline(app, actor):
    app.config["NOW"] = EARLY
    actor.login("ban-na-bo")
    register(actor)
    switch(actor, "vanhoa")
    unit = nà_bỏ()
    form = f"#unit-{unit.id} form"
    no_reason = actor.submit("/dang-ky/tong-hop", form, action="return")
    assert no_reason.status_code == 400
    assert "Hãy ghi lý do trả lại" in soup(no_reason).select_one(f"#unit-{unit.id} .field-error").text
    assert actor.submit("/dang-ky/tong-hop", form, action="return",
                        **{f"u{unit.id}-comment": "Thiếu cam kết về an ninh trật tự"}).status_code == 303
    app.config["NOW"] = "2026-02-09T08:00"  # past the deadline
    switch(actor, "ban-na-bo")
    page = soup(actor.client.get("/dang-ky"))
    assert page.select_one("#registration-state").text == "Trả lại"
    assert "Thiếu cam kết về an ninh trật tự" in page.select_one("#office-comment").text
    assert register(actor, commit_general="Không để xảy ra vụ việc ANTT").status_code == 303
    assert Registration.get(Registration.unit == unit).state == "sent"


def test_a_stale_save_is_refused_with_the_typed_text_kept_and_a_repeated_send_is_harmless(app, actor):
    app.config["NOW"] = EARLY
    actor.login("ban-na-bo")
    page = soup(actor.client.get("/dang-ky")).select_one("#registration form")
    register(actor, "save")
    from conftest import form_data
    stale = actor.client.post("/dang-ky", data={**form_data(page), "commit_general": "Bản cũ", "action": "save"})
    assert stale.status_code == 409
    assert soup(stale).select_one("textarea[name=commit_general]").text.strip() == "Bản cũ"
    sent = soup(actor.client.get("/dang-ky")).select_one("#registration form")
    data = {**form_data(sent), "action": "send"}
    assert actor.client.post("/dang-ky", data=data).status_code == 303
    assert actor.client.post("/dang-ky", data=data).status_code == 303  # the retry of a weak link
    assert Event.select().where(Event.kind == "registration.submit").count() == 1


def propose(unit_code, kind, award):
    unit = Unit.get(Unit.code == unit_code)
    n = Nomination(campaign=Campaign.current(Unit.root()), unit=unit, kind=kind, name="Lò Văn Sáng", workplace=unit.name,
                   achievement="Vận động 42 hộ", award=award, created_by=user(unit_code))
    n.save()
    return n


def test_the_council_is_warned_of_a_proposal_outside_the_registration(app, actor):
    app.config["NOW"] = EARLY
    actor.login("ban-na-bo")
    register(actor)  # a collective "lao động tiên tiến" and two people for the giấy khen
    registered = propose("ban-na-bo", "individual", "giay-khen")
    outside = propose("ban-na-bo", "collective", "giay-khen")
    unregistered = propose("ban-binh-lu", "individual", "giay-khen")
    switch(actor, "hoidong")
    assert soup(actor.client.get(f"/nominations/{registered.id}")).select_one("#registration-warning") is None
    warning = soup(actor.client.get(f"/nominations/{outside.id}")).select_one("#registration-warning").text
    assert "không đăng ký danh hiệu tập thể “Giấy khen của Chủ tịch UBND xã”" in warning
    assert "chưa gửi đăng ký" in soup(actor.client.get(f"/nominations/{unregistered.id}")).select_one(
        "#registration-warning").text


def test_registrations_are_exported_as_one_sheet_with_typed_text_as_text(app, actor):
    app.config["NOW"] = EARLY
    actor.login("ban-na-bo")
    register(actor, commit_general="=1+1 hộ")
    switch(actor, "mttq")
    response = actor.client.get("/exports/dang-ky.xlsx")
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Đăng ký thi đua"]
    header, *lines = book.active.iter_rows(values_only=True)
    rows = {r[0]: dict(zip(header, r)) for r in lines}
    row = rows["Bản Nà Bỏ"]
    assert row["Trạng thái"] == "Chờ duyệt" and row["Danh hiệu tập thể đăng ký"] == "Tập thể lao động tiên tiến"
    assert row[header[4]] == 2
    assert row["Cam kết"] == "=1+1 hộ"
    assert rows["Bản Bình Lư"]["Trạng thái"] == "Chưa gửi"


def test_a_registration_sent_again_from_the_phones_outbox_is_saved_once(app, actor):
    """The outbox sends the draft under its client id; the answer is lost and the same request comes again."""
    app.config["NOW"] = EARLY
    actor.login("ban-na-bo")
    form = soup(actor.client.get("/dang-ky")).select_one("#registration form")
    data = {**form_data(form), "commit_general": "100% hộ treo cờ", "action": "save", "client_id": "dk-phone-0001"}
    assert actor.client.post("/dang-ky", data=data).status_code == 303
    again = actor.client.post("/dang-ky", data=data)  # the same version: without the id, a stale edit
    assert again.status_code == 303
    assert Registration.get(Registration.unit == nà_bỏ()).commitment_list == [{"area": None, "text": "100% hộ treo cờ"}]
    assert Event.select().where(Event.kind == "registration.save").count() == 1
    assert ClientWrite.select().where(ClientWrite.kind == "registration").count() == 1


def test_a_draft_kept_on_the_phone_and_sent_after_the_deadline_is_refused_with_its_text_kept(app, actor):
    app.config["NOW"] = EARLY
    actor.login("ban-na-bo")
    form = soup(actor.client.get("/dang-ky")).select_one("#registration form")  # opened before the deadline
    app.config["NOW"] = "2026-02-08T06:00"
    late = actor.client.post("/dang-ky", data={**form_data(form), "commit_general": "Cam kết soạn trên đồi",
                                               "action": "save", "client_id": "dk-phone-0002"})
    page = soup(late)
    assert late.status_code == 409
    assert "Đã hết hạn đăng ký thi đua (hết ngày 07/02/2026)" in page.select_one("#closed").text
    assert "Nội dung bạn đã soạn vẫn còn bên dưới" in page.select_one("#refused").text
    box = page.select_one("textarea[name=commit_general]")
    assert box.text.strip() == "Cam kết soạn trên đồi" and not box.find_parent("fieldset").has_attr("disabled")
    assert page.select_one("#registration button") is None  # nothing to send it with
    assert not Registration.select().exists() and not ClientWrite.select().exists()
