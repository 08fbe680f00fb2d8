"""SMS through the commune's own GSM modem: gammu-smsd's SQL storage is the gateway.

The portal writes to the daemon's `outbox` (and `outbox_multipart` for a long message), reads what
became of each message in `sentitems`, and reads `inbox`; the daemon does the talking to the modem.
Nothing else is shared with it, so the portal never needs the modem, and without
PORTAL_SMS_DATABASE_URL there is no SMS at all.
"""
import datetime as dt
import random
import re
from dataclasses import dataclass

from flask import current_app
from peewee import IntegrityError, Table
from playhouse.db_url import connect

from . import clock, models
from .db import database
from .models import STATES, Campaign, Check, Event, Report, SmsIncoming, SmsMessage, Unit, User
from .text import without_marks

# gammu-smsd's documented tables (docs: gammu-smsd-tables), with the columns the portal uses.
OUTBOX = ("outbox", ("ID", "DestinationNumber", "TextDecoded", "Coding", "CreatorID", "MultiPart", "UDH"))
OUTBOX_MULTIPART = ("outbox_multipart", ("ID", "SequencePosition", "TextDecoded", "Coding", "UDH"))
SENTITEMS = ("sentitems", ("ID", "SequencePosition", "Status"))
INBOX = ("inbox", ("ID", "SenderNumber", "TextDecoded", "Processed"))
SENT = {"SendingOK", "SendingOKNoReport", "DeliveryOK", "DeliveryPending", "DeliveryUnknown"}
CREATOR = "cong-thi-dua"

# The GSM 03.38 basic alphabet: text made only of these goes 160 characters to a message; any other
# character (every Vietnamese accent) makes the whole message UCS-2, 70 to a message.
GSM7 = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
           "¿abcdefghijklmnopqrstuvwxyzäöñüà")
SMS_STATES = {"queued": "Chờ gửi", "sent": "Đã gửi", "failed": "Gửi lỗi"}
ANSWERS = {"XONG": "done", "DANG": "doing", "KHONG": "na"}


def gateway_configured() -> bool:
    return bool(current_app.config.get("SMS_DATABASE_URL"))


def plain(text: str) -> str:
    """Vietnamese without diacritics, and typographic marks as plain ASCII, so the text stays in GSM 7-bit."""
    text = without_marks(text)
    for fancy, simple in (("–", "-"), ("—", "-"), ("“", '"'), ("”", '"'), ("‘", "'"), ("’", "'"), ("…", "...")):
        text = text.replace(fancy, simple)
    return text


def parts(text: str) -> tuple[str, list[str]]:
    """gammu's coding for `text` and the text of each SMS it takes (a concatenated message loses
    7 characters, or 3 in UCS-2, to its header)."""
    if set(text) <= GSM7:
        coding, single, each = "Default_No_Compression", 160, 153
    else:
        coding, single, each = "Unicode_No_Compression", 70, 67
    if len(text) <= single:
        return coding, [text]
    return coding, [text[i:i + each] for i in range(0, len(text), each)]


def normalise_number(number: str) -> str:
    """A Vietnamese number as +84…, whether written 0912 345 017, 84912345017 or +84 912 345 017."""
    digits = re.sub(r"[^\d+]", "", number or "")
    if digits.startswith("+"):
        return digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    if digits.startswith("84") and len(digits) > 10:
        return "+" + digits
    if digits.startswith("0"):
        return "+84" + digits[1:]
    return digits


