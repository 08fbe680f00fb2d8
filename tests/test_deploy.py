"""Running in production: the health check a monitor polls, the app behind nginx, backups and restores."""
import hashlib
import io
import json
import tarfile

import pytest
from flask import request

from portal.db import is_sqlite
from portal.models import MODELS, Check, Evidence, User

from conftest import make_app, soup, user
from flows import opinion_form, photo, upload


def test_health_check_answers_ok_while_the_database_answers(client):
    response = client.get("/healthz")
    assert (response.status_code, response.get_json()) == (200, {"status": "ok"})


def test_health_check_says_503_without_a_stack_trace_when_the_database_is_unreachable(tmp_path):
    down = make_app(f"sqlite:///{tmp_path / 'no-such-folder' / 'portal.db'}")
    response = down.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error"}


def test_a_signed_in_health_check_says_503_too_when_the_database_is_unreachable(actor, tmp_path):
    """A monitor may carry a session cookie; loading its user must not turn the 503 into a 500."""
    actor.login("vanhoa")
    down = make_app(f"sqlite:///{tmp_path / 'no-such-folder' / 'portal.db'}").test_client()
    down.set_cookie("session", actor.client.get_cookie("session").value)
    response = down.get("/healthz")
    assert (response.status_code, response.get_json()) == (503, {"status": "error"})


def test_behind_the_proxy_each_citizen_has_their_own_opinion_limit(published, app):  # noqa: F811
    """nginx passes the reader's address in X-Forwarded-For; without PORTAL_PROXY_FIX it is ignored,
    so nobody can dodge the limit by sending the header themselves."""
    app.config["OPINION_RATE_LIMIT"] = "1 per hour"
    client = published.client

    def send(address):
        return client.post("/cong-khai/xa-binh-lu/y-kien", data={**opinion_form(client), "text": "Đồng ý"},
                           headers={"X-Forwarded-For": address}).status_code

    assert [send("10.0.0.1"), send("10.0.0.2")] == [303, 429]
    proxied = make_app(app.config["DATABASE_URL"], PROXY_FIX=True)
    proxied.config["OPINION_RATE_LIMIT"] = "1 per hour"
    client = proxied.test_client()
    assert [send("10.0.0.3"), send("10.0.0.4"), send("10.0.0.3")] == [303, 303, 429]


def seen_by_the_app(app, headers):
    """The request as the app saw it (the test client keeps the last request's context inside `with`)."""
    with app.test_client() as client:
        client.get("/login", headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"})
        return request.url, request.remote_addr


def test_behind_the_proxy_the_app_sees_the_browsers_https_address_and_host(app):
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "thidua.binhlu.gov.vn",
               "X-Forwarded-For": "203.0.113.7"}
    proxied = make_app(app.config["DATABASE_URL"], PROXY_FIX=True)
    assert seen_by_the_app(proxied, headers) == ("https://thidua.binhlu.gov.vn/login", "203.0.113.7")
    assert seen_by_the_app(app, headers) == ("http://localhost/login", "127.0.0.1")


def everything():
    return {m.__name__: list(m.select().order_by(*m._meta.sorted_fields).tuples()) for m in MODELS}


@pytest.fixture
def evidence_dir(app, tmp_path):
    app.config["EVIDENCE_DIR"] = str(tmp_path / "evidence")
    return tmp_path / "evidence"


def test_a_backup_restored_after_a_bad_day_brings_back_every_row_and_file(actor, runner, village, evidence_dir,
                                                                         tmp_path):
    unit, task = village
    actor.login("ban-na-bo")
    actor.tick(unit.id, task.id, "done", note="Đã họp bản")
    assert upload(actor, unit, task, photo((800, 600))).status_code == 303
    before = everything()
    files = sorted(p.relative_to(evidence_dir) for p in evidence_dir.rglob("*") if p.is_file())
    assert files and before["Evidence"]

    result = runner.invoke(args=["backup", str(tmp_path / "sao-luu.tar.gz")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "sao-luu.tar.gz").stat().st_mode & 0o077 == 0  # it holds the password hashes

    # The bad day: the tick undone, the photo gone from disk and from the table, an account removed.
    actor.tick(unit.id, task.id, "todo")
    Evidence.delete().execute()
    for path in files:
        (evidence_dir / path).unlink()
    user("mttq").delete_instance()
    assert everything() != before

    result = runner.invoke(args=["restore", str(tmp_path / "sao-luu.tar.gz"), "--yes"])
    assert result.exit_code == 0, result.output
    assert f"{len(files)} tệp minh chứng" in result.output
    after = everything()
    for model in before:
        assert after[model] == before[model], model
    assert all((evidence_dir / path).is_file() for path in files)
    row = soup(actor.client.get("/checklist")).select_one(f"#check-{task.id}")
    assert "done" in row["class"]
    assert Check.get(unit=unit, task=task).note == "Đã họp bản"


def test_restore_asks_first_and_a_no_changes_nothing(runner, tmp_path):
    runner.invoke(args=["backup", str(tmp_path / "b.tar.gz")])
    user("mttq").delete_instance()
    result = runner.invoke(args=["restore", str(tmp_path / "b.tar.gz")], input="n\n")
    assert result.exit_code != 0 and "sẽ bị thay" in result.output
    assert not User.select().where(User.username == "mttq").exists()


def test_restore_refuses_a_file_that_is_not_a_backup_in_vietnamese(runner, tmp_path):
    other = tmp_path / "ghi-chu.txt"
    other.write_text("không phải bản sao lưu")
    result = runner.invoke(args=["restore", str(other), "--yes"])
    assert result.exit_code != 0 and "không phải bản sao lưu" in result.output

    wrong_engine = tmp_path / "khac.tar.gz"
    if is_sqlite():
        pack(wrong_engine, {"database.pgdump": b"PGDMP"}, engine="postgresql")
    else:
        pack(wrong_engine, {"database.sqlite3": b"SQLite format 3\0"}, engine="sqlite")
    result = runner.invoke(args=["restore", str(wrong_engine), "--yes"])
    assert result.exit_code != 0 and "không khôi phục được" in result.output
    assert user("vanhoa")


def pack(path, members: dict, engine=None):
    """An archive of `members` (name → bytes); with `engine`, a manifest that lists them as `backup` does."""
    if engine:
        files = {name: {"size": len(body), "sha256": hashlib.sha256(body).hexdigest()}
                 for name, body in members.items()}
        members = {**members, "manifest.json": json.dumps({"format": 1, "engine": engine, "files": files}).encode()}
    with tarfile.open(path, "w:gz") as tar:
        for name, body in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))


