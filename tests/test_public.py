"""The public posting on /cong-khai: no login, the council-approved list, opinions within the window,
rate-limited, read by the office; then the leader's decision."""
import datetime as dt

import pytest

from portal.models import Event, Opinion, Publication

from conftest import csrf_token, form_data, soup
from flows import after_the_window, opinion_form

pytestmark = pytest.mark.usefixtures("files")  # evidence and attachments in the test's directory


def test_before_anything_is_published_the_page_says_so(client):
    response = client.get("/cong-khai/xa-binh-lu")
    assert response.status_code == 200
    assert "chưa có danh sách" in soup(response).select_one("main").text
    assert soup(response).select_one("nav") is None


def test_anyone_sees_the_approved_list_without_logging_in(published):
    page = soup(published.client.get("/cong-khai/xa-binh-lu"))
    names = [li.select_one("b").text for li in page.select("#approved li")]
    assert names == ["Lò Văn Sáng"]  # the council did not pass the other
    assert "24/02/2026" in page.select_one(".due").text
    assert page.select_one("#opinion")


def test_an_opinion_without_a_name_is_received_and_the_office_reads_it(published):
    client = published.client
    response = client.post("/cong-khai/xa-binh-lu/y-kien", data={**opinion_form(client), "text": "Ông Sáng rất xứng đáng"})
    assert response.status_code == 303
    assert "Cảm ơn" in soup(client.get("/cong-khai/xa-binh-lu")).select_one("#flash").text
    opinion = Opinion.get()
    assert (opinion.name, opinion.text) == ("", "Ông Sáng rất xứng đáng")
    assert Event.get(Event.kind == "opinion.add").user is None
    published.login("vanhoa")
    card = soup(client.get("/opinions")).select_one(".opinion")
    assert "Ông Sáng rất xứng đáng" in card.text and "Không ghi tên" in card.text


def test_an_empty_opinion_comes_back_with_a_message_and_the_name_kept(published):
    client = published.client
    response = client.post("/cong-khai/xa-binh-lu/y-kien", data={**opinion_form(client), "name": "Lò Thị Xuân", "text": " "})
    assert response.status_code == 400
    page = soup(response)
    assert page.select_one("#text ~ .field-error").text == "Nhập nội dung ý kiến."
    assert page.select_one("#name")["value"] == "Lò Thị Xuân"
    assert not Opinion.select().exists()


def test_opinions_are_rate_limited_per_address(published, app):
    app.config["OPINION_RATE_LIMIT"] = "2 per hour"
    client = published.client
    form = opinion_form(client)
    statuses = [client.post("/cong-khai/xa-binh-lu/y-kien", data={**form, "text": f"Ý kiến {i}"}).status_code for i in range(3)]
    assert statuses == [303, 303, 429]
    assert Opinion.select().count() == 2
    limited = client.post("/cong-khai/xa-binh-lu/y-kien", data={**form, "text": "nữa"})
    assert "quá nhiều" in soup(limited).select_one(".flash.error").text


def test_after_the_window_closes_no_opinion_is_taken(published, app):
    form = opinion_form(published.client)
    app.config["TODAY"] = "2026-02-25"
    assert soup(published.client.get("/cong-khai/xa-binh-lu")).select_one("#opinion") is None
    assert published.client.post("/cong-khai/xa-binh-lu/y-kien", data={**form, "text": "muộn"}).status_code == 303
    assert not Opinion.select().exists()


def test_once_the_leader_approves_the_page_shows_the_decision(published):
    after_the_window()
    published.login("chutich")
    form = form_data(soup(published.client.get("/decision")).select_one("#decision"))
    published.client.post("/decision", data={**form, "number": "25/QĐ-UBND", "signed_on": "2026-02-25"})
    assert Publication.get().decision_date == dt.date(2026, 2, 25)
    published.client.post("/logout", data={"csrf_token": csrf_token(published.client)})
    page = soup(published.client.get("/cong-khai/xa-binh-lu"))
    decision = page.select_one("#decision")
    assert "Quyết định số 25/QĐ-UBND ngày 25/02/2026" in decision.select_one("h2").text
    assert [li.select_one("b").text for li in decision.select("li")] == ["Lò Văn Sáng"]
    assert "Nguyễn Thị Nhàn" in decision.text
    assert page.select_one("#opinion") is None
