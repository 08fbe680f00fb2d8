"""Logging in and out, and the lockout after repeated wrong passwords."""
from urllib.parse import quote

import pytest

from conftest import ROLE_USERS, csrf_token, soup, user


@pytest.mark.parametrize("role,landing", [
    ("unit", "/checklist"), ("office", "/board"), ("council", "/awards"), ("leader", "/awards"),
    ("supervisor", "/awards"),
])
def test_each_role_lands_on_its_page(actor, role, landing):
    response = actor.login(ROLE_USERS[role])
    assert response.status_code == 303
    assert response.headers["Location"] == landing


def test_wrong_password_says_so_in_vietnamese_and_keeps_the_username(actor):
    response = actor.login("ban-na-bo", "sai-mat-khau")
    assert response.status_code == 400
    page = soup(response)
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in page.select_one("[role=alert]").text
    assert page.select_one("#username")["value"] == "ban-na-bo"
    assert actor.client.get("/checklist").status_code == 303


def test_unknown_user_gets_the_same_message(actor):
    response = actor.login("khong-co-ai", "whatever")
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in soup(response).select_one("[role=alert]").text


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(actor, app):
    for _ in range(5):
        assert actor.login("ban-na-bo", "sai").status_code == 400
    response = actor.login("ban-na-bo")
    assert response.status_code == 400
    assert "tạm bị khóa" in soup(response).select_one("[role=alert]").text


def test_a_success_resets_the_count_of_failures(actor, client):
    for _ in range(4):
        actor.login("ban-na-bo", "sai")
    assert actor.login("ban-na-bo").status_code == 303
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    for _ in range(4):
        assert "khóa" not in soup(actor.login("ban-na-bo", "sai")).select_one("[role=alert]").text
    assert actor.login("ban-na-bo").status_code == 303


def test_login_without_csrf_token_is_refused(client):
    response = client.post("/login", data={"username": "ban-na-bo", "password": "demo2026"})
    assert response.status_code == 400
    assert "Phiên làm việc đã hết hạn" in soup(response).text


def test_logout_ends_the_session(actor):
    actor.login("vanhoa")
    token = soup(actor.client.get("/board")).select_one("form.logout input[name=csrf_token]")["value"]
    response = actor.client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert actor.client.get("/board").status_code == 303


def test_login_returns_to_the_page_asked_for(actor):
    token = soup(actor.client.get("/login")).select_one("input[name=csrf_token]")["value"]
    data = {"username": "vanhoa", "password": "demo2026", "csrf_token": token}
    assert actor.client.post("/login?next=/api/progress", data=data).headers["Location"] == "/api/progress"


@pytest.mark.parametrize("target", [
    "//evil.example/x", "https://evil.example/x", "/\\evil.example", "/\t/evil.example", "///evil.example",
    "/board\r\nSet-Cookie: x=1", "/board\nLocation: https://evil.example", "javascript:alert(1)",
])
def test_login_never_leaves_the_site_nor_breaks_on_a_crafted_next(actor, target):
    token = soup(actor.client.get("/login")).select_one("input[name=csrf_token]")["value"]
    data = {"username": "vanhoa", "password": "demo2026", "csrf_token": token}
    response = actor.client.post(f"/login?next={quote(target)}", data=data)
    assert response.status_code == 303 and response.headers["Location"] == "/board"
    assert "Set-Cookie: x" not in str(response.headers)


def test_a_deactivated_account_cannot_log_in(actor):
    head = user("ban-na-bo")
    head.active = False
    head.save()
    assert actor.login("ban-na-bo").status_code == 400


def test_a_username_typed_with_capitals_and_spaces_still_logs_in(actor):
    response = actor.login("  Ban-Na-Bo ")
    assert response.status_code == 303 and response.headers["Location"] == "/checklist"


def test_the_form_says_the_username_is_the_units_code_and_can_show_the_password(client):
    page = soup(client.get("/login"))
    hint = page.select_one("#" + page.select_one("#username")["aria-describedby"])
    assert "mã đơn vị" in hint.text and "ban-na-bo" in hint.text
    assert page.select_one("input.show-password[data-for=password]").find_parent("label").text.strip() == "Hiện mật khẩu"


def test_a_password_off_only_by_case_or_spaces_does_not_count_toward_the_lock(actor):
    for typed in ["DEMO2026", "Demo2026", " demo2026 "] * 2:
        response = actor.login("ban-na-bo", typed)
        assert response.status_code == 400
        assert "chữ hoa" in soup(response).select_one("[role=alert]").text
    assert actor.login("BAN-NA-BO", "sai").status_code == 400
    assert actor.login("ban-na-bo").status_code == 303


def test_wrong_passwords_under_any_spelling_of_the_username_share_one_lock(actor):
    for typed in ["ban-na-bo", "BAN-NA-BO", " Ban-Na-Bo", "ban-na-bO ", "Ban-na-bo"]:
        assert actor.login(typed, "sai").status_code == 400
    response = actor.login("ban-na-bo")
    assert response.status_code == 400 and "tạm bị khóa" in soup(response).select_one("[role=alert]").text
