"""Reminders: the units behind today's pace, each with a message ready to paste into its chat group."""
from dataclasses import dataclass

from flask import Blueprint, render_template

from . import clock
from .auth import roles_required
from .checklist import current_campaign
from .progress import UnitProgress, progress, states_of

bp = Blueprint("reminders", __name__)


@dataclass
class Reminder:
    row: UnitProgress
    todo: list  # the tasks that apply to the unit and are neither done nor "không áp dụng"
    message: str


def message(campaign, row, todo, expected) -> str:
    due = campaign.report_due_on
    return "\n".join([
        f"Kính gửi {row.unit.name},",
        f"Đến ngày {clock.today():%d/%m/%Y}, đơn vị đã hoàn thành {row.overall.percent}% "
        f"({row.overall.done}/{row.overall.total} việc) của đợt thi đua “{campaign.title}”; "
        f"mức cần đạt hôm nay là {expected}%.",
        "Các việc chưa hoàn thành:",
        *(f"- {task.title}" for task in todo),
        f"Đề nghị đơn vị khẩn trương thực hiện, cập nhật trên Cổng thi đua và gửi báo cáo sơ kết "
        f"trước ngày {due:%d/%m/%Y} ({clock.days_left(due)}).",
        "Phòng Văn hóa – Xã hội xã",
    ])


def reminders(campaign, expected: int) -> list[Reminder]:
    """Lagging units, least done first, by the board's own measure."""
    areas = campaign.areas_with_tasks()
    rows = [row for row in progress(areas, campaign.units()) if row.lagging(expected)]
    tasks = [t for a in areas for t in a.task_list]
    states = states_of(tasks, [row.unit for row in rows])
    found = []
    for row in sorted(rows, key=lambda r: r.overall.percent):
        todo = [t for t in tasks if t.applies_to(row.unit) and states.get((row.unit.id, t.id), "todo") not in ("done", "na")]
        found.append(Reminder(row, todo, message(campaign, row, todo, expected)))
    return found


@bp.get("/reminders")
@roles_required("office")
def page():
    campaign = current_campaign()
    expected = round(100 * clock.expected_share(campaign.starts_on, campaign.ends_on))
    return render_template("reminders/page.html", campaign=campaign, expected=expected,
                           reminders=reminders(campaign, expected))


def init_app(app):
    app.register_blueprint(bp)
