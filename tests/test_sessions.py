"""Sessions end on the server: a copied cookie stops working at logout, and a password change, a reset, a lock
or a reopen signs the account out everywhere else (a lost phone stops working). Logins and their failures."""
import datetime as dt

import pytest

import portal.models
from portal import clock
from portal.models import Event, Unit, UserSession

from conftest import Actor, csrf_token, make_app, soup, user


@pytest.fixture
def web(app):
    """The portal as a server runs it, each request in its own context: the `app` fixture's context would
    keep the first request's user for all the others, and never ask a cookie again who it belongs to."""
    return make_app(app.config["DATABASE_URL"])


def browser(web, address="127.0.0.1") -> Actor:
    """A browser of its own (its own cookies), at `address`."""
    client = web.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return Actor(client)


def copy_of(web, person: Actor) -> Actor:
    """Another browser holding a copy of `person`'s session cookie (copied off a shared phone, say)."""
    thief = browser(web)
    thief.client.set_cookie("session", person.client.get_cookie("session").value)
    return thief


def signed_in(person: Actor, path="/checklist") -> bool:
    """Whether the page opens (True) or the browser is sent to sign in again (False)."""
    response = person.client.get(path)
    if response.status_code == 200:
        return True
    assert response.status_code == 303 and response.headers["Location"].startswith("/login")
    return False


def test_a_cookie_copied_before_logout_is_refused_after_it(web):
    head = browser(web)
    head.login("ban-na-bo")
    thief = copy_of(web, head)
    assert signed_in(thief)
    head.client.post("/logout", data={"csrf_token": csrf_token(head.client)})
    response = thief.client.get("/checklist")
    assert response.status_code == 303 and response.headers["Location"].startswith("/login")
    htmx = thief.client.get("/checklist", headers={"HX-Request": "true"})
    assert htmx.status_code == 401 and htmx.headers["HX-Redirect"].startswith("/login")


def test_changing_the_password_signs_out_the_other_phones_but_not_this_one(web):
    lost_phone, desk = browser(web), browser(web)
    lost_phone.login("ban-na-bo")
    desk.login("ban-na-bo")
    changed = desk.submit("/password", "main form", current="demo2026", new="nà-bỏ-mùa-xuân", confirm="nà-bỏ-mùa-xuân")
    assert changed.status_code == 303
    assert signed_in(desk) and not signed_in(lost_phone)


def office_presses(web, username, button):
    """The office presses a button (`reset` or `active`) on the account's row of the units page."""
    office = browser(web)
    office.login("vanhoa")
    response = office.submit("/units", f"#user-{user(username).id} form[action$={button}]")
    assert response.status_code in (200, 303)


def test_a_reset_by_the_office_signs_the_unit_out_everywhere(web):
    head = browser(web)
    head.login("ban-na-bo")
    office_presses(web, "ban-na-bo", "reset")
    assert not signed_in(head)


def test_a_locked_account_stays_signed_out_when_it_is_opened_again(web):
    head = browser(web)
    head.login("ban-na-bo")
    office_presses(web, "ban-na-bo", "active")
    assert not user("ban-na-bo").active and not signed_in(head)
    office_presses(web, "ban-na-bo", "active")
    assert user("ban-na-bo").active and not signed_in(head)
    assert head.login("ban-na-bo").status_code == 303 and signed_in(head)


def test_a_phone_signed_in_before_its_unit_stopped_must_sign_in_again_after_the_reopen(web):
    """Stopping a unit closes its accounts without a word to them; opening the account again starts afresh."""
    head = browser(web)
    head.login("ban-na-bo")
    unit = Unit.get(Unit.code == "ban-na-bo")
    office = browser(web)
    office.login("vanhoa")
    office.submit("/units", f"#unit-{unit.id} form[action$=active]")
    office.submit("/units", f"#unit-{unit.id} form[action$=active]")
    assert Unit.get_by_id(unit.id).active and not user("ban-na-bo").active
    office.submit("/units", f"#user-{user('ban-na-bo').id} form[action$=active]")
    assert user("ban-na-bo").active and not signed_in(head)


def test_a_password_set_at_the_command_line_signs_the_account_out_everywhere(web, runner):
    head = browser(web)
    head.login("chutich")
    assert signed_in(head, "/board")
    result = runner.invoke(args=["user", "password", "chutich", "--password-stdin"], input="nhàn-bình-lư-2026\n")
    assert result.exit_code == 0, result.output
    assert not signed_in(head, "/board")