class Gateway:
    """gammu-smsd's SQL storage (SQLite or PostgreSQL), opened on its own connection."""

    def __init__(self, url: str):
        self.db = connect(url, **({"pragmas": {"busy_timeout": 5000}} if url.startswith("sqlite") else {}))
        self.outbox, self.multipart, self.sentitems, self.inbox = (
            Table(name, columns, _database=self.db) for name, columns in (OUTBOX, OUTBOX_MULTIPART, SENTITEMS, INBOX))

    def send(self, number: str, text: str) -> int:
        """Queues `text` to `number`; returns the outbox ID gammu-smsd will file it under in sentitems."""
        coding, texts = parts(text)
        # A concatenated message: the same reference in every part's header, the part count, the part's place.
        reference = random.randrange(256)
        udh = [f"050003{reference:02X}{len(texts):02X}{i:02X}" if len(texts) > 1 else "" for i in range(1, len(texts) + 1)]
        with self.db.connection_context(), self.db.atomic():
            query = self.outbox.insert(DestinationNumber=number, TextDecoded=texts[0], Coding=coding, CreatorID=CREATOR,
                                       MultiPart="true" if len(texts) > 1 else "false", UDH=udh[0])
            gateway_id = list(query.returning(self.outbox.ID).tuples().execute())[0][0]
            for position, (part, header) in enumerate(zip(texts[1:], udh[1:]), start=2):
                self.multipart.insert(ID=gateway_id, SequencePosition=position, TextDecoded=part, Coding=coding,
                                      UDH=header).execute()
        return gateway_id

    def states(self, gateway_ids) -> dict:
        """outbox ID -> "sent" or "failed", for the messages gammu-smsd has finished with (every part)."""
        if not gateway_ids:
            return {}
        with self.db.connection_context():
            rows = list(self.sentitems.select(self.sentitems.ID, self.sentitems.Status)
                        .where(self.sentitems.ID.in_(list(gateway_ids))).tuples())
            waiting = {r[0] for r in self.outbox.select(self.outbox.ID)
                       .where(self.outbox.ID.in_(list(gateway_ids))).tuples()}
        found = {}
        for gateway_id, status in rows:
            if gateway_id in waiting:
                continue  # parts of it are still in the outbox
            ok = status in SENT
            found[gateway_id] = "failed" if not ok or found.get(gateway_id) == "failed" else "sent"
        return found

    def unread(self) -> list[tuple[int, str, str]]:
        """(inbox ID, sender, text) of the messages nobody has processed yet, oldest first."""
        with self.db.connection_context():
            return list(self.inbox.select(self.inbox.ID, self.inbox.SenderNumber, self.inbox.TextDecoded)
                        .where(self.inbox.Processed == "false").order_by(self.inbox.ID).tuples())

    def mark_processed(self, gateway_id: int) -> None:
        with self.db.connection_context():
            self.inbox.update(Processed="true").where(self.inbox.ID == gateway_id).execute()


def gateway() -> Gateway:
    app = current_app._get_current_object()
    if "sms_gateway" not in app.extensions:
        app.extensions["sms_gateway"] = Gateway(app.config["SMS_DATABASE_URL"])
    return app.extensions["sms_gateway"]


def send(number: str, text: str, kind: str, user=None, unit=None, campaign=None) -> SmsMessage:
    """Queues an SMS in the gateway and records it, with its event."""
    gateway_id = gateway().send(number, text)
    with database.atomic():
        message = SmsMessage.create(gateway_id=gateway_id, number=number, text=text, kind=kind, unit=unit,
                                    campaign=campaign, queued_at=clock.utc_now(), state_at=clock.utc_now())
        Event.record(f"sms.{kind}", user, campaign=campaign, unit=unit, subject=message,
                     after=message.as_dict())
    return message


def refresh() -> int:
    """Copies what gammu-smsd did with each queued message into the portal; returns how many changed."""
    queued = {m.gateway_id: m for m in SmsMessage.select().where(SmsMessage.state == "queued")}
    changed = 0
    for gateway_id, state in gateway().states(queued).items():
        message = queued[gateway_id]
        with database.atomic():
            message.state, message.state_at = state, clock.utc_now()
            message.save(only=[SmsMessage.state, SmsMessage.state_at])
            Event.record(f"sms.{state}", None, campaign=message.campaign_id, unit=message.unit_id,
                         subject=message, after={"number": message.number})
        changed += 1
    return changed


