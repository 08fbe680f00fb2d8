"""A village head with no signal: the checklist opens from the phone, changes wait in the outbox and are saved
once when the signal returns (real gunicorn, Debian's chromium with a persistent profile)."""
import datetime as dt
import io
import random

import pytest
from PIL import Image
from playwright.sync_api import expect

from portal.models import (
    Campaign, Check, ClientWrite, Event, Evidence, Nomination, Registration, Report, Scheme, Task, Unit, User, set_check,
)
from conftest import CHROMIUM, CHROMIUM_ARGS, TODAY


@pytest.fixture
def phone(tmp_path, playwright):
    """Opens the same phone (browser profile) again and again: what it kept survives closing the browser."""
    def open_phone():
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, args=CHROMIUM_ARGS, viewport={"width": 360, "height": 740})
        context.on("console", lambda m: print("console:", m.type, m.text))  # shown when a test fails
        opened.append(context)
        return context
    opened = []
    yield open_phone
    for context in opened:
        context.close()


def checklist(context, server, username="ban-na-bo"):
    page = context.pages[0] if context.pages else context.new_page()
    page.goto(server + "/checklist")
    if "/login" in page.url:
        page.fill("#username", username)
        page.fill("#password", "demo2026")
        page.click("button.primary")
    expect(page).to_have_url(server + "/checklist")
    return page


def until(page, script):
    """Waits for a condition in the page (the page's CSP forbids wait_for_function's eval)."""
    for _ in range(200):
        if page.evaluate(script):
            return
        page.wait_for_timeout(100)
    pytest.fail(f"never true: {script}")


def emptied(page):
    """Waits until the page's outbox has sent everything it held."""
    until(page, "() => window.outbox !== undefined && outbox.all().then(list => list.length === 0)")


def kept_for_offline(page):
    """Waits until the service worker holds the checklist (the page after the worker took over)."""
    until(page, "() => navigator.serviceWorker.controller !== null")
    page.reload()
    until(page, "() => caches.open('pages').then(c => c.match('/checklist')).then(Boolean)")


def photo(width=4000, height=3000, orientation=None) -> bytes:
    """A 12 MP phone-like photo: smooth light and some sensor noise, as a camera writes it (quality 92)."""
    small = Image.new("RGB", (40, 30))
    rng = random.Random(7)
    small.putdata([(rng.randrange(60, 200), rng.randrange(80, 220), rng.randrange(40, 180)) for _ in range(1200)])
    image = small.resize((width, height), Image.BICUBIC)
    noise = Image.effect_noise((width, height), 12).convert("RGB")
    image = Image.blend(image, noise, 0.08)
    out = io.BytesIO()
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    image.save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


def own_tasks(unit):
    return [t for t in Task.select().order_by(Task.id) if t.applies_to(unit)]


def test_changes_made_with_no_signal_survive_a_closed_browser_and_are_saved_once(server, phone, tmp_path):
    unit = Unit.get(Unit.code == "ban-na-bo")
    tasks = own_tasks(unit)
    context = phone()
    page = checklist(context, server)
    kept_for_offline(page)

    context.set_offline(True)
    page.reload()
    expect(page.locator("#offline")).to_contain_text("Đang ngoại tuyến · dữ liệu lúc")
    expect(page.locator(f"#task-{tasks[0].id}")).to_be_visible()
    for task in tasks[:3]:
        page.locator(f"#task-{task.id} button[value=done]").first.click()
        expect(page.locator(f"#check-{task.id} .sync")).to_have_text("Chờ gửi")
    page.locator(f"#check-{tasks[3].id} details summary").click()
    page.fill(f"#task-{tasks[3].id} textarea", "Đã họp dân ngày 05/02")
    page.locator(f"#check-{tasks[3].id} details button").click()
    (tmp_path / "anh.jpg").write_bytes(photo())
    page.set_input_files(f"#file-{tasks[0].id}", str(tmp_path / "anh.jpg"))
    expect(page.locator("#outbox-count")).to_have_text("Chờ gửi: 5")
    context.close()
    assert Check.select().where(Check.unit == unit).count() == 0

    context = phone()  # the phone back on the hill, with signal: still signed in
    page = checklist(context, server)
    emptied(page)
    expect(page.locator("#outbox-count")).to_be_hidden()
    for task in tasks[:4]:
        expect(page.locator(f"#check-{task.id} .sync")).to_contain_text("Đã lưu")
    assert {c.task_id: c.state for c in Check.select().where(Check.unit == unit)} == {
        tasks[0].id: "done", tasks[1].id: "done", tasks[2].id: "done", tasks[3].id: "todo"}
    assert Check.get(Check.unit == unit, Check.task == tasks[3]).note == "Đã họp dân ngày 05/02"
    assert Event.select().where(Event.unit == unit, Event.kind == "check.set").count() == 4
    assert Evidence.select().where(Evidence.unit == unit).count() == 1
    assert Event.select().where(Event.unit == unit, Event.kind == "evidence.add").count() == 1
    assert ClientWrite.select().where(ClientWrite.unit == unit).count() == 5
    context.close()