def unpack(path) -> dict:
    with tarfile.open(path) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}


def dump_name():
    return "database.sqlite3" if is_sqlite() else "database.pgdump"


def flipped(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:]


def cut_short(good, bad):
    data = good.read_bytes()
    bad.write_bytes(data[:len(data) // 2])


def byte_flipped_in_the_file(good, bad):
    data = good.read_bytes()
    bad.write_bytes(flipped(data, len(data) // 2))


def byte_flipped_in_the_database(good, bad):
    members = unpack(good)
    members[dump_name()] = flipped(members[dump_name()], len(members[dump_name()]) // 2)
    pack(bad, members)  # the manifest as backup wrote it


def without_manifest(good, bad):
    members = unpack(good)
    del members["manifest.json"]
    pack(bad, members)


def with_a_file_added(good, bad):
    pack(bad, {**unpack(good), "evidence/ab/ab12.jpg": b"\xff\xd8 not in the manifest"})


def with_the_database_missing(good, bad):
    members = unpack(good)
    del members[dump_name()]
    pack(bad, members)


def with_a_broken_database_and_a_manifest_to_match(good, bad):
    """Checksums only say the archive is what backup wrote: the database inside is checked too."""
    members = unpack(good)
    del members["manifest.json"]
    members[dump_name()] = bytes(16) + members[dump_name()][16:]  # its header gone
    pack(bad, members, engine="sqlite" if is_sqlite() else "postgresql")


@pytest.mark.parametrize("damage, why", [
    (cut_short, "không trọn vẹn"),
    (byte_flipped_in_the_file, "hỏng"),
    (byte_flipped_in_the_database, "mã kiểm tra không khớp"),
    (without_manifest, "thiếu bản kê manifest.json"),
    (with_a_file_added, "tệp lạ không có trong bản kê: evidence/ab/ab12.jpg"),
    (with_the_database_missing, "thiếu tệp database"),
    (with_a_broken_database_and_a_manifest_to_match, "Cơ sở dữ liệu trong bản sao lưu"),
], ids=lambda v: getattr(v, "__name__", ""))
def test_a_damaged_backup_is_refused_and_the_portal_keeps_serving_todays_data(actor, runner, village, evidence_dir,
                                                                              tmp_path, damage, why):
    unit, task = village
    good, bad = tmp_path / "sao-luu.tar.gz", tmp_path / "hong.tar.gz"
    assert runner.invoke(args=["backup", str(good)]).exit_code == 0
    actor.login("ban-na-bo")
    actor.tick(unit.id, task.id, "done", note="Ghi sau bản sao lưu")
    before = everything()
    damage(good, bad)

    result = runner.invoke(args=["restore", str(bad), "--yes"])
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit)  # a message, not a traceback
    assert why in result.output and "Chưa khôi phục gì: dữ liệu hiện có giữ nguyên." in result.output
    assert everything() == before
    response = actor.client.get("/checklist")
    assert response.status_code == 200
    assert "done" in soup(response).select_one(f"#check-{task.id}")["class"]


def test_gunicorn_keeps_an_idle_connection_open_longer_than_its_default_so_nginx_can_reuse_it(server):
    """nginx keeps its connections to gunicorn (docs/, upstream keepalive) and sends the next request, a tick among
    them, on one that lay idle; gunicorn's default closed them after 2 s, and a POST sent as it closed got a 502."""
    import socket
    import time
    from urllib.parse import urlsplit

    address = urlsplit(server)
    with socket.create_connection((address.hostname, address.port), timeout=10) as conn:
        answers = []
        for pause in (0, 3):
            time.sleep(pause)
            conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: portal\r\n\r\n")
            answer = b""
            while not answer.endswith(b'"ok"}\n'):
                chunk = conn.recv(4096)
                if not chunk:
                    break
                answer += chunk
            answers.append(answer.split(b"\r\n", 1)[0])
    assert answers == [b"HTTP/1.1 200 OK"] * 2
