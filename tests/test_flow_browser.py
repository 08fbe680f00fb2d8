"""Real gunicorn, real Chromium, the whole commendation flow: a village files its sơ kết and a proposal,
the office accepts and sends, the council votes, after the filing deadline the office publishes, anyone reads
/cong-khai, after the comment window the leader approves and the public page shows the decision."""
from playwright.sync_api import expect

from portal.models import Unit

from conftest import log_in


def move_clock(gunicorn, day):
    """The server starts again on another day; the browsers keep their sessions."""
    gunicorn.stop()
    gunicorn.env["PORTAL_TODAY"] = day
    gunicorn.start()


def confirm(page):
    """Answers yes to the question the portal asks before what cannot be undone."""
    page.locator("dialog.confirm button[value=yes]").click()


def test_from_a_villages_proposal_to_a_published_decision(gunicorn, browser):
    server = gunicorn.base
    board = log_in(browser, server, "vanhoa")
    unit = Unit.get(Unit.code == "ban-na-bo")
    filing = board.locator(f"#unit-{unit.id} td.filing")
    expect(filing).to_contain_text("0 đề nghị")

    head = log_in(browser, server, "ban-na-bo")
    head.click("nav >> text=Sơ kết & đề nghị")
    head.fill("#highlights", "Mô hình “Bản không ma túy”")
    head.click("button[value=submit]")
    confirm(head)
    expect(head.locator(".badge.report-submitted")).to_have_text("Đã gửi")
    # Filed once the user said yes (through the outbox on a phone with JavaScript): the page says so.
    expect(head.locator("main [role=status]", has_text="Đã gửi báo cáo sơ kết")).to_be_visible()
    head.click("text=+ Thêm đề nghị khen thưởng")
    head.fill("#name", "Lò Văn Sáng")
    head.fill("#position", "Trưởng bản")
    expect(head.locator("#workplace")).to_have_value("Bản Nà Bỏ")
    head.fill("#achievement", "Vận động 100% hộ ký cam kết bản không ma túy")
    head.select_option("#award", "giay-khen")
    head.click("button.primary")
    expect(head.locator("#my-nominations li")).to_contain_text("Lò Văn Sáng")
    expect(filing).to_contain_text("Đã gửi", timeout=10000)  # the board follows by itself
    expect(filing).to_contain_text("1 đề nghị")

    office = log_in(browser, server, "vanhoa")
    office.goto(server + "/reports")
    office.click("#reports >> text=Bản Nà Bỏ")
    office.click("#review button[value=accept]")
    expect(office.locator(".badge.report-accepted")).to_have_text("Đã tiếp nhận")
    office.click("nav >> text=Khen thưởng")
    office.click("#send button")
    expect(office.locator("#nominations")).to_contain_text("Đang trình Hội đồng")

    council = log_in(browser, server, "hoidong")
    council.click("nav >> text=Khen thưởng")
    council.click("#nominations >> text=Lò Văn Sáng")
    council.check("#vote input[value='1']")
    council.fill("#comment", "Xứng đáng")
    council.click("#vote button")
    expect(council.locator("#tally")).to_contain_text("1 đồng ý")
    expect(council.locator("#vote [role=status]")).to_contain_text("Đã ghi phiếu bình xét")  # through htmx

    move_clock(gunicorn, "2026-02-19")  # the filing deadline, 23:59 on 18/02, has passed
    office.reload()
    office.click("#publish button")
    confirm(office)
    expect(office.locator("#published")).to_contain_text("24/02/2026")

    public = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
    public.goto(server + "/cong-khai/xa-binh-lu")
    expect(public.locator("#approved li")).to_contain_text("Lò Văn Sáng")
    public.fill("#text", "Ông Sáng được dân bản tin tưởng")
    public.click("#opinion button")
    expect(public.locator("#flash")).to_contain_text("Cảm ơn")

    move_clock(gunicorn, "2026-02-25")  # the comment window ended with 24/02
    leader = log_in(browser, server, "chutich")
    leader.goto(server + "/decision")
    leader.fill("#number", "25/QĐ-UBND")
    leader.click("#decision button")
    confirm(leader)
    expect(leader.locator("#approved")).to_contain_text("25/QĐ-UBND")

    public.reload()
    expect(public.locator("#decision h2")).to_have_text("Quyết định số 25/QĐ-UBND ngày 25/02/2026")
    expect(public.locator("#decision li")).to_contain_text("Lò Văn Sáng")