def test_a_csrf_token_taken_before_login_is_refused_after_it(web):
    head = browser(web)
    planted = soup(head.client.get("/login")).select_one("input[name=csrf_token]")["value"]
    assert head.client.post("/login", data={"username": "ban-na-bo", "password": "demo2026",
                                            "csrf_token": planted}).status_code == 303
    assert head.client.post("/logout", data={"csrf_token": planted}).status_code == 400
    assert signed_in(head)
    assert head.client.post("/logout", data={"csrf_token": csrf_token(head.client)}).status_code == 303
    assert not signed_in(head)


def test_logging_in_starts_a_new_session_cookie(web):
    head = browser(web)
    head.client.get("/login")
    before = head.client.get_cookie("session").value
    head.login("ban-na-bo")
    after = head.client.get_cookie("session").value
    head.client.post("/logout", data={"csrf_token": csrf_token(head.client)})
    head.login("ban-na-bo")
    assert len({before, after, head.client.get_cookie("session").value}) == 3


def test_a_strangers_wrong_passwords_do_not_lock_the_office_out(web):
    stranger, office = browser(web, "10.0.0.66"), browser(web, "10.0.0.5")
    for _ in range(5):
        assert stranger.login("vanhoa", "doan-bua-2026").status_code == 400
    locked = stranger.login("vanhoa")
    assert locked.status_code == 400 and "tạm bị khóa" in soup(locked).select_one("[role=alert]").text
    assert office.login("vanhoa").status_code == 303 and signed_in(office, "/board")


def test_a_username_with_no_account_locks_like_one_that_has(web):
    """Otherwise the lock would tell a stranger which usernames exist."""
    stranger = browser(web, "10.0.0.66")
    answers = [soup(stranger.login("khong-co-ai", "doan-bua-2026")).select_one("[role=alert]").text for _ in range(6)]
    assert "tạm bị khóa" in answers[4] and "tạm bị khóa" in answers[5]


def test_failed_logins_and_the_lock_are_in_the_log_with_the_address(web):
    stranger = browser(web, "10.0.0.66")
    for _ in range(5):
        stranger.login("ban-na-bo", "doan-bua-2026")
    office = browser(web)
    office.login("vanhoa")
    lines = soup(office.client.get("/audit")).select("ol.log > li")
    failures = [li for li in lines if li.select_one(".kind").text == "Đăng nhập sai mật khẩu"]
    locks = [li for li in lines if li.select_one(".kind").text.startswith("Tạm khóa đăng nhập")]
    assert len(failures) == 5 and len(locks) == 1
    for line in failures + locks:
        assert line.select_one(".subject").text == "Tài khoản “ban-na-bo”"
        assert "Bản Nà Bỏ" in line.select_one(".who").text
        assert [li.text for li in line.select(".changes li")] == ["Địa chỉ IP: 10.0.0.66"]


def test_the_login_of_a_username_with_no_account_checks_a_password_hash_all_the_same(web, monkeypatch):
    """So that the answer takes as long as for an account, and its time does not tell which ones exist."""
    checked = []
    real = portal.models.check_password_hash

    def spy(pwhash, password):
        checked.append(pwhash)
        return real(pwhash, password)

    monkeypatch.setattr(portal.models, "check_password_hash", spy)
    stranger = browser(web)
    assert stranger.login("khong-co-ai", "doan-bua-2026").status_code == 400
    assert stranger.login("vanhoa", "doan-bua-2026").status_code == 400
    method = web.config["PASSWORD_HASH_METHOD"]
    # Three checks each: the password typed, then it with its case flipped and with its first letter's (a near miss).
    assert len(checked) == 6 and all(h.startswith(method + "$") for h in checked)
    assert set(checked[3:]) == {user("vanhoa").password_hash} and user("vanhoa").password_hash not in checked[:3]
    assert not Event.select().where(Event.kind == "login.fail", Event.subject != "user:%d" % user("vanhoa").id,
                                    Event.after.contains("khong-co-ai")).exists()


def test_a_sign_in_lasts_session_days_at_most(web):
    head = browser(web)
    head.login("ban-na-bo")
    days = web.config["SESSION_DAYS"]
    UserSession.update(started_at=clock.utc_now() - dt.timedelta(days=days, minutes=1)).execute()
    assert not signed_in(head)
    head.login("ban-na-bo")
    assert signed_in(head) and UserSession.select().count() == 1  # the old one went at this login
