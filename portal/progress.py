"""Percent done per unit and area: the numbers on the checklist, the board and the API, and who lags."""
import datetime as dt
import json
import math
from dataclasses import dataclass, field

from peewee import fn

from . import clock
from .db import Slot, rows
from .guards import ended
from .models import Campaign, Check, Event, Evidence, Nomination, Registration, Report, UnitTotal

# The lag rule, written on the board as it is here: below today's pace is behind; this many points or more
# below it is seriously behind.
SERIOUS_POINTS = 15
FINISHED = ("done", "na")  # folded away under "Đã xong": nothing left to do on them
DEADLINE_WARNING_DAYS = 3  # the sơ kết's deadline shows as a banner this many days ahead
LAG_LABELS = {"slight": "Chậm", "serious": "Chậm nhiều"}


@dataclass
class Score:
    done: int = 0
    total: int = 0  # tasks that apply, less those marked "Không áp dụng"

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    def add(self, state: str) -> None:
        if state != "na":
            self.total += 1
            self.done += state == "done"

    def gap(self, share: float) -> int:
        """How many tasks short of today's pace (`share` of its tasks done by now), 0 when on pace."""
        # The small tolerance only absorbs float error: 10/28 of 28 tasks is 10, not 11.
        return max(0, math.ceil(share * self.total - 1e-9) - self.done)

    def lag(self, share: float) -> str | None:
        """None on pace, "slight" below it, "serious" SERIOUS_POINTS or more points below it."""
        if not self.gap(share):
            return None
        return "serious" if 100 * (share - self.done / self.total) >= SERIOUS_POINTS else "slight"


@dataclass
class UnitProgress:
    unit: object
    overall: Score = field(default_factory=Score)
    areas: dict = field(default_factory=dict)  # area id -> Score

    def gap(self, share: float) -> int:
        return self.overall.gap(share)

    def lag(self, share: float) -> str | None:
        return self.overall.lag(share)


def states_of(tasks, units) -> dict:
    """(unit id, task id) -> state, for the checks that exist."""
    if not tasks or not units:
        return {}
    # By unit only, as tuples: a list of task ids and model rows would cost more than the rows
    # of other campaigns' tasks this drops.
    task_ids = {t.id for t in tasks}
    query = Check.select(Check.unit, Check.task, Check.state).where(Check.unit.in_([u.id for u in units])).tuples()
    return {(unit_id, task_id): state for unit_id, task_id, state in query if task_id in task_ids}


def score(areas, unit, states) -> UnitProgress:
    row = UnitProgress(unit, areas={a.id: Score() for a in areas})
    for area in areas:
        for task in area.task_list:
            if task.applies_to(unit):
                state = states.get((unit.id, task.id), "todo")
                row.areas[area.id].add(state)
                row.overall.add(state)
    return row


def progress(areas, units) -> list[UnitProgress]:
    """Scores for each unit over the areas' tasks, counted from their checks in one query."""
    states = states_of([t for a in areas for t in a.task_list], units)
    return [score(areas, unit, states) for unit in units]


def kept_progress(campaign, areas, units, totals=None) -> list[UnitProgress]:
    """The same scores as `progress`, from the totals each tick keeps (`UnitTotal`): what boards read, at a cost
    that does not grow with the tasks. `totals`: those already read."""
    totals = UnitTotal.of([campaign]) if totals is None else totals
    scored = []
    for unit in units:
        row = UnitProgress(unit)
        for area in areas:
            done, total = totals.get((unit.id, area.id), (0, 0))
            row.areas[area.id] = Score(done, total)
            row.overall.done += done
            row.overall.total += total
        scored.append(row)
    return scored


@dataclass
class CommuneProgress:
    """One commune on the province's board: its campaign in progress (None when it runs none) and what its
    units have done, from the kept totals."""
    commune: object
    campaign: object = None
    overall: Score = field(default_factory=Score)
    units: int = 0
    lagging: int = 0
    serious: int = 0
    reports: int = 0  # sơ kết sent to the office (sent or accepted)
    proposals: int = 0  # nominations still standing (not merged or withdrawn)
    registrations: int = 0  # units registered (sent or accepted)

    @property
    def expected(self) -> int:
        return round(100 * clock.expected_share(self.campaign.starts_on, self.campaign.ends_on)) if self.campaign else 0