def test_a_tick_and_a_photo_whose_answers_were_lost_are_sent_again_and_saved_once(server, phone, tmp_path):
    unit = Unit.get(Unit.code == "ban-na-bo")
    task = own_tasks(unit)[0]
    (tmp_path / "anh.jpg").write_bytes(photo(1600, 1200))
    context = phone()
    page = checklist(context, server)
    until(page, "() => window.outbox !== undefined")
    posts = []
    # The context sees the worker's requests too: Background Sync may resend it before the page does.
    context.on("request", lambda r: r.method == "POST" and posts.append(r.url.removeprefix(server)))

    def save_then_lose_the_answer(route):
        route.fetch()  # the server saves it
        route.abort()  # and the answer never comes back

    for url, change in ((f"/checks/{unit.id}/{task.id}",
                         lambda: page.locator(f"#task-{task.id} button[value=done]").first.click()),
                        (f"/evidence/{unit.id}/{task.id}",
                         lambda: page.set_input_files(f"#file-{task.id}", str(tmp_path / "anh.jpg")))):
        page.route("**" + url, save_then_lose_the_answer, times=1)
        with page.expect_event("requestfailed", lambda r: r.url.endswith(url)):  # saved, and its answer lost
            change()
        expect(page.locator("#outbox-count")).to_have_text("Chờ gửi: 1")
        page.reload()  # the outbox sends it again when the page opens
        emptied(page)
        # Sent again: by the reloaded page, and perhaps before it by Background Sync, whose send the reload may cut
        # off after the server saved it (then the page sends it once more). Saved once, below, whatever the count.
        assert posts.count(url) >= 2

    expect(page.locator(f"#check-{task.id} .sync")).to_contain_text("Đã lưu")
    expect(page.locator(f"#evidence-{task.id} img")).to_have_count(1)
    assert Check.get(Check.unit == unit, Check.task == task).state == "done"
    assert Event.select().where(Event.unit == unit, Event.kind == "check.set").count() == 1
    assert Evidence.select().where(Evidence.unit == unit).count() == 1
    assert Event.select().where(Event.unit == unit, Event.kind == "evidence.add").count() == 1
    assert ClientWrite.select().where(ClientWrite.unit == unit).count() == 2
    context.close()


def test_a_change_refused_as_stale_shows_both_values_and_lets_the_user_choose(server, phone):
    unit = Unit.get(Unit.code == "ban-na-bo")
    task = own_tasks(unit)[0]
    context = phone()
    page = checklist(context, server)
    until(page, "() => window.outbox !== undefined")

    context.set_offline(True)
    page.locator(f"#task-{task.id} button[value=done]").first.click()
    expect(page.locator(f"#check-{task.id} .sync")).to_have_text("Chờ gửi")
    # Meanwhile another phone of the same unit says "doing".
    set_check(unit, task, "doing", "", 0, User.get(User.username == "ban-na-bo"), task.area.campaign)
    context.set_offline(False)

    conflict = page.locator(f"#check-{task.id} .conflict")
    expect(conflict).to_contain_text("Bạn đã chọn “Hoàn thành” (chưa lưu). Đã lưu: “Đang làm”")
    expect(page.locator("#outbox-count")).to_be_hidden()
    assert Check.get(Check.unit == unit, Check.task == task).state == "doing"

    conflict.get_by_role("button", name="Giữ lựa chọn của tôi").click()
    expect(page.locator(f"#check-{task.id} .sync")).to_contain_text("Đã lưu")
    expect(conflict).to_have_count(0)
    emptied(page)
    assert Check.get(Check.unit == unit, Check.task == task).state == "done"
    context.close()


