"""Accounts: the office issues the units' accounts on a printable sheet with one-time passwords, resets, locks
and reopens them, and no others; new passwords are long and hard to guess, on the web and at the command line;
the command line leaves the same events as the web."""
import pytest

from portal.models import Event, Lockout, Unit, User

from conftest import soup, user

STAFF = ["hoidong", "chutich", "mttq", "vanhoa2"]  # the council, the leader, the supervisor, another office clerk


@pytest.fixture
def office(actor, runner):
    """The office signed in, with a second office clerk beside it."""
    result = runner.invoke(args=["user", "create", "vanhoa2", "--role", "office", "--password-stdin"],
                           input="lò-thị-mai-2026\n")
    assert result.exit_code == 0, result.output
    actor.login("vanhoa")
    return actor


@pytest.mark.parametrize("username", STAFF)
def test_the_units_page_offers_no_reset_or_lock_for_staff_accounts(office, username):
    row = soup(office.client.get("/units")).select_one(f"#user-{user(username).id}")
    assert row.select("form") == []
    assert "flask user" in row.text


@pytest.mark.parametrize("username", STAFF)
def test_the_office_cannot_reset_or_lock_staff_accounts(office, username):
    """Or the office could take over the chairman's account and approve a decision as him."""
    target = user(username)
    token = soup(office.client.get("/units")).select_one("input[name=csrf_token]")["value"]
    before = Event.last_id()
    assert office.client.post(f"/accounts/{target.id}/reset", data={"csrf_token": token}).status_code == 403
    assert office.client.post(f"/accounts/{target.id}/active",
                              data={"csrf_token": token, "active": "0"}).status_code == 403
    after = user(username)
    assert after.password_hash == target.password_hash and after.active and not after.must_change_password
    assert Event.last_id() == before


def test_the_office_still_resets_and_locks_unit_accounts(office):
    village = user("ban-na-bo")
    assert office.submit("/units", f"#user-{village.id} form[action$=reset]").status_code == 200
    assert office.submit("/units", f"#user-{village.id} form[action$=active]").status_code == 303
    assert user("ban-na-bo").must_change_password and not user("ban-na-bo").active


def change_password(actor, new):
    return actor.submit("/password", "main form", current="demo2026", new=new, confirm=new)


@pytest.mark.parametrize("new,message", [
    ("ngan-qua", "Mật khẩu cần ít nhất 10 ký tự."),
    ("ban-na-bo", "Mật khẩu cần ít nhất 10 ký tự."),
    ("Ban-Na-Bo-2026", "Mật khẩu không được dựa trên tên đăng nhập; người khác dễ đoán ra."),
    ("1234567890", "Mật khẩu này nằm trong danh sách mật khẩu hay bị dùng, dễ bị dò ra; hãy chọn mật khẩu khác."),
    ("Basketball", "Mật khẩu này nằm trong danh sách mật khẩu hay bị dùng, dễ bị dò ra; hãy chọn mật khẩu khác."),
    ("anhyeuem123", "Mật khẩu này nằm trong danh sách mật khẩu hay bị dùng, dễ bị dò ra; hãy chọn mật khẩu khác."),
], ids=["short", "the-username", "the-username-and-a-year", "common", "common-in-capitals", "common-in-vietnam"])
def test_a_weak_new_password_is_refused_with_the_reason_in_vietnamese(actor, new, message):
    actor.login("ban-na-bo")
    response = change_password(actor, new)
    assert response.status_code == 400
    assert [p.text for p in soup(response).select("#new ~ .field-error")] == [message]
    assert user("ban-na-bo").check_password("demo2026")


def test_a_password_made_of_the_unit_code_is_refused(actor, runner):
    """The unit's second account has a name of its own, but its unit's code is just as easy to guess."""
    runner.invoke(args=["user", "create", "truongban", "--role", "unit", "--unit", "ban-na-it", "--password-stdin"],
                  input="tao-văn-hặc-2026\n")
    actor.login("truongban", "tao-văn-hặc-2026")
    response = actor.submit("/password", "main form", current="tao-văn-hặc-2026", new="BAN-NA-IT-2026",
                            confirm="BAN-NA-IT-2026")
    assert response.status_code == 400
    assert "mã đơn vị" in soup(response).select_one("#new ~ .field-error").text


def test_a_good_new_password_is_taken(actor):
    actor.login("ban-na-bo")
    assert change_password(actor, "suối-nà-bỏ-mùa-lúa").status_code == 303
    assert user("ban-na-bo").check_password("suối-nà-bỏ-mùa-lúa")


@pytest.mark.parametrize("password,reason", [
    ("123456789", "ít nhất 10 ký tự"), ("qwertyuiop", "hay bị dùng"), ("Ban-Na-Bo-2026", "tên đăng nhập"),
], ids=["short", "common", "the-username"])
def test_the_command_line_holds_new_passwords_to_the_same_rules(runner, password, reason):
    created = runner.invoke(args=["user", "create", "ban-na-bo-2", "--role", "unit", "--unit", "ban-na-bo",
                                  "--password-stdin"], input=f"{password}\n")
    assert created.exit_code != 0 and reason in created.output
    assert not User.select().where(User.username == "ban-na-bo-2").exists()
    changed = runner.invoke(args=["user", "password", "ban-na-bo", "--password-stdin"], input=f"{password}\n")
    assert changed.exit_code != 0 and reason in changed.output
    assert user("ban-na-bo").check_password("demo2026")