def campaigns_of(communes) -> dict:
    """Commune id -> its campaign in progress: the active one that started last."""
    found = {}
    query = (Campaign.select().where(Campaign.unit.in_([c.id for c in communes]), Campaign.status == "active")
             .order_by(Campaign.starts_on, Campaign.id))
    for campaign in query:
        found[campaign.unit_id] = campaign
    return found


def rollup(communes) -> list[CommuneProgress]:
    """Each commune's progress from its units' kept totals (never the checks), and its counts of sơ kết, proposals
    and registrations: a few grouped queries whatever the number of communes."""
    campaigns = campaigns_of(communes)
    ids = [c.id for c in campaigns.values()]
    totals = UnitTotal.by_unit(campaigns.values())

    def counts(model, condition):
        return dict(model.select(model.campaign, fn.COUNT(model.id)).where(model.campaign.in_(ids), condition)
                    .group_by(model.campaign).tuples())

    reports = counts(Report, Report.state.in_(("submitted", "accepted")))
    proposals = counts(Nomination, Nomination.state.not_in(Nomination.CLOSED))
    registrations = counts(Registration, Registration.state.in_(("sent", "accepted")))
    listed = []
    for commune in communes:
        row = CommuneProgress(commune, campaigns.get(commune.id))
        if row.campaign:
            share = clock.expected_share(row.campaign.starts_on, row.campaign.ends_on)
            for done, total in totals[row.campaign.id]:
                unit = Score(done, total)
                row.overall.done += done
                row.overall.total += total
                row.units += 1
                lag = unit.lag(share)
                row.lagging += bool(lag)
                row.serious += lag == "serious"
            row.reports = reports.get(row.campaign.id, 0)
            row.proposals = proposals.get(row.campaign.id, 0)
            row.registrations = registrations.get(row.campaign.id, 0)
        listed.append(row)
    return listed


SORTS = ("gap", "name", "total", "report", "activity")  # and "area-<id>", one per content area


def sort_rows(rows, key: str, descending: bool, share: float, filings: dict, last_activity: dict) -> list:
    """The board's rows in the order asked for; ties by name, so the order never jumps between refreshes.
    "gap" is how far below today's pace in points, so a big unit and a small one compare fairly."""
    def value(row):
        if key == "gap":
            return share - row.overall.done / row.overall.total if row.overall.total else -1.0
        if key == "total":
            return row.overall.percent if row.overall.total else -1
        if key.startswith("area-"):
            s = row.areas.get(int(key[5:]))
            return s.percent if s and s.total else -1
        if key == "report":
            return filings.get(row.unit.id, {}).get("state") or ""
        if key == "activity":
            return last_activity.get(row.unit.id) or dt.datetime.min
        return 0

    if key == "name":  # the rows come in Vietnamese alphabetical order
        return list(reversed(rows)) if descending else list(rows)
    return sorted(rows, key=value, reverse=descending)  # stable, also reversed: ties stay by name


def daily_done(campaign, rows) -> list[tuple[dt.date, int]]:
    """(day, tasks done at its end) from the campaign's first day to today, for the units of `rows`, replayed
    from the log; today's point is the rows' own count, so the chart ends where the table stands."""
    units = {row.unit.id for row in rows}
    last = min(clock.today(), campaign.ends_on)
    if not units or last < campaign.starts_on:
        return []
    query = (Event.select(Event.at, Event.unit, Event.subject, Event.after)
             .where(Event.campaign == campaign, Event.kind == "check.set", Event.unit.in_(list(units)))
             .order_by(Event.id).tuples())
    done_now, by_day, count = set(), {}, 0
    for at, unit_id, subject, after in query:
        key = (unit_id, subject)
        is_done = json.loads(after or "{}").get("state") == "done"
        if is_done != (key in done_now):
            (done_now.add if is_done else done_now.discard)(key)
            count += 1 if is_done else -1
        by_day[clock.local(at).date()] = count
    changes, days, count = sorted(by_day.items()), [], 0
    day = campaign.starts_on
    while day <= last:
        while changes and changes[0][0] <= day:
            count = changes.pop(0)[1]
        days.append((day, count))
        day += dt.timedelta(days=1)
    if days and last == clock.today():
        days[-1] = (last, sum(row.overall.done for row in rows))
    return days