def test_a_change_the_worker_sent_with_no_page_open_and_refused_as_stale_is_shown_when_the_page_opens(server, phone):
    """Background Sync sends the outbox when no page of the portal is open: a tick refused as stale then has no
    page to show both values, so it is kept until the checklist opens, not forgotten."""
    unit = Unit.get(Unit.code == "ban-na-bo")
    task = own_tasks(unit)[0]
    context = phone()
    page = checklist(context, server)
    kept_for_offline(page)

    context.set_offline(True)
    page.locator(f"#task-{task.id} button[value=done]").first.click()
    expect(page.locator(f"#check-{task.id} .sync")).to_have_text("Chờ gửi")
    page.goto("about:blank")  # she put the phone away
    set_check(unit, task, "doing", "", 0, User.get(User.username == "ban-na-bo"), task.area.campaign)
    context.set_offline(False)
    # The signal is back: the worker sends the outbox, as its Background Sync does with no page open (Chromium
    # fires that event in its own time, so the test calls what it calls).
    with context.expect_event("requestfinished", lambda r: r.method == "POST" and "/checks/" in r.url):
        context.service_workers[0].evaluate("() => { self.outbox.flush(); }")
    assert Check.get(Check.unit == unit, Check.task == task).state == "doing"
    assert ClientWrite.select().count() == 0

    # The page opens from the phone's copy, from before the tick; the worker's newer copy, which then replaces it,
    # is held until the refusal is shown, so that the test sees it shown again over the newer copy.
    held = []
    context.route(server + "/checklist", lambda route: held.append(route) if route.request.method == "GET"
                  and "if-none-match" in route.request.headers else route.fallback())
    page.goto(server + "/checklist")
    conflict = page.locator(f"#check-{task.id} .conflict")
    expect(conflict).to_contain_text("Bạn đã chọn “Hoàn thành” (chưa lưu). Đã lưu: “Đang làm”")
    until(page, "() => outbox.refused().then(list => list.length === 0)")
    page.evaluate("() => document.addEventListener('page:fresh', () => { window.fresh = true; })")
    assert held, "the worker never asked for the page again"
    held[0].fallback()
    until(page, "() => window.fresh === true")
    expect(conflict).to_contain_text("Bạn đã chọn “Hoàn thành” (chưa lưu). Đã lưu: “Đang làm”")
    conflict.get_by_role("button", name="Giữ lựa chọn của tôi").click()
    expect(page.locator(f"#check-{task.id} .sync")).to_contain_text("Đã lưu")
    emptied(page)
    assert Check.get(Check.unit == unit, Check.task == task).state == "done"
    context.close()


def test_a_report_draft_and_a_proposal_made_with_no_signal_are_saved_once_when_it_returns(server, phone):
    unit = Unit.get(Unit.code == "ban-na-bo")
    context = phone()
    page = checklist(context, server)
    until(page, "() => navigator.serviceWorker.controller !== null")
    for path in ("/report", "/nominations/new"):  # pages she has opened before, so the phone keeps them
        page.goto(server + path)
        until(page, f"() => caches.open('pages').then(c => c.match('{path}')).then(Boolean)")

    context.set_offline(True)
    page.goto(server + "/report")
    expect(page.locator("#offline")).to_contain_text("Đang ngoại tuyến")
    page.fill("#highlights", "Làm 300 m đường bê tông")
    page.get_by_role("button", name="Lưu bản nháp").click()
    expect(page.locator("#outbox-count")).to_have_text("Chờ gửi: 1")
    page.goto(server + "/nominations/new")
    page.fill("#name", "Lò Văn Sáng")
    page.fill("#workplace", "Bản Nà Bỏ")
    page.fill("#achievement", "Vận động 100% hộ đăng ký bản không ma túy")
    page.select_option("#award", "giay-khen")
    page.get_by_role("button", name="Gửi đề nghị").click()
    expect(page.locator("#outbox-count")).to_have_text("Chờ gửi: 2")
    assert Nomination.select().count() == 0

    context.set_offline(False)
    expect(page.locator("main")).to_contain_text("Đã gửi đề nghị khen thưởng cho “Lò Văn Sáng”")
    emptied(page)
    expect(page).to_have_url(server + "/report")
    assert Report.get(Report.unit == unit).highlights == "Làm 300 m đường bê tông"
    assert Event.select().where(Event.unit == unit, Event.kind == "report.save").count() == 1
    assert [n.name for n in Nomination.select().where(Nomination.unit == unit)] == ["Lò Văn Sáng"]
    assert ClientWrite.select().where(ClientWrite.unit == unit).count() == 2
    context.close()


