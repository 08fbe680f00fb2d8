"""Where each unit's filing stands: the sơ kết report and its proposals, until the deadline or a reopening."""
from peewee import JOIN, fn

from . import clock
from .guards import frozen, publication_of
from .models import Campaign, Nomination, Report, Unit
from .text import vn_sort_key

EDITABLE = ("draft", "returned")  # report states the unit may still change


def deadline_passed(campaign: Campaign) -> bool:
    """The report is due by the end of `report_due_on` in commune time."""
    return clock.today() > campaign.report_due_on


def filing_open(campaign: Campaign, report: Report | None) -> bool:
    """A unit files its report and proposals until the deadline; a unit the office reopened, until it files its
    report again (or, returned, files it once more), so that the round has an end."""
    return not deadline_passed(campaign) or bool(report and report.reopened and report.state in EDITABLE)


def still_filing(campaign: Campaign) -> str | None:
    """Why the list cannot be published yet: some unit may still file a proposal, which would be left out."""
    if not deadline_passed(campaign):
        return (f"Các đơn vị còn được gửi sơ kết và đề nghị khen thưởng đến 23:59 ngày "
                f"{campaign.report_due_on:%d/%m/%Y}; chỉ công khai danh sách được sau thời hạn này.")
    reopened = [r.unit.name for r in Report.select(Report, Unit).join(Unit).where(
        Report.campaign == campaign, Report.reopened == True) if filing_open(campaign, r)]  # noqa: E712
    if reopened:
        return ("Đơn vị được mở lại còn đang gửi sơ kết và đề nghị khen thưởng: "
                + ", ".join(sorted(reopened, key=vn_sort_key))
                + ". Chỉ công khai danh sách được khi các đơn vị này đã gửi sơ kết.")
    return None


def filings(campaign: Campaign) -> dict:
    """Unit id -> its report's state and lateness and how many proposals it made, for the board; one query."""
    count = fn.COUNT(Nomination.id).alias("proposals")
    rows = (Unit.select(Unit.id, Report.state, Report.late, count)
            .join(Report, JOIN.LEFT_OUTER, on=(Report.unit == Unit.id) & (Report.campaign == campaign))
            .switch(Unit)
            .join(Nomination, JOIN.LEFT_OUTER, on=(Nomination.unit == Unit.id) & (Nomination.campaign == campaign)
                  & (Nomination.state.not_in(Nomination.CLOSED)))
            .where(Unit.path.startswith(campaign.unit.path))
            .group_by(Unit.id, Report.state, Report.late).dicts())
    return {r["id"]: r for r in rows}


def report_of(campaign: Campaign, unit: Unit) -> Report | None:
    return Report.get_or_none(Report.campaign == campaign, Report.unit == unit)


def reopening_refused(campaign: Campaign, report: Report | None) -> str | None:
    """Why the office cannot reopen filing for a unit; reopening lasts until the unit files its report."""
    if filing_open(campaign, report):
        return "Đơn vị này vẫn đang được gửi sơ kết và đề nghị."
    if report and report.state not in EDITABLE:
        return "Đơn vị đã gửi sơ kết; trả lại báo cáo trước nếu cần cho đơn vị gửi lại."
    if publication_of(campaign):
        return "Danh sách khen thưởng đã công khai nên không mở lại việc gửi đề nghị được nữa."
    return frozen(campaign)
