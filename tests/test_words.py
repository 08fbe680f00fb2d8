"""The words on the pages, read as a clerk reads them: no word said twice, no office named twice."""
import re

import pytest

from portal.models import Report, Unit

from conftest import form_data, soup, switch
from test_nominations import approve, files, nomination, publish_with  # noqa: F401 - `files` is autouse

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
    publish_with(actor, {"Lò Văn Sáng": "1"})
    switch(actor, "chutich")
    approve(actor, awards=[str(nomination().id)], signed_on="10/02/2026")
    switch(actor, "ban-na-bo")
    form = form_data(soup(actor.client.get("/report")).select_one("form.report"))
    actor.client.post("/report", data={**form, "action": "submit"})
    return {"unit": Unit.get(Unit.code == "ban-na-bo").id, "nomination": nomination().id}


def test_every_page_reads_without_a_doubled_word(actor, campaign_under_way):
    assert Report.get().state == "submitted"
    public = actor.client.get("/cong-khai")
    assert_proofread(words(public), "/cong-khai")
    assert "Chủ tịch UBND xã Bình Lư quyết định khen thưởng" in words(public)
    first = True
    for username, paths in PAGES.items():
        if not first:
            switch(actor, username)
        first = False
        for path in paths:
            url = path.format(**campaign_under_way)
            response = actor.client.get(url)
            assert response.status_code == 200, url
            assert_proofread(words(response), f"{username} {url}")
    switch(actor, "ban-na-bo")
    report = words(actor.client.get("/report"))
    assert "Đã gửi · nộp lúc" in report