def pace_chart(campaign, days, total) -> dict | None:
    """Coordinates for the small inline SVG: done by day against the pace line (0 on the eve of the first
    day, 100% on the last), in a 300×80 box, 100% at the top."""
    if not days or not total:
        return None
    span = (campaign.ends_on - campaign.starts_on).days + 1

    def point(day_number, percent):
        return f"{round(300 * day_number / span, 1)},{round(78 - 74 * percent / 100, 1)}"

    done = [point(0, 0)] + [point(i + 1, 100 * count / total) for i, (_, count) in enumerate(days)]
    today = round(100 * days[-1][1] / total)
    expected = round(100 * len(days) / span)
    return dict(done=" ".join(done), pace=f"{point(0, 0)} {point(span, 100)}", today=today, expected=expected,
                label=f"Tiến độ theo ngày: đến {days[-1][0]:%d/%m} đạt {today}%, mức cần đạt {expected}%.")


def scorecard(unit, campaign, readonly=False, page=True) -> dict:
    """A unit's tasks by content area, with its checks, evidence and score: what the checklist page and each of its
    fragments render from (and the report's prefill, the board's view of a unit, the dossier). Once the campaign
    has `ended` the rows offer no form and the unit reads why. A tick's row and totals (`page` false) need neither
    the evidence nor the banners: two statements fewer on every tick and every live change."""
    areas = campaign.areas_with_tasks()
    for area in areas:
        area.task_list = [t for t in area.task_list if t.applies_to(unit)]
    areas = [a for a in areas if a.task_list]
    tasks = [t for a in areas for t in a.task_list]
    checks = Check.for_unit(unit, tasks)
    closed = ended(campaign)
    return dict(unit=unit, campaign=campaign, areas=areas, checks=checks,
                evidence=Evidence.for_unit(unit, tasks) if page else {},
                numbers={t.id: n for n, t in enumerate(tasks, 1)},  # as the printed checklist and SMS codes number them
                finished={task_id for task_id, c in checks.items() if c.state in FINISHED},
                banners=[] if readonly or closed or not page else banners(unit, campaign),
                score=score(areas, unit, {(unit.id, task_id): c.state for task_id, c in checks.items()}),
                readonly=readonly or bool(closed), ended=closed, messages={}, drafts={})


def banners(unit, campaign) -> list[tuple[str, str]]:
    """What the unit must not miss, above its tasks: its sơ kết returned by the office (with the office's comment),
    and the sơ kết's deadline within a few days while it is not filed."""
    found = rows(Report, "report.of", lambda: Report.select().where(Report.campaign == Slot("campaign"),
                                                                  Report.unit == Slot("unit")),
                 campaign=campaign.id, unit=unit.id)  # built once: every tick's answer shows the banners
    report = found[0] if found else None
    shown = []
    if report and report.state == "returned":
        comment = f" Ý kiến của văn phòng: “{report.office_comment}”" if report.office_comment else ""
        shown.append(("returned", "Báo cáo sơ kết bị trả lại để bổ sung." + comment))
    days = (campaign.report_due_on - clock.today()).days
    if 0 <= days <= DEADLINE_WARNING_DAYS and (report is None or report.state in ("draft", "returned")):
        shown.append(("due", f"Hạn gửi sơ kết là 23:59 ngày {campaign.report_due_on:%d/%m/%Y} "
                             f"({clock.days_left(campaign.report_due_on)}): báo cáo chưa được gửi."))
    return shown
