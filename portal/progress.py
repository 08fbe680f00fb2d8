"""Percent done per unit and area: the numbers on the checklist, the board and the API."""
from dataclasses import dataclass, field

from .guards import ended
from .models import Check, Evidence

LAG_POINTS = 10  # a unit lags when it is this many points below today's expected pace


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


@dataclass
class UnitProgress:
    unit: object
    overall: Score = field(default_factory=Score)
    areas: dict = field(default_factory=dict)  # area id -> Score

    def lagging(self, expected_percent: int) -> bool:
        return self.overall.percent + LAG_POINTS < expected_percent


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
    """Scores for each unit over the areas' tasks, from one query."""
    states = states_of([t for a in areas for t in a.task_list], units)
    return [score(areas, unit, states) for unit in units]


def scorecard(unit, campaign, readonly=False) -> dict:
    """A unit's tasks by content area, with its checks, evidence and score: what the checklist page and each of its
    fragments render from (and the report's prefill, the board's view of a unit, the dossier). Once the campaign
    has `ended` the rows offer no form and the unit reads why."""
    areas = campaign.areas_with_tasks()
    for area in areas:
        area.task_list = [t for t in area.task_list if t.applies_to(unit)]
    areas = [a for a in areas if a.task_list]
    tasks = [t for a in areas for t in a.task_list]
    checks = Check.for_unit(unit, tasks)
    closed = ended(campaign)
    return dict(unit=unit, campaign=campaign, areas=areas, checks=checks, evidence=Evidence.for_unit(unit, tasks),
                score=score(areas, unit, {(unit.id, task_id): c.state for task_id, c in checks.items()}),
                readonly=readonly or bool(closed), ended=closed, messages={}, drafts={})
