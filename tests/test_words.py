"""The words on the pages, read as a clerk reads them: no word said twice, no office named twice."""
import re
from pathlib import Path

import pytest

from portal.models import Report, Unit

from conftest import csrf_token, form_data, soup, switch
from flows import after_the_window, approve, nomination, publish_with

pytestmark = pytest.mark.usefixtures("files")  # evidence and attachments in the test's directory

SLIPS = ["UBND UBND", "gửi gửi", "Xã hội xã", "xã xã"]
REPEATED = re.compile(r"\b(\w+) \1\b", re.IGNORECASE)  # "Đã gửi gửi lúc"
PAGES = {
    "ban-na-bo": ["/checklist", "/report"],
    "vanhoa": ["/board", "/reports", "/reports/{unit}", "/awards", "/nominations/{nomination}", "/decision",
               "/reminders", "/units", "/campaigns", "/audit"],
    "chutich": ["/decision"],
}


def words(html) -> str:
    page = soup(html)
    for hidden in page.select("script, style, textarea, option"):
        hidden.decompose()
    return " ".join(page.get_text(" ").split())


def assert_proofread(text, where):
    for slip in SLIPS:
        assert slip not in text, f"{where}: “{slip}”"
    repeated = [m.group(0) for m in REPEATED.finditer(text) if not m.group(1).isdigit()]
    assert not repeated, f"{where}: {repeated}"


@pytest.fixture
def campaign_under_way(actor):
    """A filed report and an approved decision, so that every page shows its filled-in wording."""
    actor.login("ban-na-bo")
    form = form_data(soup(actor.client.get("/report")).select_one("form.report"))
    actor.client.post("/report", data={**form, "action": "submit"})
    actor.client.post("/logout", data={"csrf_token": csrf_token(actor.client)})
    publish_with(actor, {"Lò Văn Sáng": "1"})
    after_the_window()
    switch(actor, "chutich")
    approve(actor, awards=[str(nomination().id)], signed_on="25/02/2026")
    return {"unit": Unit.get(Unit.code == "ban-na-bo").id, "nomination": nomination().id}


def test_every_page_reads_without_a_doubled_word(actor, campaign_under_way):
    assert Report.get().state == "submitted"
    public = actor.client.get("/cong-khai/xa-binh-lu")
    assert_proofread(words(public), "/cong-khai/xa-binh-lu")
    assert "Chủ tịch UBND xã Bình Lư quyết định khen thưởng" in words(public)
    for username, paths in PAGES.items():
        switch(actor, username)
        for path in paths:
            url = path.format(**campaign_under_way)
            response = actor.client.get(url)
            assert response.status_code == 200, url
            assert_proofread(words(response), f"{username} {url}")
    switch(actor, "ban-na-bo")
    report = words(actor.client.get("/report"))
    assert "Đã gửi · nộp lúc" in report


def luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance of #rgb or #rrggbb."""
    digits = hex_colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    channels = [int(digits[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def badge_colours(css: str) -> dict:
    """Each `.badge.x` selector with the (text, background) it is drawn in; text defaults to the body's."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    body = re.search(r"body\{[^}]*;color:(#\w+)", css).group(1)
    colours = {}
    for selectors, rules in re.findall(r"([^{}]+)\{([^}]*)\}", css):
        background = re.search(r"background:(#\w+)", rules)
        text = re.search(r"(?:^|;)color:(#\w+)", rules)
        for selector in selectors.split(","):
            if selector.strip().startswith(".badge") and background:
                colours[selector.strip()] = (text.group(1) if text else body, background.group(1))
    return colours


def test_done_waiting_and_returned_states_have_their_own_readable_colours(actor, campaign_under_way):
    css = (Path(__file__).resolve().parent.parent / "static/app.css").read_text()
    colours = badge_colours(css)
    for selector, (text, background) in colours.items():
        assert contrast(text, background) >= 4.5, selector
    done, waiting, returned = (colours[f".badge.report-{s}"][1] for s in ("accepted", "submitted", "returned"))
    assert len({done, waiting, returned, colours[".badge"][1]}) == 4
    assert [colours[f".badge.nomination-{s}"][1] for s in ("approved", "sent", "rejected")] == [done, waiting, returned]
    switch(actor, "vanhoa")
    shown = soup(actor.client.get(f"/nominations/{campaign_under_way['nomination']}")).select_one("#state")
    assert "nomination-approved" in shown["class"]
    row = soup(actor.client.get("/reports")).select_one(f"#report-{campaign_under_way['unit']} .badge")
    assert "report-submitted" in row["class"]