def test_a_twelve_megapixel_photo_costs_at_most_300_kb_on_the_wire_and_arrives_upright(server, phone, tmp_path):
    unit = Unit.get(Unit.code == "ban-na-bo")
    task = own_tasks(unit)[0]
    original = photo(orientation=6)  # held sideways: the phone's EXIF says turn it
    (tmp_path / "IMG_0001.jpg").write_bytes(original)
    context = phone()
    page = checklist(context, server)
    until(page, "() => window.outbox !== undefined")
    uploads = []
    page.on("request", lambda r: r.method == "POST" and "/evidence/" in r.url and uploads.append(r))

    expect(page.locator(f"label[for=file-{task.id}]")).to_contain_text("Chụp ảnh / Thêm ảnh")
    page.set_input_files(f"#file-{task.id}", str(tmp_path / "IMG_0001.jpg"))
    expect(page.locator(f"#evidence-{task.id} img")).to_have_count(1)

    sent = int(uploads[0].all_headers()["content-length"])  # the body as it went on the wire
    assert len(original) > 1_000_000 and 20 * 1024 < sent <= 300 * 1024, (len(original), sent)
    evidence = Evidence.get(Evidence.unit == unit)
    assert (evidence.width, evidence.height) == (960, 1280)
    context.close()


HOLD_LOAD = """window.holdLoad = true;
window.addEventListener("load", e => { if (window.holdLoad) e.stopImmediatePropagation(); }, true);"""


def test_a_tick_pressed_before_the_outbox_has_loaded_is_kept_and_saved_once(server, phone):
    unit = Unit.get(Unit.code == "ban-na-bo")
    task = own_tasks(unit)[0]
    context = phone()
    page = checklist(context, server)
    kept_for_offline(page)
    # The outbox loads after the page's load event: held back here, as on a slow phone in the first instant.
    context.add_init_script(HOLD_LOAD)
    context.set_offline(True)
    page.reload()
    assert page.evaluate("() => window.outbox === undefined")

    page.locator(f"#task-{task.id} button[value=done]").first.click()
    expect(page.locator(f"#check-{task.id} .sync")).to_have_text("Chờ gửi")
    expect(page.locator(f"#state-{task.id}-done")).to_have_attribute("aria-pressed", "true")
    page.evaluate("() => { window.holdLoad = false; window.dispatchEvent(new Event('load')); }")
    expect(page.locator("#outbox-count")).to_have_text("Chờ gửi: 1")
    assert Check.select().where(Check.unit == unit).count() == 0

    context.set_offline(False)
    emptied(page)
    expect(page.locator(f"#check-{task.id} .sync")).to_contain_text("Đã lưu")
    assert Check.get(Check.unit == unit, Check.task == task).state == "done"
    assert Event.select().where(Event.unit == unit, Event.kind == "check.set").count() == 1
    context.close()


def test_a_newer_copy_of_the_page_asked_for_before_the_outbox_sent_a_photo_does_not_hide_it(server, phone, tmp_path):
    """The worker's copy of the page was asked for when it opened, before the outbox sent the photo: shown after
    the photo's answer, it would hide the photo (the live stream brings only what this page sent before it opened)."""
    unit = Unit.get(Unit.code == "ban-na-bo")
    task = own_tasks(unit)[0]
    (tmp_path / "anh.jpg").write_bytes(photo(1600, 1200))
    context = phone()
    page = checklist(context, server)
    kept_for_offline(page)
    before_the_photo = context.request.get(server + "/checklist").text()
    held = []
    context.route(server + "/checklist", lambda route: held.append(route) if route.request.method == "GET"
                  and "if-none-match" in route.request.headers else route.fallback())
    context.set_offline(True)
    page.set_input_files(f"#file-{task.id}", str(tmp_path / "anh.jpg"))
    expect(page.locator("#outbox-count")).to_have_text("Chờ gửi: 1")
    context.set_offline(False)
    page.reload()
    emptied(page)
    expect(page.locator(f"#evidence-{task.id} img")).to_have_count(1)
    page.evaluate("() => document.addEventListener('page:fresh', () => { window.fresh = true; })")
    until(page, "() => true")  # lets the held request reach the test
    assert held, "the worker never asked for the page again"
    held[0].fulfill(status=200, body=before_the_photo, headers={
        "Content-Type": "text/html; charset=utf-8", "ETag": '"older"', "Cache-Control": "private, no-cache"})
    until(page, "() => window.fresh === true")
    expect(page.locator(f"#evidence-{task.id} img")).to_have_count(1)
    assert Evidence.select().where(Evidence.unit == unit).count() == 1
    context.close()


