"""Accessibility: axe-core (pinned in package.json, installed by `npm ci`, never served) checks every main page of
every role against WCAG 2 A and AA, at a phone's and a desktop's width, empty, filled and in an error state;
and a tick keeps the focus on the pressed button and announces what was saved."""
import pytest
from playwright.sync_api import expect

from portal.models import Campaign, Unit

from conftest import ROOT, log_in
from flows import nomination, sent

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (360, 1280)
TESTER = {"bypass_csp": True}  # axe is injected as an inline script, which the site's CSP (rightly) refuses


def violations(page) -> list[str]:
    """axe's WCAG 2 A/AA findings on the page as it is now, at each width: "width id: targets"."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: `npm ci` installs it")
    page.add_script_tag(path=str(AXE))
    found = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 740})
        result = page.evaluate("axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})")
        found += [f"{width}px {v['id']}: {', '.join(str(n['target']) for n in v['nodes'])}"
                  for v in result["violations"]]
    return found


def check(page, base, path, failures):
    """Visits `path` and records its violations under its name."""
    response = page.goto(base + path)
    assert response.status < 500, path
    failures += [f"{path} {v}" for v in violations(page)]
    return response


def assert_none(failures):
    assert not failures, "axe:\n" + "\n".join(failures)


def test_the_units_pages_pass_axe_empty_filled_and_in_error(server, browser):
    page = log_in(browser, server, "ban-na-bo", **TESTER)
    failures = []
    check(page, server, "/checklist", failures)  # nothing ticked yet
    page.click("section.area li.task button.done")
    page.wait_for_selector(".check.done .sync")
    page.click("section.area li.task button.na")
    page.wait_for_selector(".check.na .sync")
    page.click("section.area li.task details summary")  # a note opened
    failures += [f"/checklist ticked {v}" for v in violations(page)]
    check(page, server, "/checklist", failures)  # with finished tasks folded

    check(page, server, "/report", failures)  # a draft
    page.evaluate("document.querySelector('form.report textarea').value = 'x'.repeat(8001)")
    page.click("form.report button[value=save]")
    page.wait_for_selector("form.report .field-error")
    failures += [f"/report error {v}" for v in violations(page)]

    check(page, server, "/nominations/new", failures)
    page.click("main form button.primary")
    page.wait_for_selector("main form .field-error")
    failures += [f"/nominations/new error {v}" for v in violations(page)]
    assert_none(failures)


def test_the_offices_pages_pass_axe(app, server, browser):
    page = log_in(browser, server, "vanhoa", **TESTER)
    failures = []
    editor = f"/campaigns/{Campaign.current(Unit.root()).id}"
    for path in ("/board", "/reports", "/awards", "/units", "/campaigns", editor, "/audit", "/reminders"):
        check(page, server, path, failures)
    assert_none(failures)


def test_the_council_leader_and_supervisor_pages_pass_axe(server, browser, actor):
    sent(actor)  # a proposal waiting for the council's vote
    n = nomination()
    failures = []
    for username, paths in (("hoidong", ("/awards", f"/nominations/{n.id}")), ("chutich", ("/decision",)),
                            ("mttq", ("/awards", f"/nominations/{n.id}"))):
        page = log_in(browser, server, username, **TESTER)
        for path in paths:
            check(page, server, path, failures)
        page.context.close()
    assert_none(failures)


def test_the_public_pages_and_the_login_pass_axe(server, browser):
    page = browser.new_page(**TESTER)
    failures = []
    check(page, server, "/cong-khai/xa-binh-lu", failures)
    check(page, server, "/login", failures)
    page.fill("#username", "ban-na-bo")
    page.fill("#password", "sai mật khẩu")
    page.click("button.primary")
    page.wait_for_selector("main [role=alert]")
    failures += [f"/login error {v}" for v in violations(page)]
    assert_none(failures)


def test_after_a_tick_the_focus_stays_on_the_pressed_button_and_the_saved_line_is_announced(server, browser):
    page = log_in(browser, server, "ban-na-bo")
    button = page.locator("section.area li.task button.doing").first
    button_id = button.get_attribute("id")
    button.focus()
    page.keyboard.press("Enter")
    row = page.locator(f"#{button_id}").locator("xpath=ancestor::div[contains(@class,'check')]")
    expect(row.locator(".sync")).to_contain_text("Đã lưu")  # the answer is in and the row swapped
    expect(page.locator(f"#{button_id}")).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("document.activeElement.id") == button_id
    assert row.locator(".sync").get_attribute("role") == "status"


@pytest.mark.parametrize("username", ["ban-na-bo", "vanhoa"])
def test_the_header_fits_a_360_px_phone_with_no_link_cut_off(server, browser, username):
    page = log_in(browser, server, username)
    cut = page.evaluate("""[...document.querySelectorAll('.top a, .top button')].filter(e => {
        const r = e.getBoundingClientRect();
        return r.left < 0 || r.right > document.documentElement.clientWidth;
    }).map(e => e.textContent)""")
    assert cut == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_the_provinces_pages_pass_axe(server, browser, commune_b):
    """The roll-up board, the launch of a province campaign, and a commune's board and unit read from it."""
    unit = Unit.get(Unit.code == "ban-na-bo")
    page = log_in(browser, server, "tinh", **TESTER)
    failures = []
    for path in ("/tinh", "/tinh/dot-thi-dua", "/board?xa=xa-binh-lu", f"/board/units/{unit.id}?xa=xa-binh-lu",
                 f"/board?xa={commune_b.code}", "/cong-khai"):
        assert check(page, server, path, failures).status == 200, path
    assert_none(failures)