def latest_reminders(campaign) -> dict:
    """Unit id -> the newest reminder SMS sent to it in `campaign`."""
    found = {}
    for message in SmsMessage.select().where(SmsMessage.campaign == campaign, SmsMessage.kind == "reminder") \
            .order_by(SmsMessage.id):
        found[message.unit_id] = message
    return found


def numbered_tasks(campaign, unit) -> list:
    """The unit's tasks in checklist order; task N of the printed checklist is item N - 1."""
    return [t for a in campaign.areas_with_tasks() for t in a.task_list if t.applies_to(unit)]


def unfinished(campaign, unit) -> list[tuple[int, object]]:
    """(number, task) of the unit's tasks that are neither done nor "không áp dụng"."""
    states = Check.states_of(unit)
    return [(n, t) for n, t in enumerate(numbered_tasks(campaign, unit), start=1)
            if states.get(t.id, "todo") not in ("done", "na")]


def report_filed(campaign, unit) -> bool:
    return Report.select().where(Report.campaign == campaign, Report.unit == unit,
                                 Report.state.in_(["submitted", "accepted"])).exists()


def reminder_text(campaign, unit, without_diacritics: bool) -> str:
    """A short reminder: what is missing, the deadline, the portal's address and how to answer by SMS."""
    todo = unfinished(campaign, unit)
    missing = []
    if todo:
        numbers = ", ".join(str(n) for n, _ in todo[:8]) + ("…" if len(todo) > 8 else "")
        missing.append(f"{len(todo)} việc chưa xong (số {numbers})")
    if not report_filed(campaign, unit):
        missing.append("chưa gửi sơ kết")
    due = campaign.report_due_on
    address = current_app.config.get("SMS_PORTAL_ADDRESS")
    text = (f"UBND xã nhắc {unit.name}: {'; '.join(missing)}. Hạn {due:%d/%m/%Y}. "
            + (f"Cập nhật tại {address} " if address else "") + "hoặc nhắn TD <số> XONG.")
    return plain(text) if without_diacritics else text


@dataclass
class Reply:
    outcome: str
    text: str | None  # None: nothing goes back
    unit: Unit | None = None


def answer(number: str, text: str) -> Reply:
    """What an incoming SMS does, and what goes back to its sender (the tick itself is made here)."""
    units = [u for u in Unit.select().where(Unit.active, Unit.phone != "") if normalise_number(u.phone) == number]
    if not units:
        return Reply("unknown", None)
    if len(units) > 1:
        names = ", ".join(u.name for u in units)
        return Reply("shared", f"Số điện thoại này đăng ký cho {len(units)} đơn vị ({names}) nên không ghi được. "
                               "Đề nghị liên hệ Phòng Văn hóa – Xã hội.")
    unit = units[0]
    campaign = Campaign.current(unit.commune())
    if campaign is None:
        return Reply("refused", "Hiện không có đợt thi đua nào đang diễn ra.", unit)
    code = " ".join(plain(text).upper().split())
    if re.fullmatch(r"TD ?\?", code):
        todo = unfinished(campaign, unit)
        if not todo:
            return Reply("list", f"{unit.name}: mọi việc đã xong.", unit)
        listed = "; ".join(f"{n}. {_short(t.title)}" for n, t in todo)
        return Reply("list", f"{unit.name} còn {len(todo)} việc: {listed}. Nhắn TD <số> XONG khi xong.", unit)
    match = re.fullmatch(r"TD ?(\d+) (XONG|DANG|KHONG)", code)
    if not match:
        return Reply("malformed", "Tin nhắn chưa đúng mẫu. Nhắn TD <số việc> XONG (hoặc DANG, KHONG), "
                                  "ví dụ TD 3 XONG; nhắn TD? để xem các việc chưa xong.", unit)
    tasks = numbered_tasks(campaign, unit)
    number_, state = int(match[1]), ANSWERS[match[2]]
    if not 1 <= number_ <= len(tasks):
        return Reply("malformed", f"Không có việc số {number_}; đơn vị có {len(tasks)} việc (số 1 đến {len(tasks)}). "
                                  "Nhắn TD? để xem các việc chưa xong.", unit)
    task = tasks[number_ - 1]
    account = User.select().where(User.unit == unit, User.role == "unit", User.active).order_by(User.id).first()
    if account is None:
        return Reply("refused", "Đơn vị chưa có tài khoản trên Cổng thi đua; đề nghị liên hệ Phòng Văn hóa – Xã hội.",
                     unit)
    if not _tick(unit, task, state, account, campaign):
        return Reply("refused", f"Việc {number_} vừa được cập nhật nơi khác; hãy nhắn lại.", unit)
    left = len(unfinished(campaign, unit))
    return Reply("set", f"Đã ghi việc {number_} “{_short(task.title)}”: {STATES[state]}. Còn {left} việc chưa xong.",
                 unit)