def test_the_command_line_writes_events_as_the_web_does(runner, actor):
    runner.invoke(args=["user", "create", "truongban", "--role", "unit", "--unit", "ban-na-it", "--name", "Tao Văn Hặc",
                        "--password-stdin"], input="tao-văn-hặc-2026\n")
    runner.invoke(args=["user", "password", "chutich", "--password-stdin"], input="nhàn-bình-lư-2026\n")
    created = Event.get(Event.kind == "account.create", Event.subject == f"user:{user('truongban').id}")
    assert created.unit.code == "ban-na-it" and created.user is None
    assert '"username": "truongban"' in created.after and '"role": "unit"' in created.after
    changed = Event.get(Event.kind == "account.password", Event.subject == f"user:{user('chutich').id}")
    assert changed.user is None
    actor.login("vanhoa")
    kinds = [li.text for li in soup(actor.client.get("/audit")).select("ol.log .kind")]
    assert "Tạo tài khoản" in kinds and "Đổi mật khẩu" in kinds


def new_units(*names):
    commune = Unit.get(Unit.code == "xa-binh-lu")
    return [Unit.add(f"u{i}", name, "village", commune) for i, name in enumerate(names)]


def test_bulk_accounts_come_with_one_time_passwords_on_a_printable_sheet(actor):
    new_units("Bản Pa Pe", "Bản Séo Phìn")
    actor.login("vanhoa")
    assert "2 đơn vị chưa có tài khoản" in soup(actor.client.get("/units")).select_one("#accounts-bulk").text
    response = actor.submit("/units", "#accounts-bulk form")
    assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"]
    slips = soup(response).select(".slip")
    assert [s.h2.text for s in slips] == ["Bản Pa Pe", "Bản Séo Phìn"]
    username, password = (dd.text for dd in slips[0].select("dd.secret"))
    assert username == "u0" and len(password) == 9
    account = user("u0")
    assert account.must_change_password and account.check_password(password)
    assert password not in "".join(e.after for e in Event.select())
    assert "chỉ hiện một lần" in soup(response).select_one(".no-print").text  # printed without the warning
    assert soup(actor.client.get("/units")).select_one("#accounts-bulk form") is None  # every unit has one now
    assert User.select().where(User.role == "unit").count() == Unit.select().count() - 1


def test_a_one_time_password_must_be_changed_before_anything_else(actor, client):
    new_units("Bản Pa Pe")
    actor.login("vanhoa")
    password = soup(actor.submit("/units", "#accounts-bulk form")).select("dd.secret")[1].text
    client.post("/logout", data={"csrf_token": soup(client.get("/units")).select_one("input[name=csrf_token]")["value"]})
    response = actor.login("u0", password)
    assert response.status_code == 303
    assert client.get(response.headers["Location"]).headers["Location"] == "/password"
    assert client.get("/checklist").status_code == 303
    assert client.get("/checklist", headers={"HX-Request": "true"}).headers["HX-Redirect"] == "/password"
    mismatch = actor.submit("/password", "main form", current=password, new="bình-lư-2026", confirm="khác")
    assert mismatch.status_code == 400
    assert soup(mismatch).select_one("#confirm ~ .field-error").text == "Hai lần nhập mật khẩu mới không khớp."
    done = actor.submit("/password", "main form", current=password, new="bình-lư-2026", confirm="bình-lư-2026")
    assert done.status_code == 303 and done.headers["Location"] == "/checklist"
    assert client.get("/checklist").status_code == 200
    assert not user("u0").must_change_password and user("u0").check_password("bình-lư-2026")
    assert Event.get(Event.kind == "account.password").user_id == user("u0").id


def test_reset_issues_a_new_one_time_password_and_unlocks(actor, client):
    village = user("ban-na-bo")
    for _ in range(5):
        actor.login("ban-na-bo", "sai")
    actor.login("vanhoa")
    response = actor.submit("/units", f"#user-{village.id} form[action$=reset]")
    password = soup(response).select("dd.secret")[1].text
    village = user("ban-na-bo")
    assert village.check_password(password) and village.must_change_password
    assert not Lockout.select().where(Lockout.username == "ban-na-bo").exists()
    assert not village.check_password("demo2026")
    assert Event.get(Event.kind == "account.reset").subject == f"user:{village.id}"


def test_a_locked_account_cannot_log_in_until_opened_again(actor, client):
    village = user("ban-na-bo")
    actor.login("vanhoa")
    assert actor.submit("/units", f"#user-{village.id} form[action$=active]").status_code == 303
    assert not user("ban-na-bo").active
    client.post("/logout", data={"csrf_token": soup(client.get("/units")).select_one("input[name=csrf_token]")["value"]})
    assert actor.login("ban-na-bo").status_code == 400
    actor.login("vanhoa")
    actor.submit("/units", f"#user-{village.id} form[action$=active]")
    assert user("ban-na-bo").active


def test_the_office_cannot_reset_or_lock_its_own_account(actor):
    actor.login("vanhoa")
    me = user("vanhoa")
    assert soup(actor.client.get("/units")).select_one(f"#user-{me.id} form") is None
    token = soup(actor.client.get("/units")).select_one("input[name=csrf_token]")["value"]
    assert actor.client.post(f"/accounts/{me.id}/active", data={"csrf_token": token, "active": "0"}).status_code == 403
    assert user("vanhoa").active