def registration_due(days_from_today: int):
    """Moves the registration deadline, as the office does on the campaign's points page."""
    campaign = Campaign.current(Unit.root())
    scheme = Scheme.of(campaign)
    scheme.registration_due_on = dt.date.fromisoformat(TODAY) + dt.timedelta(days=days_from_today)
    scheme.save()


def draft_registration_offline(context, server, commitment):
    page = checklist(context, server)
    until(page, "() => navigator.serviceWorker.controller !== null")
    page.goto(server + "/dang-ky")  # opened once online, so the phone keeps it
    until(page, "() => caches.open('pages').then(c => c.match('/dang-ky')).then(Boolean)")
    context.set_offline(True)
    page.goto(server + "/dang-ky")
    expect(page.locator("#offline")).to_contain_text("Đang ngoại tuyến")
    page.fill("#commit_general", commitment)
    page.get_by_role("button", name="Lưu bản nháp").click()
    expect(page.locator("#outbox-count")).to_have_text("Chờ gửi: 1")
    return page


def test_a_registration_drafted_with_no_signal_is_saved_once_when_it_returns(server, phone):
    registration_due(3)
    unit = Unit.get(Unit.code == "ban-na-bo")
    context = phone()
    page = draft_registration_offline(context, server, "Giữ vững an ninh trật tự")
    assert Registration.select().count() == 0

    context.set_offline(False)
    emptied(page)
    expect(page.locator("#commit_general")).to_have_value("Giữ vững an ninh trật tự")
    registration = Registration.get(Registration.unit == unit)
    assert (registration.state, registration.commitment_list) == ("draft", [{"area": None,
                                                                             "text": "Giữ vững an ninh trật tự"}])
    assert Event.select().where(Event.unit == unit, Event.kind == "registration.save").count() == 1
    assert ClientWrite.select().where(ClientWrite.unit == unit, ClientWrite.kind == "registration").count() == 1
    context.close()


def test_a_registration_drafted_before_the_deadline_and_sent_after_it_says_so_and_keeps_the_text(server, phone):
    registration_due(3)
    context = phone()
    page = draft_registration_offline(context, server, "Cam kết soạn trên đồi")
    registration_due(-1)  # the deadline passes while the phone has no signal

    context.set_offline(False)
    emptied(page)
    expect(page.locator("#closed")).to_contain_text("Đã hết hạn đăng ký thi đua")
    expect(page.locator("#refused")).to_contain_text("chưa được lưu")
    expect(page.locator("#commit_general")).to_have_value("Cam kết soạn trên đồi")
    assert Registration.select().count() == 0
    context.close()


def test_a_late_registration_the_worker_sent_with_no_page_open_is_shown_when_the_page_opens(server, phone):
    registration_due(3)
    context = phone()
    page = draft_registration_offline(context, server, "Cam kết gửi lúc không mở trang")
    registration_due(-1)
    page.goto("about:blank")  # no page of the portal open: the worker sends the outbox itself
    sent = []
    context.on("requestfinished", lambda r: r.method == "POST" and r.url.endswith("/dang-ky") and sent.append(r))
    cdp = context.new_cdp_session(page)
    workers = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda e: workers.extend(e["registrations"]))
    cdp.send("ServiceWorker.enable")
    context.set_offline(False)
    until(page, "() => true")
    cdp.send("ServiceWorker.dispatchSyncEvent", {"origin": server, "registrationId": workers[0]["registrationId"],
                                                 "tag": "outbox", "lastChance": False})
    for _ in range(100):
        if sent:
            break
        page.wait_for_timeout(100)
    assert sent and sent[0].response().status == 409

    page.goto(server + "/checklist")  # its outbox waits for the worker's to finish (one sender at a time)
    expect(page.locator("#refused-elsewhere")).to_contain_text("chưa được lưu")
    expect(page.locator("#outbox-count")).to_be_hidden()
    page.locator("#refused-elsewhere a").click()
    expect(page.locator("#refused")).to_contain_text("chưa được lưu")
    expect(page.locator("#commit_general")).to_have_value("Cam kết gửi lúc không mở trang")
    until(page, "() => outbox.refused().then(list => list.length === 0)")
    assert Registration.select().count() == 0
    context.close()