def _tick(unit, task, state, account, campaign) -> bool:
    """An SMS carries no version: it is based on the check as it is now, and tried twice if a web tick
    lands in between. The note stays as it is."""
    for _ in range(2):
        check = Check.of(unit, task)
        try:
            models.set_check(unit, task, state, check.note, check.version, account, campaign)
            return True
        except models.Stale:
            continue
    return False


def _short(title: str, length: int = 40) -> str:
    return title if len(title) <= length else title[:length - 1].rstrip() + "…"


def poll() -> list[SmsIncoming]:
    """Applies every new incoming SMS once (its inbox ID is the key) and queues the reply."""
    applied = []
    for gateway_id, sender, text in gateway().unread():
        number = normalise_number(sender)
        try:
            with database.atomic():
                incoming = SmsIncoming.create(gateway_id=gateway_id, number=number, text=text, outcome="received",
                                              received_at=clock.utc_now())
                reply = answer(number, text)
                campaign = Campaign.current(reply.unit.commune()) if reply.unit else None
                incoming.unit, incoming.outcome = reply.unit, reply.outcome
                incoming.save(only=[SmsIncoming.unit, SmsIncoming.outcome])
                Event.record("sms.received", None, campaign=campaign, unit=reply.unit,
                             subject=incoming,
                             after={"number": number, "text": text, "outcome": reply.outcome})
        except IntegrityError:
            gateway().mark_processed(gateway_id)  # applied before; the mark was lost
            continue
        gateway().mark_processed(gateway_id)
        if reply.text:
            if current_app.config.get("SMS_WITHOUT_DIACRITICS"):
                reply.text = plain(reply.text)
            send(number, reply.text, "reply", unit=reply.unit, campaign=campaign)
        applied.append(incoming)
    return applied


def due_reminders(without_diacritics: bool) -> list[SmsMessage]:
    """Reminds every unit with something missing, 3 days and 1 day before its commune's report deadline, once a
    day."""
    sent = []
    for campaign in Campaign.select().join(Unit).where(Campaign.status == "active", Unit.kind == "commune"):
        if (campaign.report_due_on - clock.today()).days in (3, 1):
            sent += _remind(campaign, without_diacritics)
    return sent


def _remind(campaign, without_diacritics: bool) -> list[SmsMessage]:
    start_of_day = dt.datetime.combine(clock.today(), dt.time(), clock.zone()).astimezone(dt.timezone.utc) \
        .replace(tzinfo=None)
    reminded = {m.unit_id for m in SmsMessage.select(SmsMessage.unit)
                .where(SmsMessage.kind == "reminder", SmsMessage.queued_at >= start_of_day)}
    sent = []
    for unit in campaign.units():
        if not unit.phone or unit.id in reminded:
            continue
        if not unfinished(campaign, unit) and report_filed(campaign, unit):
            continue
        sent.append(send(normalise_number(unit.phone), reminder_text(campaign, unit, without_diacritics), "reminder",
                         unit=unit, campaign=campaign))
    return sent


def init_app(app):
    app.jinja_env.globals["sms_enabled"] = gateway_configured
