"""The demo a newcomer sees after `make run`: a campaign in progress on whatever day it is loaded."""
import datetime as dt
import re

import pytest

from portal.models import Campaign, Unit, fold

from conftest import empty_tables, soup


@pytest.fixture(params=["2026-02-10", "2027-07-03"])
def demo_day(request, app, runner):
    """The demo loaded by `flask demo` into an empty database, on a pinned day."""
    app.config["TODAY"] = request.param
    empty_tables()
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    return dt.date.fromisoformat(request.param)


def test_the_demo_campaign_is_half_way_with_the_deadline_a_few_days_ahead(demo_day):
    campaign = Campaign.current(Unit.root())
    assert (campaign.ends_on - campaign.starts_on).days + 1 == 28  # the Bình Lư plan's span
    assert (campaign.report_due_on - campaign.starts_on).days + 1 == 18  # due on its 18th day, as in the plan
    assert campaign.starts_on < demo_day < campaign.ends_on
    gone, left = (demo_day - campaign.starts_on).days, (campaign.ends_on - demo_day).days
    assert abs(gone - left) <= 1
    assert 2 <= (campaign.report_due_on - demo_day).days <= 7


def test_the_office_sees_some_units_ahead_of_the_pace_and_some_behind(demo_day, actor):
    actor.login("vanhoa")
    page = soup(actor.client.get("/board"))
    expected = int(re.search(r"mức cần đạt hôm nay (\d+)%", page.select_one("#summary").text).group(1))
    assert 40 <= expected <= 60
    rows = page.select("table.board tbody tr")
    overall = [int(r.select("td b")[0].text.rstrip("%")) for r in rows]
    assert len(overall) == 24
    assert sum(p > expected for p in overall) >= 5
    assert len([r for r in rows if "lagging" in r.get("class", [])]) >= 5
    filed = [r for r in rows if "Đã gửi" in r.select_one("td.filing").text]
    assert 1 <= len(filed) < 24


def test_the_demo_has_no_unit_named_like_the_office(demo_day):
    office = fold("Phòng Văn hóa – Xã hội").replace("–", "-")
    for unit in Unit.select():
        name = fold(unit.name).replace("–", "-")
        assert "văn hóa" not in name and office not in name, unit.name
