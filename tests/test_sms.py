"""SMS through the commune's modem, with the real gammu-smsd: its fake phone driver (`model = dummy`) and its
SQL storage on the portal's engine (SQLite, or PostgreSQL when the portal runs on it).

Messages the portal queues are read back where gammu-smsd files what the phone sent (`sentitems`; the fake
phone keeps no copy of a sent message); incoming messages are dropped into the fake phone's inbox folder
(sms/1) in Gammu's SMS backup format, as the modem would receive them."""
import gzip
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2
import pytest

from portal import sms
from portal.models import Check, Event, Report, SmsIncoming, SmsMessage, Unit

from conftest import soup, switch

EXAMPLES = Path("/usr/share/doc/gammu-smsd/examples")


def schema_sql(engine: str) -> str:
    plain_file, gz = EXAMPLES / f"{engine}.sql", EXAMPLES / f"{engine}.sql.gz"
    return plain_file.read_text() if plain_file.exists() else gzip.decompress(gz.read_bytes()).decode()


def pg_storage(portal_url: str) -> str:
    """A database beside the portal's (its name + "_gammu"), emptied and given gammu's tables."""
    parts = urlsplit(portal_url)
    name = parts.path.lstrip("/") + "_gammu"
    admin = psycopg2.connect(portal_url)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    url = parts._replace(path="/" + name).geturl()
    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        # The example predates PostgreSQL's built-in plpgsql.
        cursor.execute(schema_sql("pgsql").replace("CREATE LANGUAGE plpgsql;", ""))
    conn.close()
    return url


class Daemon:
    """gammu-smsd in the foreground on a fake phone in `root`, its storage at `url`."""

    def __init__(self, root: Path, portal_url: str):
        self.phone = root / "phone"
        self.phone.mkdir()
        if portal_url.startswith("postgresql"):
            self.url = pg_storage(portal_url)
            parts = urlsplit(self.url)
            storage = (f"driver = native_pgsql\nhost = {parts.hostname}:{parts.port or 5432}\n"
                       f"user = {parts.username}\npassword = {parts.password or ''}\ndatabase = {parts.path[1:]}\n")
        else:
            with sqlite3.connect(root / "smsd.db") as conn:
                conn.executescript(schema_sql("sqlite"))
            self.url = f"sqlite:///{root / 'smsd.db'}"
            storage = f"driver = sqlite3\ndbdir = {root}\ndatabase = smsd.db\n"
        self.log = root / "smsd.log"
        (root / "smsdrc").write_text(
            f"[gammu]\nmodel = dummy\nconnection = none\ndevice = {self.phone}\n\n"
            f"[smsd]\nservice = sql\n{storage}logfile = {self.log}\n"
            "commtimeout = 1\nsendtimeout = 1\nreceivefrequency = 1\nstatusfrequency = 0\nloopsleep = 1\n")
        self.proc = subprocess.Popen(["gammu-smsd", "-c", str(root / "smsdrc")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        self.received = 0
        wait_for(lambda: self.log.exists() and "Starting phone communication" in self.log.read_text(), self)

    def receive(self, sender: str, text: str):
        """An SMS arrives at the modem: a file in the fake phone's inbox folder."""
        self.received += 1
        hex_text = text.encode("utf-16-be").hex().upper()
        (self.phone / "sms" / "1" / str(self.received)).write_text(
            f'[SMSBackup000]\nSMSC = "+84980200030"\nState = UnRead\nNumber = "{sender}"\nCoding = Default\n'
            f"Folder = 1\nSent = 20260210T090000\nText00 = {hex_text}\n")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def wait_for(condition, daemon, seconds=30):
    """Polls until `condition()` holds: the daemon works at its own pace (about a second a loop)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if daemon.proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail("gammu-smsd: " + (daemon.log.read_text() if daemon.log.exists() else "did not start"))
        time.sleep(0.2)
    return True


@pytest.fixture
def modem(app, tmp_path):
    if not shutil.which("gammu-smsd"):
        pytest.fail("gammu-smsd is missing: `make test` installs it (apt-get install gammu-smsd libdbd-sqlite3)")
    daemon = Daemon(tmp_path, app.config["DATABASE_URL"])
    app.config["SMS_DATABASE_URL"] = daemon.url
    yield daemon
    daemon.stop()
    app.extensions.pop("sms_gateway", None)


def tasks_of_unit(unit):
    """The unit's tasks in the order of its checklist: task N is item N - 1."""
    return sms.numbered_tasks(unit.parent.campaigns.get(), unit)


def phone_of(code):
    return sms.normalise_number(Unit.get(Unit.code == code).phone)


def sent_to(daemon, number) -> list[str]:
    """Texts gammu-smsd has sent to `number` (parts of one message joined), once it has sent them all."""
    gateway = sms.Gateway(daemon.url)
    messages = SmsMessage.select().where(SmsMessage.number == number).order_by(SmsMessage.id)
    wait_for(lambda: len(gateway.states([m.gateway_id for m in messages])) == len(messages), daemon)
    texts = []
    with gateway.db.connection_context():
        for message in messages:
            rows = gateway.db.execute_sql(
                'SELECT "TextDecoded", "Status" FROM sentitems WHERE "ID" = ' + str(message.gateway_id)
                + ' ORDER BY "SequencePosition"').fetchall()
            assert {status for _, status in rows} == {"SendingOKNoReport"}
            texts.append("".join(text for text, _ in rows))
    return texts


def answer(daemon, runner, sender, text) -> str:
    """The village head sends `text`; the portal polls; the reply that reaches the phone."""
    before = SmsMessage.select().where(SmsMessage.number == sms.normalise_number(sender)).count()
    daemon.receive(sender, text)
    wait_for(lambda: sms.Gateway(daemon.url).unread(), daemon)
    result = runner.invoke(args=["sms", "poll"])
    assert result.exit_code == 0, result.output
    replies = sent_to(daemon, sms.normalise_number(sender))
    assert len(replies) == before + 1
    return replies[-1]


def test_without_a_gateway_the_reminders_page_has_no_sms_buttons(actor, runner):
    actor.login("vanhoa")
    page = soup(actor.client.get("/reminders"))
    assert page.select_one("#sms-form") is None and page.select("input[name=unit]") == []
    assert page.select(".reminder-list tbody tr")  # the page works as before
    assert "PORTAL_SMS_DATABASE_URL" in runner.invoke(args=["sms", "poll"]).output


def test_the_office_previews_then_sends_reminders_and_sees_them_sent(app, actor, runner, modem):
    actor.login("vanhoa")
    page = soup(actor.client.get("/reminders"))
    na_it, na_bo = Unit.get(Unit.code == "ban-na-it"), Unit.get(Unit.code == "ban-na-bo")
    boxes = {int(box["value"]) for box in page.select("input[form=sms-form][name=unit]")}
    assert {na_it.id, na_bo.id} <= boxes
    token = page.select_one("#sms-form input[name=csrf_token]")["value"]
    form = {"csrf_token": token, "unit": [na_it.id, na_bo.id]}

    preview = soup(actor.client.post("/reminders/sms", data={**form, "action": "preview"}))
    accented = preview.select_one(f"#preview-{na_it.id} q").text
    assert accented.startswith("UBND xã nhắc Bản Nà Ít:") and "Hạn 18/02/2026" in accented
    assert "chưa gửi sơ kết" in accented and "TD <số> XONG" in accented
    assert SmsMessage.select().count() == 0  # a preview sends nothing
    plain = soup(actor.client.post("/reminders/sms", data={**form, "action": "preview", "without_diacritics": "1"}))
    text = plain.select_one(f"#preview-{na_it.id} q").text
    assert text.startswith("UBND xa nhac Ban Na It:") and len(text) <= 160
    assert "1 tin" in plain.select_one(f"#preview-{na_it.id}").text

    response = actor.client.post("/reminders/sms", data={**form, "action": "send"})
    assert response.status_code == 303
    page = soup(actor.client.get("/reminders"))
    assert page.select_one(f"tr#unit-{na_it.id} .sms-state").text == "Chờ gửi"
    assert sent_to(modem, phone_of("ban-na-it")) == [accented]  # 3 UCS-2 parts, joined again on the phone
    assert sent_to(modem, phone_of("ban-na-bo"))[0].startswith("UBND xã nhắc Bản Nà Bỏ:")
    actor.client.post("/reminders/sms/refresh", data={"csrf_token": token})
    page = soup(actor.client.get("/reminders"))
    assert page.select_one(f"tr#unit-{na_it.id} .sms-state").text == "Đã gửi"
    assert Event.select().where(Event.kind == "sms.reminder", Event.unit == na_it).count() == 1
    assert Event.select().where(Event.kind == "sms.sent", Event.unit == na_it).count() == 1


def test_sending_without_choosing_a_unit_keeps_the_choice_and_says_why(actor, modem):
    actor.login("vanhoa")
    token = soup(actor.client.get("/reminders")).select_one("#sms-form input[name=csrf_token]")["value"]
    response = actor.client.post("/reminders/sms", data={"csrf_token": token, "action": "send",
                                                         "without_diacritics": "1"})
    assert response.status_code == 400
    page = soup(response)
    assert page.select_one("#sms .flash.error").text == "Chọn ít nhất một đơn vị có số điện thoại."
    assert page.select_one("input[name=without_diacritics]").has_attr("checked")


def test_the_daily_command_reminds_3_days_and_1_day_before_the_deadline_once_a_day(app, runner, modem):
    na_bo = Unit.get(Unit.code == "ban-na-bo")
    campaign = na_bo.parent.campaigns.get()
    for task in tasks_of_unit(na_bo):  # Bản Nà Bỏ has done everything and filed its report
        Check.insert(unit=na_bo, task=task, state="done", version=1).execute()
    Report.create(campaign=campaign, unit=na_bo, state="submitted")

    app.config["TODAY"] = "2026-02-16"  # 2 days before: nothing
    assert "0 tin" in runner.invoke(args=["remind", "--due"]).output
    app.config["TODAY"] = "2026-02-15"  # 3 days before
    first = runner.invoke(args=["remind", "--due", "--without-diacritics"]).output
    reminded = {m.unit.code for m in SmsMessage.select()}
    with_phone = {u.code for u in campaign.units() if u.phone}
    assert reminded == with_phone - {"ban-na-bo"} and f"{len(reminded)} tin" in first
    assert "0 tin" in runner.invoke(args=["remind", "--due"]).output  # never twice a day
    assert sent_to(modem, phone_of("ban-na-it"))[0].startswith("UBND xa nhac Ban Na It:")
    app.config["TODAY"] = "2026-02-17"  # 1 day before
    runner.invoke(args=["remind", "--due"])
    assert SmsMessage.select().count() == 2 * len(reminded)


def test_a_village_head_ticks_by_sms_and_the_board_shows_it(app, actor, runner, modem):
    unit = Unit.get(Unit.code == "ban-na-it")
    tasks = tasks_of_unit(unit)
    actor.login("ban-na-it")
    numbers = [span.text for span in soup(actor.client.get("/checklist")).select(".task-no")]
    assert numbers == [f"Việc {n}" for n in range(1, len(tasks) + 1)]  # as the printed checklist shows them

    reply = answer(modem, runner, "0912 345 017", "td 3 xong")
    assert reply.startswith("Đã ghi việc 3 “") and "Hoàn thành" in reply
    assert reply.endswith(f"Còn {len(tasks) - 1} việc chưa xong.")
    assert Check.of(unit, tasks[2]).state == "done"
    tick = Event.select().where(Event.kind == "check.set").order_by(Event.id.desc()).get()
    assert (tick.unit_id, tick.subject, tick.user.username) == (unit.id, f"task:{tasks[2].id}", "ban-na-it")
    switch(actor, "vanhoa")
    board = soup(actor.client.get(f"/board/units/{unit.id}"))
    assert board.select_one(f"#check-{tasks[2].id} .badge").text == "Hoàn thành"

    listed = answer(modem, runner, "+84912345017", "TD?")
    assert listed.startswith(f"Bản Nà Ít còn {len(tasks) - 1} việc: 1. ") and " 3. " not in listed
    assert answer(modem, runner, "0912345017", "TD 1 DANG").startswith("Đã ghi việc 1")
    assert Check.of(unit, tasks[0]).state == "doing"


def test_each_incoming_message_is_applied_once(app, runner, modem):
    unit = Unit.get(Unit.code == "ban-na-it")
    task = tasks_of_unit(unit)[0]
    answer(modem, runner, "0912345017", "TD 1 XONG")
    incoming = SmsIncoming.get()
    # The same inbox row seen again (its mark lost, or two pollers at once) changes nothing.
    gateway = sms.Gateway(modem.url)
    with gateway.db.connection_context():
        gateway.inbox.update(Processed="false").where(gateway.inbox.ID == incoming.gateway_id).execute()
    assert runner.invoke(args=["sms", "poll"]).exit_code == 0
    assert SmsIncoming.select().count() == 1 and Check.of(unit, task).version == 1
    assert Event.select().where(Event.kind == "check.set").count() == 1
    assert SmsMessage.select().where(SmsMessage.kind == "reply").count() == 1
    assert gateway.unread() == []


def test_a_malformed_code_gets_a_clear_reply(app, runner, modem):
    reply = answer(modem, runner, "0912345017", "xong viec 3")
    assert reply.startswith("Tin nhắn chưa đúng mẫu. Nhắn TD <số việc> XONG")
    count = len(tasks_of_unit(Unit.get(Unit.code == "ban-na-it")))
    assert answer(modem, runner, "0912345017", "TD 99 XONG") == (
        f"Không có việc số 99; đơn vị có {count} việc (số 1 đến {count}). Nhắn TD? để xem các việc chưa xong.")
    assert Event.select().where(Event.kind == "check.set").count() == 0


def test_an_unknown_number_gets_nothing_back_and_is_logged(app, runner, modem):
    modem.receive("+84999000111", "TD 1 XONG")
    wait_for(lambda: sms.Gateway(modem.url).unread(), modem)
    assert runner.invoke(args=["sms", "poll"]).exit_code == 0
    assert SmsMessage.select().count() == 0
    logged = Event.get(Event.kind == "sms.received")
    assert logged.unit is None and '"outcome": "unknown"' in logged.after and "+84999000111" in logged.after


def test_a_phone_shared_by_two_units_is_refused_with_a_reply_saying_so(app, runner, modem):
    Unit.update(phone="0912 345 017").where(Unit.code == "ban-na-bo").execute()
    reply = answer(modem, runner, "0912345017", "TD 1 XONG")
    assert reply.startswith("Số điện thoại này đăng ký cho 2 đơn vị (")
    assert "Bản Nà Ít" in reply and "Bản Nà Bỏ" in reply
    assert Event.select().where(Event.kind == "check.set").count() == 0


def test_phone_numbers_are_compared_in_one_form():
    assert {sms.normalise_number(n) for n in ("0912 345 017", "+84 912 345 017", "84912345017", "0912.345.017")} \
        == {"+84912345017"}


def test_without_diacritics_a_reminder_fits_one_sms():
    coding, parts = sms.parts(sms.plain("Đề nghị đơn vị cập nhật – hạn 18/02"))
    assert coding == "Default_No_Compression" and parts == ["De nghi don vi cap nhat - han 18/02"]
    coding, parts = sms.parts("Đề nghị " * 10)
    assert coding == "Unicode_No_Compression" and [len(p) for p in parts] == [67, 13]
